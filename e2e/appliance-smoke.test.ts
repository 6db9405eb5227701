/**
 * The smoke command fails when a deployment is broken: it runs against the real server (no Caddy, no
 * dashboard) whose model answers errors, and must say which checks failed and exit non-zero.
 * Its passing run over HTTPS through Caddy is in appliance.test.ts.
 */
import { afterAll, describe, expect, it, setDefaultTimeout } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeLlm, type FakeLlm } from '../server/test/support/fake-llm.ts';
import { formatReport, parseSmokeArgs } from '../scripts/smoke.ts';
import { REPO_ROOT, freePort, startProcess, waitUntil, type RunningProcess } from './support/processes.ts';

setDefaultTimeout(30_000);

const WIDGET_KEY = 'smoke-test-widget-key-0123456789';
const tempDir = await mkdtemp(join(tmpdir(), 'ocw-smoke-'));
let fakeLlm: FakeLlm;
let server: RunningProcess;
let baseUrl: string;

// Setup runs at module scope, not in beforeAll: bun test kills every process a hook or test spawned when any test
// times out, even a stale timer (oven-sh/bun#39657), and processes spawned at module scope are not tracked.
await (async () => {
  fakeLlm = await startFakeLlm({ kind: 'status', status: 500, message: 'the model is down' });
  const bundle = join(tempDir, 'chat-widget.js');
  await Bun.write(bundle, 'window.smokeBundleLoaded = true;\n');
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  server = startProcess('server', ['bun', 'server/src/index.ts'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: tempDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      WIDGET_API_KEY: WIDGET_KEY,
      OPENAI_BASE_URL: fakeLlm.url,
      OPENAI_API_KEY: 'sk-fake',
      DATABASE_PATH: join(tempDir, 'chat.db'),
      WIDGET_BUNDLE_PATH: bundle,
    },
  });
  await waitUntil(server, 'GET /health answered', async () => (await fetch(`${baseUrl}/health`)).ok);
})();

afterAll(async () => {
  await server?.stop();
  await fakeLlm?.stop();
  await rm(tempDir, { recursive: true, force: true });
});

async function smoke(args: string[], env: Record<string, string> = {}) {
  const child = Bun.spawn(['bun', 'scripts/smoke.ts', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tempDir, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, code };
}

describe('bun run smoke', () => {
  it('fails the chat checks when the model fails, and the login check where no dashboard is routed', async () => {
    const result = await smoke([baseUrl], { WIDGET_API_KEY: WIDGET_KEY });
    const lines = result.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('PASS')).map((l) => l.split(':')[0])).toEqual(['PASS health', 'PASS widget bundle', 'PASS openapi']);
    expect(lines.filter((l) => l.startsWith('FAIL')).map((l) => l.split(':')[0])).toEqual(['FAIL chat', 'FAIL chat stream', 'FAIL dashboard login']);
    expect(lines.at(-1)).toBe(`smoke FAILED: 3 passed, 3 failed (${baseUrl})`);
    expect(result.code).toBe(1);
  });

  it('reports a wrong API key as a failed chat, with the status the server gave', async () => {
    const result = await smoke([baseUrl, '--api-key', 'not-the-key']);
    expect(result.stdout).toMatch(/^FAIL chat: POST \/v1\/chat answered 401/m);
    expect(result.code).toBe(1);
  });

  it('fails every check, not just the first, when nothing listens there', async () => {
    const result = await smoke([`http://127.0.0.1:${await freePort()}`, '--api-key', WIDGET_KEY]);
    expect(result.stdout.split('\n').filter((l) => l.startsWith('FAIL'))).toHaveLength(6);
    expect(result.code).toBe(1);
  });

  it('exits 2 with the usage when the key or the URL is missing', async () => {
    const noKey = await smoke([baseUrl]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('WIDGET_API_KEY');
    const noUrl = await smoke([], { WIDGET_API_KEY: WIDGET_KEY });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('usage: bun run smoke <base-url>');
  });
});

describe('smoke arguments and report', () => {
  it('takes the key from --api-key over WIDGET_API_KEY, and --insecure for an internal CA', () => {
    expect(parseSmokeArgs(['https://chat.example.com/', '--insecure', '--api-key', 'k1'], { WIDGET_API_KEY: 'k0' })).toEqual({
      baseUrl: 'https://chat.example.com',
      apiKey: 'k1',
      insecure: true,
      timeoutMs: 30_000,
    });
    expect(parseSmokeArgs(['http://localhost:4000', '--api-key=k2', '--timeout', '500'], {})).toMatchObject({ apiKey: 'k2', insecure: false, timeoutMs: 500 });
    expect(parseSmokeArgs(['http://localhost:4000', '--dashboard-url', 'http://localhost:3000/'], { WIDGET_API_KEY: 'k' })).toMatchObject({
      dashboardUrl: 'http://localhost:3000',
    });
    expect(parseSmokeArgs(['http://localhost:4000', '--dashboard-url=localhost:3000'], { WIDGET_API_KEY: 'k' })).toEqual({ error: expect.stringContaining('dashboard URL') });
  });

  it('refuses unknown options, a second URL and a URL without a scheme', () => {
    expect(parseSmokeArgs(['https://a.example', '--verbose'], { WIDGET_API_KEY: 'k' })).toEqual({ error: expect.stringContaining('unknown option --verbose') });
    expect(parseSmokeArgs(['https://a.example', 'https://b.example'], { WIDGET_API_KEY: 'k' })).toEqual({ error: expect.stringContaining('unexpected argument') });
    expect(parseSmokeArgs(['chat.example.com'], { WIDGET_API_KEY: 'k' })).toEqual({ error: expect.stringContaining('must start with http') });
  });

  it('summarises with one line per check and a final verdict', () => {
    const report = formatReport('https://x.example', [
      { name: 'health', ok: true, detail: 'ok' },
      { name: 'chat', ok: false, detail: 'HTTP 503' },
    ]);
    expect(report.split('\n')).toEqual(['PASS health: ok', 'FAIL chat: HTTP 503', 'smoke FAILED: 1 passed, 1 failed (https://x.example)']);
  });
});
