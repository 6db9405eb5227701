/**
 * Smoke test of a running deployment:
 * `bun run smoke <base-url> [--api-key KEY] [--dashboard-url URL] [--insecure] [--timeout MS]`.
 * The dashboard is looked for at the base URL (one domain behind Caddy) unless --dashboard-url names another
 * (a local `bun run start` serves it on :3000).
 * One PASS/FAIL line per check, a summary line, exit 1 when any check fails (2 on bad usage).
 * It talks to the real model: a deployment whose LLM is not configured fails the chat checks, on purpose.
 */

export interface SmokeOptions {
  baseUrl: string;
  /** Where the dashboard answers; the base URL when not given. */
  dashboardUrl?: string;
  apiKey: string;
  /** Accept any certificate (Caddy's internal CA on localhost or a private network). */
  insecure: boolean;
  timeoutMs: number;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

type Fetch = (url: string, init?: RequestInit & { tls?: { rejectUnauthorized?: boolean } }) => Promise<Response>;

const USAGE =
  'usage: bun run smoke <base-url> [--api-key KEY] [--dashboard-url URL] [--insecure] [--timeout MS]  (the key may come from WIDGET_API_KEY)';

export function parseSmokeArgs(argv: string[], env: Record<string, string | undefined>): SmokeOptions | { error: string } {
  let baseUrl: string | undefined;
  let apiKey = env.WIDGET_API_KEY ?? '';
  let insecure = false;
  let timeoutMs = 30_000;
  let dashboardUrl: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--insecure') insecure = true;
    else if (arg === '--api-key') apiKey = argv[++i] ?? '';
    else if (arg.startsWith('--api-key=')) apiKey = arg.slice('--api-key='.length);
    else if (arg === '--timeout') timeoutMs = Number(argv[++i]);
    else if (arg === '--dashboard-url') dashboardUrl = argv[++i] ?? '';
    else if (arg.startsWith('--dashboard-url=')) dashboardUrl = arg.slice('--dashboard-url='.length);
    else if (arg === '--help' || arg === '-h') return { error: USAGE };
    else if (arg.startsWith('-')) return { error: `unknown option ${arg}\n${USAGE}` };
    else if (baseUrl === undefined) baseUrl = arg;
    else return { error: `unexpected argument ${arg}\n${USAGE}` };
  }
  if (!baseUrl) return { error: USAGE };
  if (!/^https?:\/\/[^/]+/.test(baseUrl)) return { error: `the base URL must start with http:// or https://, got ${baseUrl}` };
  if (!apiKey) return { error: `no widget API key: set WIDGET_API_KEY or pass --api-key\n${USAGE}` };
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return { error: '--timeout must be a positive number of milliseconds' };
  if (dashboardUrl !== undefined && !/^https?:\/\/[^/]+/.test(dashboardUrl)) {
    return { error: `the dashboard URL must start with http:// or https://, got ${dashboardUrl}` };
  }
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    apiKey,
    insecure,
    timeoutMs,
    ...(dashboardUrl ? { dashboardUrl: dashboardUrl.replace(/\/+$/, '') } : {}),
  };
}

/** A failed expectation inside a check; its message is the FAIL line's detail. */
class CheckFailure extends Error {}

function expect(condition: unknown, detail: string): asserts condition {
  if (!condition) throw new CheckFailure(detail);
}

async function readJson(response: Response, what: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  try {
    const value: unknown = JSON.parse(text);
    expect(value && typeof value === 'object' && !Array.isArray(value), `${what} is not a JSON object`);
    return value as Record<string, unknown>;
  } catch (error) {
    if (error instanceof CheckFailure) throw error;
    throw new CheckFailure(`${what} is not JSON (${response.status}): ${text.slice(0, 120)}`);
  }
}

function expectStatus(response: Response, status: number, body: string): void {
  expect(response.status === status, `HTTP ${response.status}, expected ${status}: ${body.slice(0, 160)}`);
}

/** Reads an NDJSON body line by line as it arrives. */
async function readNdjson(response: Response): Promise<Array<Record<string, unknown>>> {
  expect(response.body, 'the stream has no body');
  const events: Array<Record<string, unknown>> = [];
  const decoder = new TextDecoder();
  let buffered = '';
  const take = (line: string) => {
    if (line.trim() === '') return;
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      throw new CheckFailure(`a stream line is not JSON: ${line.slice(0, 120)}`);
    }
  };
  for await (const chunk of response.body) {
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    lines.forEach(take);
  }
  take(buffered + decoder.decode());
  return events;
}

export function smokeChecks(options: SmokeOptions, fetchImpl: Fetch = fetch): Array<{ name: string; run: () => Promise<string> }> {
  const request = (path: string, init: RequestInit = {}, base = options.baseUrl) =>
    fetchImpl(`${base}${path}`, {
      ...init,
      signal: AbortSignal.timeout(options.timeoutMs),
      ...(options.insecure ? { tls: { rejectUnauthorized: false } } : {}),
    });
  const chatInit = (message: string): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
    body: JSON.stringify({ sessionId: `smoke-${crypto.randomUUID()}`, message }),
  });

  return [
    {
      name: 'health',
      async run() {
        const response = await request('/health');
        const body = await readJson(response, 'GET /health');
        expect(response.status === 200 && body.status === 'ok', `GET /health answered ${response.status} ${JSON.stringify(body)}`);
        return 'GET /health is {"status":"ok"}';
      },
    },
    {
      name: 'widget bundle',
      async run() {
        const response = await request('/widget/chat-widget.js');
        const text = await response.text();
        expectStatus(response, 200, text);
        const type = response.headers.get('content-type') ?? '';
        expect(/javascript/.test(type), `content-type is "${type}", not JavaScript`);
        expect(text.length > 0, 'the bundle is empty');
        try {
          // Compiles without running it: proves it is JavaScript, not an HTML error page.
          new Function(text);
        } catch (error) {
          throw new CheckFailure(`the bundle does not parse as JavaScript: ${(error as Error).message}`);
        }
        return `GET /widget/chat-widget.js is ${type} (${text.length} bytes)`;
      },
    },
    {
      name: 'chat',
      async run() {
        const response = await request('/v1/chat', chatInit('Smoke test: please answer with one short sentence.'));
        const body = await readJson(response, 'POST /v1/chat');
        expect(response.status === 200, `POST /v1/chat answered ${response.status} ${JSON.stringify(body).slice(0, 160)}`);
        expect(typeof body.message === 'string' && body.message.length > 0, `no "message" in ${JSON.stringify(body).slice(0, 160)}`);
        expect(typeof body.conversationId === 'string', 'no "conversationId" in the reply');
        return `POST /v1/chat replied ${JSON.stringify((body.message as string).slice(0, 60))}`;
      },
    },
    {
      name: 'chat stream',
      async run() {
        const response = await request('/v1/chat/stream', chatInit('Smoke test: please answer with one short sentence.'));
        if (response.status !== 200) expectStatus(response, 200, await response.text());
        const type = response.headers.get('content-type') ?? '';
        expect(type.includes('application/x-ndjson'), `content-type is "${type}", not application/x-ndjson`);
        const events = await readNdjson(response);
        const kinds = events.map((e) => e.type);
        expect(kinds[0] === 'start' && typeof events[0]!.conversationId === 'string', `the first line is not a start event: ${kinds.join(',')}`);
        const last = events.at(-1)!;
        expect(last.type !== 'error', `the stream ended with an error: ${JSON.stringify(last).slice(0, 160)}`);
        expect(last.type === 'done', `the last line is not a done event: ${kinds.join(',')}`);
        const tokens = events.filter((e) => e.type === 'token').map((e) => String(e.token));
        expect(tokens.length > 0, 'no token events');
        expect(kinds.slice(1, -1).every((k) => k === 'token'), `unexpected events between start and done: ${kinds.join(',')}`);
        expect(last.message === tokens.join(''), 'the done message is not the concatenation of the tokens');
        return `POST /v1/chat/stream sent start, ${tokens.length} tokens, done`;
      },
    },
    {
      name: 'openapi',
      async run() {
        const response = await request('/v1/openapi.json');
        const body = await readJson(response, 'GET /v1/openapi.json');
        expect(response.status === 200, `GET /v1/openapi.json answered ${response.status}`);
        expect(typeof body.openapi === 'string' && body.openapi.startsWith('3.'), `no OpenAPI 3 version field (openapi: ${String(body.openapi)})`);
        const paths = Object.keys((body.paths as object | undefined) ?? {});
        expect(paths.includes('/v1/chat'), `the document does not describe /v1/chat (paths: ${paths.slice(0, 8).join(', ')})`);
        return `OpenAPI ${body.openapi} with ${paths.length} paths`;
      },
    },
    {
      name: 'dashboard login',
      async run() {
        const response = await request('/login', {}, options.dashboardUrl ?? options.baseUrl);
        const text = await response.text();
        expectStatus(response, 200, text);
        const type = response.headers.get('content-type') ?? '';
        expect(type.includes('text/html'), `content-type is "${type}", not HTML`);
        expect(/<form[\s>]/i.test(text) && /type="password"/i.test(text), 'the page has no login form with a password field');
        return 'GET /login is the login form';
      },
    },
  ];
}

export async function runSmoke(options: SmokeOptions, fetchImpl: Fetch = fetch): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  // One after another: the output reads in order, and a deployment under smoke test is not under load test.
  for (const check of smokeChecks(options, fetchImpl)) {
    try {
      results.push({ name: check.name, ok: true, detail: await check.run() });
    } catch (error) {
      const detail = error instanceof CheckFailure ? error.message : `request failed: ${(error as Error).message}`;
      results.push({ name: check.name, ok: false, detail });
    }
  }
  return results;
}

export function formatReport(baseUrl: string, results: CheckResult[]): string {
  const lines = results.map((r) => `${r.ok ? 'PASS' : 'FAIL'} ${r.name}: ${r.detail}`);
  const failed = results.filter((r) => !r.ok).length;
  lines.push(`smoke ${failed === 0 ? 'PASSED' : 'FAILED'}: ${results.length - failed} passed, ${failed} failed (${baseUrl})`);
  return lines.join('\n');
}

if (import.meta.main) {
  const options = parseSmokeArgs(process.argv.slice(2), process.env);
  if ('error' in options) {
    console.error(options.error);
    process.exit(2);
  }
  const results = await runSmoke(options);
  console.log(formatReport(options.baseUrl, results));
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}
