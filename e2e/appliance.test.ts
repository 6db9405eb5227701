/**
 * The appliance end to end without Docker: the Dockerfile's stages are replayed into temp directories (its
 * COPY lines and `bun` RUN steps), the server and dashboard run from those directories with the image CMD and
 * the environment compose.yaml gives them, and a real Caddy on the real Caddyfile fronts them over HTTPS.
 */
import { afterAll, describe, expect, it, setDefaultTimeout } from 'bun:test';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { DEFAULT_REPLY, startFakeLlm, type FakeLlm } from '../server/test/support/fake-llm.ts';
import { launchBrowser } from './support/browser.ts';
import { holdRequest } from './support/raw-http.ts';
import {
  REPO_ROOT,
  composeEnvironment,
  envOf,
  execFormOf,
  freePort,
  parseCompose,
  parseDockerfile,
  parseEnvFile,
  replayDockerBuild,
  stageNamed,
  startCaddy,
  startProcess,
  waitHealthy,
  waitUntil,
  type ReplayedBuild,
  type RunningCaddy,
  type RunningProcess,
} from './support/processes.ts';

// bunfig's [test] timeout is not applied by bun 1.4.5; a timed-out test also gets its child processes killed.
setDefaultTimeout(30_000);

/** What the widget bundle exposes on the host page (the part this test drives). */
interface HostWindow {
  OpenChatWidget?: { send(text: string): void };
}

const secret = () => Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('hex');
// The .env a user makes (compose's env_file): the shipped example with the secrets filled in, as DEPLOY.md says.
const dotEnv = {
  ...parseEnvFile(await Bun.file(join(REPO_ROOT, '.env.example')).text()),
  WIDGET_API_KEY: secret(),
  ADMIN_API_KEY: secret(),
  DASHBOARD_PASSWORD: `pw-${secret()}`,
  SESSION_SECRET: secret(),
  OPENAI_API_KEY: 'sk-fake-key-for-the-fake-model',
};
// Low enough that the forged-X-Forwarded-For test reaches it after the other tests' few chats.
const CHAT_PER_IP = 8;
const REPLY = DEFAULT_REPLY.join('');

// The replayed images are ~40k files (three node_modules trees): on tmpfs, writing and deleting them takes
// seconds; on a busy disk here deleting alone took over a minute.
const scratchRoot = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const tempDir = await mkdtemp(join(scratchRoot, 'ocw-appliance-'));
const stages = parseDockerfile(await Bun.file(join(REPO_ROOT, 'Dockerfile')).text());
const compose = parseCompose(await Bun.file(join(REPO_ROOT, 'compose.yaml')).text());
const insecure = { tls: { rejectUnauthorized: false } };

let image: ReplayedBuild;
let fakeLlm: FakeLlm;
let server: RunningProcess;
let dashboard: RunningProcess;
let caddy: RunningCaddy;
let hostPage: ReturnType<typeof Bun.serve>;
let serverPort: number;
let browser: Browser | undefined;

/** The environment of a compose service: image ENV, then .env, then compose `environment`, then this host's ports. */
function serviceEnv(service: 'server' | 'dashboard', overrides: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: tempDir,
    ...envOf(stageNamed(stages, service)),
    ...dotEnv,
    ...composeEnvironment(compose, service),
    ...overrides,
  };
}

async function startService(service: 'server' | 'dashboard', env: Record<string, string>): Promise<RunningProcess> {
  const cwd = image.dirs[service]!;
  const running = startProcess(service, execFormOf(stageNamed(stages, service), 'CMD'), { cwd, env });
  await waitHealthy(running, execFormOf(stageNamed(stages, service), 'HEALTHCHECK'), { cwd, env });
  return running;
}

// Setup runs at module scope, not in beforeAll: bun test kills every process a hook or test spawned when any test
// times out, even a stale timer (oven-sh/bun#39657), and processes spawned at module scope are not tracked.
await (async () => {
  image = await replayDockerBuild({ contextDir: REPO_ROOT, dockerfile: await Bun.file(join(REPO_ROOT, 'Dockerfile')).text(), targets: ['server', 'dashboard'], outDir: join(tempDir, 'image') });
  fakeLlm = await startFakeLlm();

  // The page that embeds the widget, on another origin, as a customer's site would.
  hostPage = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: () =>
      new Response(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host site</title></head><body><h1>A host site</h1>
<script src="${caddy.baseUrl}/widget/chat-widget.js" data-api-url="${caddy.baseUrl}" data-api-key="${dotEnv.WIDGET_API_KEY}" data-open="true"></script></body></html>`,
        { headers: { 'content-type': 'text/html; charset=utf-8' } },
      ),
  });

  serverPort = await freePort();
  const dashboardPort = await freePort();
  server = await startService(
    'server',
    serviceEnv('server', {
      PORT: String(serverPort),
      HOST: '127.0.0.1',
      DATABASE_PATH: join(tempDir, 'data', 'chat.db'),
      OPENAI_BASE_URL: fakeLlm.url,
      CORS_ORIGIN: `http://127.0.0.1:${hostPage.port}`,
      RATE_LIMIT_CHAT_PER_IP: String(CHAT_PER_IP),
      RATE_LIMIT_CHAT_PER_SESSION: '100',
    }),
  );
  dashboard = await startService(
    'dashboard',
    serviceEnv('dashboard', { PORT: String(dashboardPort), HOST: '127.0.0.1', API_URL: `http://127.0.0.1:${serverPort}` }),
  );
  caddy = await startCaddy({
    caddyfile: join(REPO_ROOT, 'Caddyfile'),
    tempDir,
    env: {
      ...composeEnvironment(compose, 'caddy', dotEnv),
      // An IP address needs no DNS: `dynamic a` yields it as the one replica.
      SERVER_HOST: '127.0.0.1',
      SERVER_PORT: String(serverPort),
      DASHBOARD_UPSTREAM: `127.0.0.1:${dashboardPort}`,
    },
  });
})();

afterAll(async () => {
  await browser?.close();
  for (const running of [caddy, dashboard, server]) await running?.stop();
  hostPage?.stop(true);
  await fakeLlm?.stop();
  await rm(tempDir, { recursive: true, force: true });
}, 120_000);

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String);
}

describe('the images (Dockerfile replayed)', () => {
  it('ran the install and build steps and skipped only what acts outside /app', () => {
    expect([...image.ran].sort()).toEqual([
      'build: bun run --filter widget build && bun run --filter dashboard build',
      'deps: bun install --frozen-lockfile',
      'prod-deps: bun install --frozen-lockfile --production',
    ]);
    expect(image.skipped).toEqual(['server: mkdir -p /data && chown bun:bun /data']);
  });

  it('ships the server with production dependencies only and the dashboard as its build output alone', async () => {
    const packages = await readdir(join(image.dirs.server!, 'node_modules', '.bun'));
    expect(packages.some((p) => p.startsWith('elysia@'))).toBe(true);
    for (const dev of ['vite@', 'svelte@', '@sveltejs+kit@', 'playwright-core@', 'dockerfilelint@', 'convex-test@']) {
      expect(packages.filter((p) => p.startsWith(dev))).toEqual([]);
    }
    expect(existsSync(join(image.dirs.server!, 'widget', 'dist', 'chat-widget.js'))).toBe(true);
    expect(existsSync(join(image.dirs.server!, 'server', 'test'))).toBe(false);
    const dashboardFiles = await filesUnder(image.dirs.dashboard!);
    expect(dashboardFiles.filter((f) => !f.startsWith('dashboard/build')).sort()).toEqual(['dashboard', 'dashboard/package.json']);
  });

  it('carries no .env file and no database', async () => {
    for (const dir of [image.dirs.server!, image.dirs.dashboard!]) {
      const files = await filesUnder(dir);
      expect(files.filter((f) => /(^|\/)\.env(\.|$)/.test(f) || /\.db(-wal|-shm)?$/.test(f))).toEqual([]);
    }
  });
});

describe('Caddy in front of the server and the dashboard', () => {
  it('redirects plain HTTP to HTTPS', async () => {
    const response = await fetch(`http://localhost:${caddy.httpPort}/health`, { redirect: 'manual' });
    expect(response.status).toBe(308);
    // Caddy leaves out a non-default HTTPS port here; in production it is 443 anyway.
    expect(response.headers.get('location')).toMatch(/^https:\/\/localhost(:\d+)?\/health$/);
  });

  it('sends security headers, and forbids framing for the dashboard only', async () => {
    const [health, bundle, login] = await Promise.all(
      ['/health', '/widget/chat-widget.js', '/login'].map((path) => fetch(`${caddy.baseUrl}${path}`, insecure)),
    );
    for (const response of [health!, bundle!, login!]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('strict-transport-security')).toContain('max-age=');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    }
    // Caddy adds no framing policy to the server's paths: whatever the server itself says goes through as is.
    for (const [path, viaCaddy] of [['/health', health!], ['/widget/chat-widget.js', bundle!]] as const) {
      const direct = await fetch(`http://127.0.0.1:${serverPort}${path}`);
      await direct.arrayBuffer();
      expect(viaCaddy.headers.get('x-frame-options')).toBe(direct.headers.get('x-frame-options'));
      expect(viaCaddy.headers.get('content-security-policy')).toBe(direct.headers.get('content-security-policy'));
    }
    expect(bundle!.headers.get('x-frame-options')).toBeNull();
    expect(login!.headers.get('x-frame-options')).toBe('DENY');
    expect(login!.headers.get('content-security-policy')).toContain('frame-ancestors');
    expect(await login!.text()).toContain('type="password"');
  });

  it('compresses API responses but never the chat streams', async () => {
    const headers = { 'accept-encoding': 'gzip', 'content-type': 'application/json', 'x-api-key': dotEnv.WIDGET_API_KEY };
    const openapi = await fetch(`${caddy.baseUrl}/v1/openapi.json`, { ...insecure, headers, decompress: false });
    expect(openapi.headers.get('content-encoding')).toBe('gzip');
    await openapi.arrayBuffer();
    const stream = await fetch(`${caddy.baseUrl}/v1/chat/stream`, {
      ...insecure,
      method: 'POST',
      headers,
      decompress: false,
      body: JSON.stringify({ sessionId: 'appliance-encoding', message: 'Hello' }),
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-encoding')).toBeNull();
    expect(await stream.text()).toContain('"type":"done"');
  });

  it('passes the smoke command over HTTPS', async () => {
    const smoke = Bun.spawn(['bun', 'scripts/smoke.ts', caddy.baseUrl, '--insecure'], {
      cwd: REPO_ROOT,
      env: { ...process.env, WIDGET_API_KEY: dotEnv.WIDGET_API_KEY },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [stdout, stderr, code] = await Promise.all([new Response(smoke.stdout).text(), new Response(smoke.stderr).text(), smoke.exited]);
    expect(`${stdout}${stderr}`).not.toContain('FAIL');
    for (const check of ['health', 'widget bundle', 'chat', 'chat stream', 'openapi', 'dashboard login']) {
      expect(stdout).toContain(`PASS ${check}:`);
    }
    expect(stdout).toContain(`smoke PASSED: 6 passed, 0 failed (${caddy.baseUrl})`);
    expect(code).toBe(0);
  });

  it('delivers NDJSON lines while the model is still answering, and stops the model when the client leaves', async () => {
    // The model sends two tokens, then goes silent without ending: a buffering proxy would deliver nothing.
    fakeLlm.queue({ kind: 'stall', tokens: ['Still', ' thinking'] });
    const abort = new AbortController();
    const response = await fetch(`${caddy.baseUrl}/chat`, {
      ...insecure,
      method: 'POST',
      signal: abort.signal,
      headers: { 'content-type': 'application/json', 'x-api-key': dotEnv.WIDGET_API_KEY },
      body: JSON.stringify({ sessionId: 'appliance-incremental', message: 'Take your time' }),
    });
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    const events: Array<{ type: string; token?: string }> = [];
    const decoder = new TextDecoder();
    let buffered = '';
    const reader = response.body!.getReader();
    while (events.filter((e) => e.type === 'token').length < 2) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines.filter(Boolean)) events.push(JSON.parse(line));
    }
    expect(events.map((e) => e.type)).toEqual(['start', 'token', 'token']);
    expect(events.slice(1).map((e) => e.token).join('')).toBe('Still thinking');
    const upstream = fakeLlm.requests.at(-1)!;
    expect(upstream.aborted).toBe(false);
    abort.abort();
    await fakeLlm.waitForAbort(upstream, 10_000);
    expect(upstream.aborted).toBe(true);
  });

  it('serves the widget to a page on another site, and the reply comes back through Caddy', async () => {
    browser = await launchBrowser();
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
      await page.goto(`http://127.0.0.1:${hostPage.port}/`);
      await page.waitForFunction(() => typeof (window as HostWindow).OpenChatWidget?.send === 'function');
      await page.evaluate(() => (window as HostWindow).OpenChatWidget!.send('Hello from the host site'));
      await page
        .locator('open-chat-widget')
        .getByText(REPLY)
        .waitFor({ timeout: 15_000 })
        .catch((error: Error) => {
          throw new Error(`${error.message}\npage errors: ${errors.join('\n')}`);
        });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }

    const list = await fetch(`${caddy.baseUrl}/v1/admin/conversations?q=host`, { ...insecure, headers: { 'x-admin-api-key': dotEnv.ADMIN_API_KEY } });
    const body = (await list.json()) as { conversations: Array<{ origin: string | null }> };
    expect(list.status).toBe(200);
    expect(body.conversations.map((c) => c.origin)).toContain(`http://127.0.0.1:${hostPage.port}`);
    // The access log has that request (without its search terms: see the next test), and neither key.
    await waitUntil(caddy, 'it logged the admin request', async () => caddy.output().includes('"uri":"/v1/admin/conversations"'));
    expect(caddy.output()).not.toContain(dotEnv.ADMIN_API_KEY);
    expect(caddy.output()).not.toContain(dotEnv.WIDGET_API_KEY);
  });

  it('keeps what admins search for out of the access log: no query string, no Referer', async () => {
    // Log lines for a path, with or without a query string.
    const logged = (path: string) => caddy.output().split('\n').filter((line) => line.includes(`"uri":"${path}"`) || line.includes(`"uri":"${path}?`)).length;
    const [apiBefore, exportBefore, pageBefore] = [logged('/v1/admin/conversations'), logged('/v1/admin/export'), logged('/')];
    const admin = { ...insecure, headers: { 'x-admin-api-key': dotEnv.ADMIN_API_KEY, referer: `${caddy.baseUrl}/?q=referer-needle` } };
    const search = await fetch(`${caddy.baseUrl}/v1/admin/conversations?q=needle-in-the-log&limit=5`, admin);
    expect(search.status).toBe(200);
    await search.arrayBuffer();
    const exported = await fetch(`${caddy.baseUrl}/v1/admin/export?format=csv&q=export-needle`, admin);
    expect(exported.status).toBe(200);
    await exported.arrayBuffer();
    // The dashboard's own search page carries the terms in its query too, and in the sign-in redirect's Location.
    await (await fetch(`${caddy.baseUrl}/?q=dashboard-needle`, { ...insecure, redirect: 'manual' })).arrayBuffer();
    await waitUntil(caddy, 'it logged the three requests', async () =>
      logged('/v1/admin/conversations') > apiBefore && logged('/v1/admin/export') > exportBefore && logged('/') > pageBefore,
    );
    for (const needle of ['needle-in-the-log', 'export-needle', 'dashboard-needle', 'referer-needle', 'limit=5', 'format=csv']) {
      expect(caddy.output()).not.toContain(needle);
    }
  });

  it('lets an admin sign in to the dashboard over HTTPS and see the conversations', async () => {
    // A conversation of its own, so this test does not depend on the widget test above.
    fakeLlm.queue({ kind: 'reply', tokens: ['Seen ', 'on the ', 'dashboard'] });
    const chat = await fetch(`${caddy.baseUrl}/v1/chat`, {
      ...insecure,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': dotEnv.WIDGET_API_KEY },
      body: JSON.stringify({ sessionId: 'appliance-dashboard', message: 'Is this on the dashboard?' }),
    });
    expect(chat.status).toBe(200);
    browser ??= await launchBrowser();
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await page.goto(`${caddy.baseUrl}/`);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.locator('input[type="password"]').fill(dotEnv.DASHBOARD_PASSWORD);
      await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.locator('button[type="submit"]').click()]);
      expect(new URL(page.url()).origin).toBe(caddy.baseUrl);
      await page.getByText('Seen on the dashboard').first().waitFor({ timeout: 15_000 });
    } finally {
      await context.close();
    }
  });

  it('rate-limits by the address Caddy saw, whatever X-Forwarded-For the client forges', async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    // More requests than the per-address budget, each claiming to come from a different address.
    for (let i = 0; i <= CHAT_PER_IP && !limited; i++) {
      const response = await fetch(`${caddy.baseUrl}/v1/chat`, {
        ...insecure,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': dotEnv.WIDGET_API_KEY, 'x-forwarded-for': `203.0.113.${i + 1}` },
        body: JSON.stringify({ sessionId: `appliance-forged-${i}`, message: 'Hi' }),
      });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
      else await response.arrayBuffer();
    }
    expect(limited).toBeDefined();
    expect(limited!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await limited!.json()).toMatchObject({ code: expect.any(String), error: expect.any(String) });
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
  });

  // Runs after the sign-in test: it leaves this machine's address locked out of the dashboard for a minute.
  it('checks at most 5 of 60 parallel wrong passwords sent through Caddy with late bodies, then refuses the right one', async () => {
    const form = (password: string) => new URLSearchParams({ password, next: '/' }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', origin: caddy.baseUrl, accept: 'text/html' };
    const held = await Promise.all(
      Array.from({ length: 60 }, (_, i) => holdRequest(caddy.baseUrl, { method: 'POST', path: '/login', headers, body: form(`wrong-${i}`) })),
    );
    // Time for Caddy to pass every request's headers on and the dashboard to reach its body; not an assertion.
    await Bun.sleep(1000);
    for (const request of held) request.sendBody();
    const statuses = await Promise.all(held.map((request) => request.status));
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    const right = await fetch(`${caddy.baseUrl}/login`, { ...insecure, method: 'POST', redirect: 'manual', headers, body: form(dotEnv.DASHBOARD_PASSWORD) });
    expect(right.status).toBe(429);
    expect(right.headers.get('set-cookie')).toBeNull();
  });

  it('answers API clients with a JSON error when the server is down', async () => {
    await server.stop();
    const response = await fetch(`${caddy.baseUrl}/v1/openapi.json`, insecure);
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({ error: expect.stringContaining('not reachable'), code: 'upstream_unavailable' });
    const dashboardPage = await fetch(`${caddy.baseUrl}/login`, insecure);
    expect(dashboardPage.status).toBe(200);
  });
});
