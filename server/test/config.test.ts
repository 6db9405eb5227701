import { describe, expect, it } from 'bun:test';
import { DEFAULT_SYSTEM_PROMPT, loadConfig } from '../src/config.ts';

const strong = 'k'.repeat(32);
const productionEnv = { NODE_ENV: 'production', WIDGET_API_KEY: strong, ADMIN_API_KEY: strong, CORS_ORIGIN: 'https://shop.example', OPENAI_API_KEY: 'sk-x' };

describe('loadConfig', () => {
  it('boots with nothing set: SQLite at ./data/chat.db, port 4000, a generated widget key, no LLM', () => {
    const { config, problems, warnings } = loadConfig({});
    expect(problems).toEqual([]);
    expect(config.mode).toBe('development');
    expect(config.port).toBe(4000);
    expect(config.databasePath).toBe('./data/chat.db');
    expect(config.convex).toBeNull();
    expect(config.widgetApiKeyGenerated).toBe(true);
    expect(config.widgetApiKey.length).toBeGreaterThanOrEqual(24);
    expect(config.llm).toBeNull();
    expect(config.llmModel).toBe('gpt-4.1-mini');
    expect(config.chat.maxHistoryMessages).toBe(30);
    expect(config.chat.maxMessageChars).toBe(4000);
    expect(config.chat.systemPrompt).toBe(DEFAULT_SYSTEM_PROMPT);
    expect(config.widget.demoPage).toBe(true);
    expect(warnings.join(' ')).toContain('OPENAI_API_KEY');
  });

  it('generates a different widget key each run', () => {
    expect(loadConfig({}).config.widgetApiKey).not.toBe(loadConfig({}).config.widgetApiKey);
  });

  it('turns the LLM on with OPENAI_BASE_URL alone (local OpenAI-compatible servers need no key)', () => {
    const { config } = loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1/', OPENAI_MODEL: 'llama3.2' });
    expect(config.llm).toMatchObject({ apiKey: null, baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2' });
  });

  it('reads every LLM setting', () => {
    const { config, problems } = loadConfig({
      OPENAI_API_KEY: 'sk-1', OPENAI_TEMPERATURE: '0.2', OPENAI_MAX_OUTPUT_TOKENS: '300', OPENAI_TIMEOUT_MS: '5000', OPENAI_IDLE_TIMEOUT_MS: '700',
    });
    expect(problems).toEqual([]);
    expect(config.llm).toMatchObject({ apiKey: 'sk-1', temperature: 0.2, maxOutputTokens: 300, requestTimeoutMs: 5000, idleTimeoutMs: 700 });
  });

  it('uses Convex when CONVEX_URL is set, and then needs CONVEX_SERVER_SECRET', () => {
    expect(loadConfig({ CONVEX_URL: 'https://happy-otter-123.convex.cloud', CONVEX_SERVER_SECRET: 's3cret' }).config.convex).toMatchObject({
      url: 'https://happy-otter-123.convex.cloud',
      secret: 's3cret',
    });
    expect(loadConfig({ CONVEX_URL: 'https://happy-otter-123.convex.cloud' }).problems.join(' ')).toContain('CONVEX_SERVER_SECRET');
  });

  it('boots in production when every secret is strong', () => {
    const { problems, config } = loadConfig(productionEnv);
    expect(problems).toEqual([]);
    expect(config.widget.demoPage).toBe(false);
    expect(config.widgetApiKeyGenerated).toBe(false);
  });

  it('refuses production with missing or weak secrets, one line per problem', () => {
    const { problems } = loadConfig({ NODE_ENV: 'production', ADMIN_API_KEY: 'short', CORS_ORIGIN: '*' });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('WIDGET_API_KEY is required');
    expect(problems[1]).toContain('ADMIN_API_KEY is too short');
    expect(problems[2]).toContain('CORS_ORIGIN="*" is refused');
    expect(loadConfig({ ...productionEnv, WIDGET_API_KEY: 'k'.repeat(23) }).problems.join(' ')).toContain('WIDGET_API_KEY is too short');
    expect(loadConfig({ ...productionEnv, CORS_ORIGIN: '' }).problems.join(' ')).toContain('CORS_ORIGIN is required');
  });

  it('names the variable and the value for every malformed setting', () => {
    const { problems } = loadConfig({ PORT: 'eighty', MAX_HISTORY_MESSAGES: '0', OPENAI_TEMPERATURE: '9', OPENAI_BASE_URL: 'ftp://x', DEMO_PAGE: 'maybe', CORS_ORIGIN: 'example.com', TRUST_PROXY: 'somewhere' });
    expect(problems).toHaveLength(7);
    expect(problems.find((p) => p.startsWith('PORT'))).toContain('"eighty"');
    expect(problems.find((p) => p.startsWith('MAX_HISTORY_MESSAGES'))).toContain('1 to 500');
    expect(problems.find((p) => p.startsWith('OPENAI_TEMPERATURE'))).toContain('"9"');
    expect(problems.find((p) => p.startsWith('OPENAI_BASE_URL'))).toContain('http(s) URL');
    expect(problems.find((p) => p.startsWith('DEMO_PAGE'))).toContain('true or false');
    expect(problems.find((p) => p.startsWith('CORS_ORIGIN'))).toContain('"example.com"');
    expect(problems.find((p) => p.startsWith('TRUST_PROXY'))).toContain('"somewhere"');
  });

  it('parses the origin list and trusted proxies', () => {
    const { config } = loadConfig({ CORS_ORIGIN: 'https://a.example, https://*.b.example', TRUST_PROXY: '1' });
    expect(config.corsOrigins).toHaveLength(2);
    expect(config.trustProxy).toEqual({ kind: 'hops', hops: 1 });
  });
});

describe('.env.example and the README', () => {
  const root = new URL('../../', import.meta.url).pathname;
  const parseEnvFile = (text: string) =>
    Object.fromEntries(
      text
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  const variablesReadByConfig = async () => {
    const source = await Bun.file(`${root}server/src/config.ts`).text();
    return [...new Set([...source.matchAll(/read\.\w+\('([A-Z_]+)'/g)].map((m) => m[1]!))];
  };

  it('.env.example boots as shipped', async () => {
    const env = parseEnvFile(await Bun.file(`${root}.env.example`).text());
    expect(loadConfig(env).problems).toEqual([]);
  });

  it('lists every variable the server reads, in .env.example and in the README configuration table', async () => {
    const example = parseEnvFile(await Bun.file(`${root}.env.example`).text());
    const readme = await Bun.file(`${root}README.md`).text();
    const names = await variablesReadByConfig();
    expect(names.length).toBeGreaterThan(30);
    for (const name of names) {
      expect(Object.keys(example)).toContain(name);
      expect(readme).toContain(`\`${name}\``);
    }
  });
});

describe('settings of the original API', () => {
  it('turns RATE_LIMIT_MAX_REQUESTS per RATE_LIMIT_WINDOW_MS into the per-IP rate, unless RATE_LIMIT_CHAT_PER_IP is set', () => {
    expect(loadConfig({ RATE_LIMIT_MAX_REQUESTS: '10', RATE_LIMIT_WINDOW_MS: '30000' }).config.rateLimits.chatPerIpPerMinute).toBe(20);
    expect(loadConfig({ RATE_LIMIT_MAX_REQUESTS: '0' }).config.rateLimits.chatPerIpPerMinute).toBe(0);
    expect(loadConfig({ RATE_LIMIT_MAX_REQUESTS: '10', RATE_LIMIT_CHAT_PER_IP: '5' }).config.rateLimits.chatPerIpPerMinute).toBe(5);
    expect(loadConfig({}).config.rateLimits.chatPerIpPerMinute).toBe(30);
  });
});
