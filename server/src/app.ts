/**
 * Builds the whole API from injected parts. Tests pass a real SQLite store in a temp dir and a provider pointed at the
 * fake LLM server; `index.ts` wires the real ones. Nothing here reads the environment.
 */
import { openapi } from '@elysiajs/openapi';
import { Elysia } from 'elysia';
import { adminRoutes } from './admin/routes.ts';
import { knowledgeRoutes } from './knowledge/routes.ts';
import type { Knowledge } from './knowledge/runtime.ts';
import { chatRoutes } from './chat/routes.ts';
import { createChatService } from './chat/service.ts';
import type { TurnRegistry } from './chat/turn-registry.ts';
import type { AppConfig } from './config.ts';
import { adminHealthRoutes, healthRoutes } from './health/routes.ts';
import { silentLogger, type Logger } from './logger.ts';
import { withMediaTypes } from './http/openapi-media-types.ts';
import { SECURITY_SCHEMES } from './http/openapi-security.ts';
import { originGuard } from './http/origin-guard.ts';
import { requestContext } from './http/request-context.ts';
import type { LlmProvider } from './llm/types.ts';
import { accessGates, createIpLimiters } from './http/access.ts';
import { bodyReader } from './http/body-reader.ts';
import { connectionCap } from './http/connection-cap.ts';
import { routeTable } from './http/route-table.ts';
import { createMemoryTurnLimits, STORE_HELD_TURN_LIMITS, type TurnLimits } from './security/turn-limits.ts';
import type { ChatStore } from './store/chat-store.ts';
import { widgetRoutes } from './embed/routes.ts';

export interface AppDeps {
  config: AppConfig;
  store: ChatStore;
  /** null when no model is configured: chat then answers 503 llm_not_configured. */
  llm: LlmProvider | null;
  logger?: Logger;
  /** Clock for rate limits and budgets (tests move time without sleeping). */
  now?: () => number;
  /** The per-session rate limit and token budgets; in memory (this process) unless a shared store supplies them. */
  turnLimits?: TurnLimits;
  /** The knowledge base (knowledge/runtime.ts); absent: no retrieval and no knowledge routes. */
  knowledge?: Knowledge | null;
  /** Running turns, drained by the entry point on shutdown (chat/turn-registry.ts). */
  turns?: TurnRegistry | null;
}

export const API_VERSION = '1.0.0';

export function createApp({ config, store, llm, logger = silentLogger, now = Date.now, turnLimits, knowledge = null, turns = null }: AppDeps) {
  const limiters = createIpLimiters(config, now);
  const limits =
    turnLimits ??
    (store.sharesTurnLimits ? STORE_HELD_TURN_LIMITS : null) ??
    createMemoryTurnLimits({
      chatPerSessionPerMinute: config.rateLimits.chatPerSessionPerMinute,
      maxTrackedClients: config.rateLimits.maxTrackedClients,
      budgets: config.budgets,
      now,
    });
  const service = createChatService({ config, store, llm, limits, logger, now, knowledge: knowledge?.turn ?? null, turns });

  // The checks that run before routing ask this table which route a request is for; it is read once all are added.
  const routeOf = routeTable(() => app.routes);

  // Our own check answers 413 JSON for a declared length over the limit (and refuses bodies without one), so no body
  // larger than MAX_BODY_BYTES is ever read. Bun's cap answers an empty, non-JSON 413 before any hook runs: it must
  // never be the one to answer, so it sits out of reach (an unread body is discarded by Bun, not buffered).
  const app = new Elysia({ serve: { maxRequestBodySize: Number.MAX_SAFE_INTEGER } })
    .use(requestContext({ config, logger, routeOf }))
    // Everything up to the body reader decides from the headers alone, before a byte of the body is read.
    .use(originGuard(config))
    .use(connectionCap(config))
    .use(accessGates({ config, limiters, routeOf }))
    .use(bodyReader({ timeoutMs: config.connections.bodyTimeoutMs }))
    .use(
      withMediaTypes(openapi({
        path: '/v1/docs',
        specPath: '/v1/openapi.json',
        // The docs UI would load a script from a CDN; the JSON document is what clients and tools need.
        provider: null,
        exclude: { paths: ['/'], staticFile: false },
        documentation: {
          info: {
            title: 'Open Chat Widget API',
            version: API_VERSION,
            description: 'Chat (widget key in `x-api-key`), admin (`x-admin-api-key`) and health routes. Errors are `{ "error", "code" }`.',
          },
          tags: [
            { name: 'Chat', description: 'Visitor chat turns, history and feedback (widget key).' },
            { name: 'Admin', description: 'Conversations for the dashboard (admin key).' },
            { name: 'Knowledge', description: 'Knowledge-base sources the assistant answers from (admin key).' },
            { name: 'Health', description: 'Liveness and readiness probes.' },
            { name: 'Widget', description: 'The embeddable script.' },
          ],
          // Relative: the API is self-hosted, so its address is wherever this document was fetched from.
          servers: [{ url: '/', description: 'The server that serves this document.' }],
          components: { securitySchemes: SECURITY_SCHEMES },
        },
      })),
    )
    .use(healthRoutes({ store, llm }))
    .use(widgetRoutes({ config }))
    .use(chatRoutes({ config, store, service, limiters, knowledge: knowledge?.turn ?? null }))
    .use(adminRoutes({ config, store, limiters, knowledgeStore: knowledge?.store ?? null }))
    .use(adminHealthRoutes({ config, store, llm, limiters }))
    .use(knowledgeRoutes({ config, service: knowledge?.service ?? null, limiters }));
  return app;
}

export type App = ReturnType<typeof createApp>;
