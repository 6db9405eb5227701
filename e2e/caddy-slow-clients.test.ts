/**
 * Slow clients through the shipped Caddyfile (issue 11, finding 6): its server timeouts cut a client that trickles
 * its request headers, or its body, a byte at a time, so such clients cannot pile up open connections in front of
 * the chat server. The chat server's own body deadline is set high here, so the cut below is Caddy's.
 */
import { afterAll, describe, expect, it, setDefaultTimeout } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSlowRequest } from '../server/test/support/slow-client.ts';
import { startTestServer, type TestServer } from '../server/test/support/server.ts';
import { REPO_ROOT, startCaddy, type RunningCaddy } from './support/processes.ts';

// Caddy's own limits are 10 s (headers) and 15 s (whole request): the slow clients below would take 60 s.
setDefaultTimeout(40_000);

const tempDir = await mkdtemp(join(tmpdir(), 'ocw-caddy-slow-'));
let server: TestServer;
let caddy: RunningCaddy;

// Setup runs at module scope, not in beforeAll: bun test kills every process a hook or test spawned when any test
// times out, even a stale timer (oven-sh/bun#39657), and processes spawned at module scope are not tracked.
await (async () => {
  server = await startTestServer({ env: { REQUEST_BODY_TIMEOUT_MS: '600000', TRUST_PROXY: '1' } });
  caddy = await startCaddy({
    caddyfile: join(REPO_ROOT, 'Caddyfile'),
    env: { DOMAIN: 'localhost', SERVER_HOST: '127.0.0.1', SERVER_PORT: String(server.port), DASHBOARD_UPSTREAM: '127.0.0.1:9' },
    tempDir,
  });
})();

afterAll(async () => {
  await caddy?.stop();
  await server?.stop();
  await rm(tempDir, { recursive: true, force: true });
});

describe('the shipped Caddyfile and slow clients', () => {
  it('closes a connection whose request headers trickle in, long before they are done', async () => {
    const answer = await openSlowRequest(caddy.httpsPort, { tls: true, slowHeaders: true, method: 'GET', path: '/health', headers: {}, body: 'x'.repeat(60), trickle: 60, everyMs: 1000 })
      .closed;
    expect(answer.status).toBe(0);
    expect(answer.bytesSent).toBeLessThan(60);
  });

  it('cuts a valid-key request whose body trickles in, and the chat server is left with nothing open', async () => {
    const body = JSON.stringify({ sessionId: 'caddy-slow-body-0001', padding: '.'.repeat(60) });
    const answer = await openSlowRequest(caddy.httpsPort, { tls: true, path: '/v1/chat/history', headers: { 'x-api-key': server.widgetKey }, body, trickle: body.length, everyMs: 1000 })
      .closed;
    expect(answer.bytesSent).toBeLessThan(body.length);
    // The server is still serving through Caddy, and nothing it did failed.
    const health = await fetch(`${caddy.baseUrl}/health`, { tls: { rejectUnauthorized: false } });
    expect(health.status).toBe(200);
    expect(server.logs.filter((line) => JSON.parse(line).level === 'error')).toEqual([]);
  });
});
