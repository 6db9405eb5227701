/** Environment → the dashboard's typed configuration, checked once at start (see the table in dashboard/README.md). */
import { randomBytes } from 'node:crypto';

export interface DashboardConfig {
  production: boolean;
  /** Base URL of the chat server, no trailing slash. */
  apiUrl: string;
  adminApiKey: string;
  /** Null when unset (development only): login then always fails with a message saying so. */
  password: string | null;
  sessionSecret: string;
  sessionTtlMs: number;
  loginMaxAttempts: number;
  loginWindowMs: number;
  /** How often open pages ask for new messages. */
  pollIntervalMs: number;
  /** Largest file the Knowledge page passes on (the chat server's KNOWLEDGE_MAX_FILE_BYTES; the same .env sets both). */
  knowledgeMaxFileBytes: number;
}

export type ConfigResult =
  | { ok: true; config: DashboardConfig; notices: string[] }
  | { ok: false; problems: string[] };

export const MIN_SECRET_CHARS = 24;
export const MIN_PASSWORD_CHARS = 12;

type Env = Record<string, string | undefined>;

function positiveNumber(env: Env, name: string, fallback: number, problems: string[]): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    problems.push(`${name} must be a positive number (got "${raw}").`);
    return fallback;
  }
  return value;
}

export function parseConfig(env: Env, generateSecret = () => randomBytes(32).toString('base64url')): ConfigResult {
  const problems: string[] = [];
  const notices: string[] = [];
  // Exactly as the server reads it: an unknown value (`Production`, `prod`) is refused, and checked as production
  // meanwhile so that one start lists every problem, instead of silently running without the production checks.
  const mode = env.NODE_ENV?.trim() || 'development';
  const production = mode !== 'development' && mode !== 'test';
  if (!['development', 'production', 'test'].includes(mode)) {
    problems.push(`NODE_ENV must be one of development, production, test (got "${mode}"; the value is case-sensitive).`);
  }

  const apiUrlRaw = env.API_URL?.trim() || 'http://127.0.0.1:4000';
  let apiUrl = apiUrlRaw;
  try {
    const parsed = new URL(apiUrlRaw);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
    apiUrl = apiUrlRaw.replace(/\/+$/, '');
  } catch {
    problems.push(`API_URL must be an http(s) URL such as http://server:4000 (got "${apiUrlRaw}").`);
  }

  const adminApiKey = env.ADMIN_API_KEY?.trim() ?? '';
  if (!adminApiKey) {
    if (production) problems.push('ADMIN_API_KEY is not set: set it to the same value as the server\'s ADMIN_API_KEY.');
    else notices.push('ADMIN_API_KEY is not set: every page will show the chat server\'s 401 until it is.');
  }

  const password = env.DASHBOARD_PASSWORD ?? '';
  if (!password) {
    if (production) problems.push(`DASHBOARD_PASSWORD is not set: choose one of at least ${MIN_PASSWORD_CHARS} characters.`);
    else notices.push('DASHBOARD_PASSWORD is not set: nobody can sign in until it is.');
  } else if (production && password.length < MIN_PASSWORD_CHARS) {
    problems.push(`DASHBOARD_PASSWORD is too short: use at least ${MIN_PASSWORD_CHARS} characters.`);
  }

  let sessionSecret = env.SESSION_SECRET ?? '';
  if (!sessionSecret) {
    if (production) {
      problems.push(`SESSION_SECRET is not set: use at least ${MIN_SECRET_CHARS} random characters (openssl rand -base64 32).`);
    } else {
      sessionSecret = generateSecret();
      notices.push('SESSION_SECRET is not set: using a random one for this process, so sessions will not survive a restart.');
    }
  } else if (production && sessionSecret.length < MIN_SECRET_CHARS) {
    problems.push(`SESSION_SECRET is too short: use at least ${MIN_SECRET_CHARS} random characters (openssl rand -base64 32).`);
  }

  const sessionTtlMs = positiveNumber(env, 'SESSION_TTL_HOURS', 12, problems) * 3_600_000;
  const loginMaxAttempts = Math.floor(positiveNumber(env, 'LOGIN_MAX_ATTEMPTS', 5, problems));
  const loginWindowMs = positiveNumber(env, 'LOGIN_WINDOW_SECONDS', 60, problems) * 1000;
  const pollIntervalMs = positiveNumber(env, 'DASHBOARD_POLL_SECONDS', 5, problems) * 1000;
  const knowledgeMaxFileBytes = Math.floor(positiveNumber(env, 'KNOWLEDGE_MAX_FILE_BYTES', 10 * 1024 * 1024, problems));

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    notices,
    config: {
      production,
      apiUrl,
      adminApiKey,
      password: password || null,
      sessionSecret,
      sessionTtlMs,
      loginMaxAttempts,
      loginWindowMs,
      pollIntervalMs,
      knowledgeMaxFileBytes,
    },
  };
}
