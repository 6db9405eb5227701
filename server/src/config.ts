/**
 * Environment → typed configuration, parsed once. Every problem is collected and reported as one clear line each,
 * so a misconfigured deployment tells the owner everything that is wrong in one boot, not one thing per boot.
 */
import { randomBytes } from 'node:crypto';
import { KNOWLEDGE_MODES, type KnowledgeMode } from './knowledge/values.ts';
import { DEFAULT_CONVEX_TIMEOUT_MS } from './shared/conversation.ts';
import { parseOriginList, type OriginRule } from './security/origins.ts';
import { parseTrustProxy, type TrustProxy } from './security/client-ip.ts';
import { secretWeakness } from './security/secret-strength.ts';

export type Env = Record<string, string | undefined>;

export const DEFAULT_SYSTEM_PROMPT =
  'You are a friendly, concise assistant embedded on a website. Answer in the language the visitor writes in. ' +
  'Use short paragraphs and Markdown (lists, bold, code) when it helps. If you do not know something, say so.';

export const MIN_SECRET_LENGTH = 24;

export interface LlmConfig {
  apiKey: string | null;
  baseUrl: string | null;
  model: string;
  temperature: number;
  maxOutputTokens: number;
  /** Whole-request limit, and the longest silence allowed between two streamed tokens. */
  requestTimeoutMs: number;
  idleTimeoutMs: number;
}

export interface AppConfig {
  mode: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** The public base URL of the API, for the embed snippet; null → derived from the request. */
  publicUrl: string | null;
  widgetApiKey: string;
  /** True when no WIDGET_API_KEY was set and a random one was made for this run (development only). */
  widgetApiKeyGenerated: boolean;
  adminApiKey: string | null;
  /** 'any' only in development when CORS_ORIGIN is unset or `*`. */
  corsOrigins: OriginRule[] | 'any';
  trustProxy: TrustProxy;
  databasePath: string;
  convex: { url: string; secret: string; timeoutMs: number; leaseMs: number } | null;
  /** null when neither OPENAI_API_KEY nor OPENAI_BASE_URL is set: chat then answers 503 llm_not_configured. */
  llm: LlmConfig | null;
  llmModel: string;
  chat: {
    systemPrompt: string;
    maxHistoryMessages: number;
    maxHistoryChars: number;
    maxMessageChars: number;
  };
  maxBodyBytes: number;
  connections: {
    /** Longest a request body may take to arrive once its headers are in; then 408 and the connection is closed. */
    bodyTimeoutMs: number;
    /** Requests one client (IPv4 address or IPv6 /64) may have open at once; 0 turns the cap off. */
    maxPerIp: number;
    /**
     * Bun closes a connection silent for this long (headers trickling in, a kept-alive connection left open). A
     * non-streamed /v1/chat reply keeps its connection silent while the model answers, so: the model's limit + 10 s.
     */
    idleTimeoutSeconds: number;
    /** On SIGTERM, how long running replies may go on before they are cut and stored as interrupted. */
    shutdownGraceMs: number;
  };
  rateLimits: {
    /** Requests per minute (token bucket: this many at once, refilled evenly over a minute); 0 turns one off. */
    chatPerIpPerMinute: number;
    chatPerSessionPerMinute: number;
    adminPerIpPerMinute: number;
    /** Most distinct clients remembered per limiter; the least recently seen are dropped first. */
    maxTrackedClients: number;
  };
  budgets: {
    /** Model tokens per UTC day; 0 means unlimited. */
    tokensPerSessionPerDay: number;
    tokensPerIpPerDay: number;
    tokensPerDay: number;
  };
  widget: {
    bundlePath: string;
    demoPage: boolean;
    demoTemplatePath: string;
  };
  logRequests: boolean;
  knowledge: KnowledgeConfig;
}

export interface KnowledgeConfig {
  /** off: no retrieval; auto: passages when sources are ready; strict: answer only from sources. */
  mode: KnowledgeMode;
  /** null when no embeddings server is reachable by configuration: full-text retrieval only. */
  embedding: { baseUrl: string | null; apiKey: string | null; model: string; dimensions: number | null; batchSize: number; timeoutMs: number } | null;
  maxFileBytes: number;
  fetch: { timeoutMs: number; maxBytes: number; maxPages: number; maxRedirects: number; allowLoopback: boolean };
  topK: number;
  maxContextTokens: number;
}

export interface LoadedConfig {
  config: AppConfig;
  /** Fatal: the server must not start. One sentence each. */
  problems: string[];
  /** Worth telling the owner at boot, not fatal. */
  warnings: string[];
}

const repoRoot = new URL('../../', import.meta.url).pathname;

class EnvReader {
  problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string): string | null {
    const value = this.env[name]?.trim();
    return value ? value : null;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}").`);
      return fallback;
    }
    return value;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      this.problems.push(`${name} must be a number from ${min} to ${max} (got "${raw}").`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined || raw === null) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false (got "${raw}").`);
    return fallback;
  }

  url(name: string): string | null {
    const raw = this.string(name);
    if (raw === null) return null;
    try {
      const url = new URL(raw);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
      return raw.replace(/\/+$/, '');
    } catch {
      this.problems.push(`${name} must be an http(s) URL (got "${raw}").`);
      return null;
    }
  }
}

/**
 * The original API's fixed-window limit (RATE_LIMIT_MAX_REQUESTS per RATE_LIMIT_WINDOW_MS), as a per-minute rate
 * for the per-IP bucket, so an existing .env keeps its limit; RATE_LIMIT_CHAT_PER_IP wins when both are set.
 */
function legacyChatPerMinute(read: EnvReader): number {
  const max = read.int('RATE_LIMIT_MAX_REQUESTS', 30, 0, 1_000_000);
  const windowMs = read.int('RATE_LIMIT_WINDOW_MS', 60_000, 1000, 86_400_000);
  return Math.max(max === 0 ? 0 : 1, Math.round((max * 60_000) / windowMs));
}

const MODES = ['development', 'production', 'test'] as const;

/**
 * NODE_ENV, exactly. An unknown value (`Production`, `prod`, `staging`) is refused rather than run as development,
 * which would turn off every production check; it is checked as production meanwhile, so the one boot reports all.
 */
function modeOf(read: EnvReader): AppConfig['mode'] {
  const value = read.string('NODE_ENV');
  if (value === null) return 'development';
  if ((MODES as readonly string[]).includes(value)) return value as AppConfig['mode'];
  read.problems.push(`NODE_ENV must be one of ${MODES.join(', ')} (got "${value}"; the value is case-sensitive).`);
  return 'production';
}

/** In production, a secret that is present must be long and not guessable: one line naming the variable and why. */
function checkSecret(read: EnvReader, name: string, value: string | null, hint: string): void {
  if (!value) return;
  if (value.length < MIN_SECRET_LENGTH) {
    read.problems.push(`${name} is too short for production: use at least ${MIN_SECRET_LENGTH} characters (${hint}).`);
    return;
  }
  const weakness = secretWeakness(value);
  if (weakness) read.problems.push(`${name} is too weak for production: it ${weakness}; use a random one (${hint}).`);
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Plain-http origins other than this machine: the page, and so the visitors' messages, travel unencrypted. */
function plainHttpOrigins(rules: OriginRule[]): string[] {
  return rules.flatMap((rule) => {
    if (rule.kind === 'wildcard') return rule.scheme === 'http' ? [`http://*${rule.suffix}`] : [];
    const url = new URL(rule.origin);
    return url.protocol === 'http:' && !LOCAL_HOSTS.has(url.hostname) ? [rule.origin] : [];
  });
}

export function loadConfig(env: Env): LoadedConfig {
  const read = new EnvReader(env);
  const warnings: string[] = [];
  const mode = modeOf(read);
  const production = mode === 'production';

  let widgetApiKey = read.string('WIDGET_API_KEY');
  let widgetApiKeyGenerated = false;
  if (!widgetApiKey) {
    if (production) read.problems.push('WIDGET_API_KEY is required in production: set it to a random string of at least 24 characters (openssl rand -hex 24).');
    widgetApiKey = `dev-${randomBytes(18).toString('hex')}`;
    widgetApiKeyGenerated = true;
  } else if (production) {
    checkSecret(read, 'WIDGET_API_KEY', widgetApiKey, 'openssl rand -hex 24');
  }

  const adminApiKey = read.string('ADMIN_API_KEY');
  if (production) checkSecret(read, 'ADMIN_API_KEY', adminApiKey, 'openssl rand -hex 32');
  if (!adminApiKey) warnings.push('ADMIN_API_KEY is not set: the admin API (and so the dashboard) answers 503 until it is.');
  if (adminApiKey && adminApiKey === widgetApiKey) {
    const sameKeys = 'ADMIN_API_KEY must differ from WIDGET_API_KEY: the widget key is public (it is in every embed snippet), so the same admin key would open the admin API to every visitor.';
    if (production) read.problems.push(sameKeys);
    else warnings.push(sameKeys);
  }

  let corsOrigins: AppConfig['corsOrigins'] = 'any';
  const corsRaw = read.string('CORS_ORIGIN');
  if (corsRaw === null || corsRaw === '*') {
    if (production) {
      read.problems.push(
        corsRaw === '*'
          ? 'CORS_ORIGIN="*" is refused in production: list the sites that embed the widget, e.g. CORS_ORIGIN=https://example.com,https://*.example.com.'
          : 'CORS_ORIGIN is required in production: list the sites that embed the widget, e.g. CORS_ORIGIN=https://example.com.',
      );
    }
  } else {
    const parsed = parseOriginList(corsRaw);
    for (const problem of parsed.problems) read.problems.push(`CORS_ORIGIN: ${problem}`);
    if (production) {
      for (const origin of plainHttpOrigins(parsed.rules)) {
        read.problems.push(`CORS_ORIGIN: "${origin}" is plain http, refused in production: pages served over http hand the visitors' messages to anyone on the network; use https (only localhost may be http).`);
      }
    }
    corsOrigins = parsed.rules;
  }

  const trust = parseTrustProxy(read.string('TRUST_PROXY'));
  if (trust.problem) read.problems.push(`TRUST_PROXY: ${trust.problem}`);

  const convexUrl = read.url('CONVEX_URL');
  const convexSecret = read.string('CONVEX_SERVER_SECRET');
  let convex: AppConfig['convex'] = null;
  if (convexUrl) {
    if (!convexSecret) read.problems.push('CONVEX_SERVER_SECRET is required with CONVEX_URL: set the same value in the Convex deployment (npx convex env set CONVEX_SERVER_SECRET …).');
    else if (production) checkSecret(read, 'CONVEX_SERVER_SECRET', convexSecret, 'openssl rand -hex 32');
    convex = {
      url: convexUrl,
      secret: convexSecret ?? '',
      timeoutMs: read.int('CONVEX_TIMEOUT_MS', DEFAULT_CONVEX_TIMEOUT_MS, 100, 600_000),
      // How soon a dead replica's replies are interrupted (plus the cron's 30 s), and how long a live one may go
      // without reaching Convex before its own replies are (its finishTurn still stores them afterwards).
      leaseMs: read.int('CONVEX_REPLICA_LEASE_MS', 30_000, 1_000, 600_000),
    };
  }

  const llmModel = read.string('OPENAI_MODEL') ?? 'gpt-4.1-mini';
  const llmApiKey = read.string('OPENAI_API_KEY');
  const llmBaseUrl = read.url('OPENAI_BASE_URL');
  const llmSettings = {
    temperature: read.number('OPENAI_TEMPERATURE', 0.7, 0, 2),
    maxOutputTokens: read.int('OPENAI_MAX_OUTPUT_TOKENS', 1024, 1, 1_000_000),
    requestTimeoutMs: read.int('OPENAI_TIMEOUT_MS', 60_000, 100, 3_600_000),
    idleTimeoutMs: read.int('OPENAI_IDLE_TIMEOUT_MS', 20_000, 50, 3_600_000),
  };
  const llm: AppConfig['llm'] =
    llmApiKey || llmBaseUrl ? { apiKey: llmApiKey, baseUrl: llmBaseUrl, model: llmModel, ...llmSettings } : null;
  if (!llm) warnings.push('No LLM configured: chat answers 503 llm_not_configured until OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server) is set.');

  const knowledgeModeRaw = read.string('KNOWLEDGE_MODE')?.toLowerCase() ?? 'auto';
  const knowledgeMode = (KNOWLEDGE_MODES as readonly string[]).includes(knowledgeModeRaw) ? (knowledgeModeRaw as KnowledgeMode) : 'auto';
  if (knowledgeMode !== knowledgeModeRaw) read.problems.push(`KNOWLEDGE_MODE must be off, auto or strict (got "${knowledgeModeRaw}").`);
  // Embeddings come from the chat model's server unless a separate one is named.
  const embeddingBaseUrl = read.url('OPENAI_EMBEDDING_BASE_URL') ?? llmBaseUrl;
  const embeddingApiKey = read.string('OPENAI_EMBEDDING_API_KEY') ?? llmApiKey;
  const embeddingSettings = {
    model: read.string('OPENAI_EMBEDDING_MODEL') ?? 'text-embedding-3-small',
    dimensions: read.int('OPENAI_EMBEDDING_DIMENSIONS', 0, 0, 8192) || null,
    batchSize: read.int('KNOWLEDGE_EMBEDDING_BATCH', 64, 1, 2048),
    timeoutMs: read.int('KNOWLEDGE_EMBEDDING_TIMEOUT_MS', 10_000, 100, 600_000),
  };
  const knowledge: KnowledgeConfig = {
    mode: knowledgeMode,
    embedding: embeddingBaseUrl || embeddingApiKey ? { baseUrl: embeddingBaseUrl, apiKey: embeddingApiKey, ...embeddingSettings } : null,
    maxFileBytes: read.int('KNOWLEDGE_MAX_FILE_BYTES', 10 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    fetch: {
      timeoutMs: read.int('KNOWLEDGE_FETCH_TIMEOUT_MS', 15_000, 100, 600_000),
      maxBytes: read.int('KNOWLEDGE_FETCH_MAX_BYTES', 5 * 1024 * 1024, 1024, 512 * 1024 * 1024),
      maxPages: read.int('KNOWLEDGE_MAX_PAGES', 200, 1, 100_000),
      maxRedirects: 5,
      allowLoopback: read.bool('KNOWLEDGE_FETCH_ALLOW_LOOPBACK', false),
    },
    topK: read.int('KNOWLEDGE_TOP_K', 5, 1, 50),
    maxContextTokens: read.int('KNOWLEDGE_MAX_CONTEXT_TOKENS', 2000, 100, 200_000),
  };

  const config: AppConfig = {
    mode,
    port: read.int('PORT', 4000, 0, 65535),
    host: read.string('HOST') ?? '0.0.0.0',
    publicUrl: read.url('PUBLIC_URL'),
    widgetApiKey,
    widgetApiKeyGenerated,
    adminApiKey,
    corsOrigins,
    trustProxy: trust.value,
    databasePath: read.string('DATABASE_PATH') ?? './data/chat.db',
    convex,
    llm,
    llmModel,
    chat: {
      systemPrompt: read.string('SYSTEM_PROMPT') ?? DEFAULT_SYSTEM_PROMPT,
      maxHistoryMessages: read.int('MAX_HISTORY_MESSAGES', 30, 1, 500),
      maxHistoryChars: read.int('MAX_HISTORY_CHARS', 24_000, 100, 2_000_000),
      maxMessageChars: read.int('MAX_MESSAGE_CHARS', 4000, 1, 100_000),
    },
    maxBodyBytes: read.int('MAX_BODY_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
    connections: {
      bodyTimeoutMs: read.int('REQUEST_BODY_TIMEOUT_MS', 10_000, 100, 600_000),
      maxPerIp: read.int('MAX_CONNECTIONS_PER_IP', 20, 0, 1_000_000),
      // Bun's idle timeout is whole seconds, at most 255.
      idleTimeoutSeconds: Math.min(255, Math.ceil((llm?.requestTimeoutMs ?? 60_000) / 1000) + 10),
      shutdownGraceMs: read.int('SHUTDOWN_GRACE_MS', 8_000, 0, 600_000),
    },
    rateLimits: {
      chatPerIpPerMinute: read.int('RATE_LIMIT_CHAT_PER_IP', legacyChatPerMinute(read), 0, 1_000_000),
      chatPerSessionPerMinute: read.int('RATE_LIMIT_CHAT_PER_SESSION', 12, 0, 1_000_000),
      adminPerIpPerMinute: read.int('RATE_LIMIT_ADMIN_PER_IP', 300, 0, 1_000_000),
      maxTrackedClients: read.int('RATE_LIMIT_MAX_CLIENTS', 50_000, 100, 10_000_000),
    },
    budgets: {
      tokensPerSessionPerDay: read.int('BUDGET_TOKENS_PER_SESSION', 50_000, 0, Number.MAX_SAFE_INTEGER),
      tokensPerIpPerDay: read.int('BUDGET_TOKENS_PER_IP', 200_000, 0, Number.MAX_SAFE_INTEGER),
      tokensPerDay: read.int('BUDGET_TOKENS_PER_DAY', 5_000_000, 0, Number.MAX_SAFE_INTEGER),
    },
    widget: {
      bundlePath: read.string('WIDGET_BUNDLE_PATH') ?? `${repoRoot}widget/dist/chat-widget.js`,
      demoPage: read.bool('DEMO_PAGE', !production),
      demoTemplatePath: `${repoRoot}widget/demo/index.html`,
    },
    logRequests: read.bool('LOG_REQUESTS', mode !== 'test'),
    knowledge,
  };

  return { config, problems: read.problems, warnings };
}
