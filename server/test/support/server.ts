/**
 * Starts the REAL app on a loopback port, with a real SQLite file in a temp dir and the provider pointed at the fake
 * LLM server. Configuration goes through `loadConfig`, as in production, so tests exercise the env parsing too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.ts';
import { loadConfig, type AppConfig } from '../../src/config.ts';
import { createMemoryLogger } from './memory-logger.ts';
import { createOpenAiProvider } from '../../src/llm/openai.ts';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';
import type { ChatStore } from '../../src/store/chat-store.ts';
import { startFakeLlm, type FakeLlm } from './fake-llm.ts';
import type { Resolve } from '../../src/knowledge/fetcher.ts';
import { createKnowledge, type Knowledge } from '../../src/knowledge/runtime.ts';
import { openSqliteKnowledgeStore } from '../../src/knowledge/store/sqlite.ts';
import type { KnowledgeStore } from '../../src/knowledge/store/types.ts';

export const TEST_WIDGET_KEY = 'test-widget-key-0123456789abcdef';
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';

/** Every rate limit and budget off: for suites about something else that send many requests from one address. */
export const NO_LIMITS_ENV = {
  RATE_LIMIT_CHAT_PER_IP: '0',
  RATE_LIMIT_CHAT_PER_SESSION: '0',
  RATE_LIMIT_ADMIN_PER_IP: '0',
  MAX_CONNECTIONS_PER_IP: '0',
  BUDGET_TOKENS_PER_SESSION: '0',
  BUDGET_TOKENS_PER_IP: '0',
  BUDGET_TOKENS_PER_DAY: '0',
} as const;

export interface TestServer {
  url: string;
  port: number;
  config: AppConfig;
  store: ChatStore;
  knowledge: Knowledge;
  fakeLlm: FakeLlm;
  widgetKey: string;
  adminKey: string;
  /** JSON log lines the server wrote. */
  logs: string[];
  /** POST JSON with the widget key. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** GET/DELETE with the admin key. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string | undefined>;
  fakeLlm?: FakeLlm;
  store?: ChatStore;
  /** No LLM at all (OPENAI_* unset). */
  noLlm?: boolean;
  /** A knowledge store to use instead of the SQLite one in the chat file (e.g. Convex through the fake deployment). */
  knowledgeStore?: KnowledgeStore;
  /** DNS for the knowledge fetcher. */
  resolve?: Resolve;
  now?: () => number;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ocw-test-'));
  const ownsLlm = !options.fakeLlm && !options.noLlm;
  const fakeLlm = options.fakeLlm ?? (await startFakeLlm());
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    WIDGET_API_KEY: TEST_WIDGET_KEY,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    DATABASE_PATH: join(dir, 'chat.db'),
    OPENAI_API_KEY: options.noLlm ? undefined : 'sk-test-not-a-real-key',
    OPENAI_BASE_URL: options.noLlm ? undefined : fakeLlm.url,
    OPENAI_MODEL: 'fake-model',
    LOG_REQUESTS: 'true',
    ...options.env,
  };
  const { config, problems } = loadConfig(env);
  if (problems.length) throw new Error(`test config is invalid:\n${problems.join('\n')}`);
  const store = options.store ?? (await openSqliteStore(config.databasePath));
  const llm = config.llm ? createOpenAiProvider({ config: config.llm, maxRetries: 0 }) : null;
  const logger = createMemoryLogger();
  // The knowledge base on the same real SQLite file (or the one given), with quick retries so failures show fast.
  const knowledgeStore = options.knowledgeStore ?? openSqliteKnowledgeStore(config.databasePath);
  const knowledge = createKnowledge({ config, store: knowledgeStore, logger, resolve: options.resolve, indexer: { retryDelaysMs: [20, 50], storeRetryMs: 50 } });
  knowledge.indexer.kick();
  const app = createApp({ config, store, llm, logger, now: options.now, knowledge }).listen({ port: 0, hostname: '127.0.0.1', idleTimeout: 0 });
  const port = app.server!.port!;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    config,
    store,
    knowledge,
    fakeLlm,
    widgetKey: TEST_WIDGET_KEY,
    adminKey: TEST_ADMIN_KEY,
    logs: logger.lines,
    post: (path, body, headers = {}) =>
      fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': TEST_WIDGET_KEY, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    admin: (path, init = {}) =>
      fetch(url + path, { ...init, headers: { 'x-admin-api-key': TEST_ADMIN_KEY, ...(init.headers as Record<string, string>) } }),
    async stop() {
      await app.stop(true);
      await knowledge.indexer.stop();
      if (!options.knowledgeStore) await knowledgeStore.close();
      if (!options.store) await store.close();
      if (ownsLlm) await fakeLlm.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
