import { describe, expect, it } from 'bun:test';
import { DEFAULT_SYSTEM_PROMPT, loadConfig } from '../src/config.ts';

// What `openssl rand -hex 24` and `-hex 32` print: strong, and different from each other.
const WIDGET_KEY = '9f3c1a7e5b2d48c6a0e1f7b3d5c9e2a4b6d8f0a1c3e5b7d9';
const ADMIN_KEY = 'c41e9a2f7d3b6e0a8c5f1d9b3e7a2c6f0d4b8e1a5c9f3d7b2e6a0c4f8d1b5e9a';
const productionEnv = { NODE_ENV: 'production', WIDGET_API_KEY: WIDGET_KEY, ADMIN_API_KEY: ADMIN_KEY, CORS_ORIGIN: 'https://shop.example', OPENAI_API_KEY: 'sk-x' };

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
    expect(loadConfig({ ...productionEnv, WIDGET_API_KEY: WIDGET_KEY.slice(0, 23) }).problems.join(' ')).toContain('WIDGET_API_KEY is too short');
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

describe('production refuses weak settings (issue 11, finding 5)', () => {
  const problemsWith = (env: Record<string, string>) => loadConfig({ ...productionEnv, ...env }).problems;

  it('refuses an admin key equal to the widget key, which is public, in one line', () => {
    const problems = problemsWith({ ADMIN_API_KEY: WIDGET_KEY });
    expect(problems).toEqual([expect.stringContaining('ADMIN_API_KEY must differ from WIDGET_API_KEY')]);
    // Development says so too, as a warning: nothing is public there yet.
    expect(loadConfig({ WIDGET_API_KEY: WIDGET_KEY, ADMIN_API_KEY: WIDGET_KEY }).warnings.join(' ')).toContain('ADMIN_API_KEY must differ');
  });

  it('refuses secrets that are long enough but guessable, naming the variable and why', () => {
    const cases: Array<[string, string, string]> = [
      ['WIDGET_API_KEY', 'aaaaaaaaaaaaaaaaaaaaaaaa', 'different characters'],
      ['ADMIN_API_KEY', 'password1234password1234', 'repeats a shorter pattern'],
      ['ADMIN_API_KEY', 'MyCompanySecretPassword1234', 'common words'],
      ['WIDGET_API_KEY', 'abcdefghijklmnopqrstuvwxyz', 'run of neighbouring characters'],
      ['ADMIN_API_KEY', 'xzxzzxzxxzqxwzrxtzxyzxxz', 'too little randomness'],
    ];
    for (const [name, value, why] of cases) {
      const problems = problemsWith({ [name]: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toStartWith(`${name} is too weak for production: it `);
      expect(problems[0]).toContain(why);
    }
    const convex = problemsWith({ CONVEX_URL: 'https://happy-otter-123.convex.cloud', CONVEX_SERVER_SECRET: 'secretsecretsecretsecret' });
    expect(convex).toEqual([expect.stringContaining('CONVEX_SERVER_SECRET is too weak for production')]);
  });

  it('accepts what the documented generators print', () => {
    const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
    for (let i = 0; i < 200; i++) {
      expect(problemsWith({ WIDGET_API_KEY: hex(24), ADMIN_API_KEY: hex(32), CONVEX_URL: 'https://a-b-1.convex.cloud', CONVEX_SERVER_SECRET: crypto.randomUUID() })).toEqual([]);
    }
  });

  it('refuses a plain-http CORS origin other than localhost', () => {
    for (const origin of ['http://shop.example', 'http://*.shop.example', 'https://ok.example,http://10.0.0.5:8080']) {
      const problems = problemsWith({ CORS_ORIGIN: origin });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('is plain http, refused in production');
    }
    expect(problemsWith({ CORS_ORIGIN: 'https://shop.example,http://localhost:5173,http://127.0.0.1:8080' })).toEqual([]);
    // Development is for trying things: plain http is fine there.
    expect(loadConfig({ CORS_ORIGIN: 'http://shop.example' }).problems).toEqual([]);
  });

  it('bounds slow clients by default: 10 s for a body, 20 open requests per client, idle connections closed after the model\'s limit', () => {
    expect(loadConfig({}).config.connections).toEqual({ bodyTimeoutMs: 10_000, maxPerIp: 20, idleTimeoutSeconds: 70, shutdownGraceMs: 8_000 });
    expect(loadConfig({ OPENAI_API_KEY: 'sk-1', OPENAI_TIMEOUT_MS: '3600000' }).config.connections.idleTimeoutSeconds).toBe(255);
    expect(loadConfig({ REQUEST_BODY_TIMEOUT_MS: '2500', MAX_CONNECTIONS_PER_IP: '0' }).config.connections).toMatchObject({ bodyTimeoutMs: 2500, maxPerIp: 0 });
  });

  it('refuses an unknown NODE_ENV instead of silently running in development mode', () => {
    for (const value of ['Production', 'PRODUCTION', 'prod', 'staging']) {
      const { problems } = loadConfig({ ...productionEnv, NODE_ENV: value });
      expect(problems).toEqual([`NODE_ENV must be one of development, production, test (got "${value}"; the value is case-sensitive).`]);
    }
    // Checked as production meanwhile, so the same boot reports the weak secrets as well.
    expect(loadConfig({ NODE_ENV: 'Production' }).problems.join('\n')).toContain('WIDGET_API_KEY is required in production');
    expect(loadConfig({ NODE_ENV: 'development' }).config.mode).toBe('development');
    expect(loadConfig({ NODE_ENV: '' }).config.mode).toBe('development');
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
