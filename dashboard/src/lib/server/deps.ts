/** Everything a request handler needs, built once per process from the config and handed down via `locals`. */
import { createAdminApi, type AdminApi } from './admin-api.ts';
import { createSessionKeeper, type SessionKeeper } from './auth.ts';
import { createKnowledgeApi, type KnowledgeApi } from './knowledge-api.ts';
import type { DashboardConfig } from './config.ts';
import { createLoginGate, type LoginGate } from './login-gate.ts';

export interface DashboardDeps {
  config: DashboardConfig;
  api: AdminApi;
  knowledge: KnowledgeApi;
  sessions: SessionKeeper;
  loginGate: LoginGate;
  now: () => number;
}

export function createDashboardDeps(config: DashboardConfig, now: () => number = Date.now): DashboardDeps {
  return {
    config,
    api: createAdminApi({ baseUrl: config.apiUrl, adminKey: config.adminApiKey }),
    knowledge: createKnowledgeApi({ baseUrl: config.apiUrl, adminKey: config.adminApiKey }),
    sessions: createSessionKeeper({ secret: config.sessionSecret, ttlMs: config.sessionTtlMs }),
    loginGate: createLoginGate({ maxAttempts: config.loginMaxAttempts, windowMs: config.loginWindowMs }),
    now,
  };
}
