/** Headers and hygiene: nosniff, Referrer-Policy, CSP (strict on the demo page), HSTS only in production, no internals in replies, logs without secrets. */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { openSqliteStore } from '../src/store/sqlite/store.ts';
import type { ChatStore } from '../src/store/chat-store.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PRODUCTION = { NODE_ENV: 'production', CORS_ORIGIN: 'https://shop.example.com', WIDGET_API_KEY: 'prod-widget-key-0123456789abcdef', ADMIN_API_KEY: 'prod-admin-key-0123456789abcdef' };

describe('security headers', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { DEMO_PAGE: 'true' } });
  });
  afterAll(() => server.stop());

  it('sends nosniff, Referrer-Policy and a deny-all CSP on JSON replies, errors and streams, and no HSTS outside production', async () => {
    const replies = [
      await fetch(`${server.url}/health`),
      await fetch(`${server.url}/no-such-route`),
      await server.post('/v1/chat', { sessionId: 'h1', message: 'hi' }, { 'x-api-key': 'wrong' }),
      await server.post('/chat', { sessionId: 'h1', message: 'hi' }),
      await server.admin('/v1/admin/conversations'),
    ];
    for (const reply of replies) {
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
      expect(reply.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
      expect(reply.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(reply.headers.get('strict-transport-security')).toBeNull();
      await reply.body?.cancel();
    }
  });

  it('serves the demo page under its own strict CSP: own scripts only, no framing', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  });
});

describe('production', () => {
  it('adds HSTS to every reply', async () => {
    const server = await startTestServer({ env: PRODUCTION });
    try {
      for (const path of ['/health', '/no-such-route']) {
        const reply = await fetch(server.url + path);
        expect(reply.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      }
    } finally {
      await server.stop();
    }
  });
});

describe('nothing internal leaves, nothing secret is logged', () => {
  let server: TestServer;
  let dir: string;
  let store: ChatStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ocw-headers-'));
    const real = await openSqliteStore(join(dir, 'chat.db'));
    // A store that fails the way a bug would: a plain Error carrying paths and internals in its message.
    store = Object.assign(Object.create(real), {
      getThread: async () => {
        throw new Error('SQLITE_CORRUPT at /srv/app/server/src/store/sqlite/store.ts:42 password=hunter2');
      },
    }) as ChatStore;
    server = await startTestServer({ store, env: PRODUCTION });
  });
  afterAll(async () => {
    await server.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers an unexpected failure with a generic 500 JSON, the detail only in the log under the request id', async () => {
    const reply = await fetch(`${server.url}/v1/admin/conversations/abc`, { headers: { 'x-admin-api-key': PRODUCTION.ADMIN_API_KEY, 'x-request-id': 'trace-12345678' } });
    expect(reply.status).toBe(500);
    const text = await reply.text();
    expect(JSON.parse(text)).toEqual({ error: 'Something went wrong on the server; it has been logged.', code: 'internal_error' });
    expect(text).not.toMatch(/SQLITE|sqlite\.ts|hunter2|\bat /);
    expect(server.logs.some((line) => line.includes('"requestId":"trace-12345678"') && line.includes('SQLITE_CORRUPT'))).toBe(true);
  });

  it('writes one JSON line per request (method, route, status, latency, id) and never a key, a message or a search term', async () => {
    const marker = `secret-marker-${crypto.randomUUID()}`;
    await (await server.post('/v1/chat', { sessionId: 'logs-1', message: `please remember ${marker}` }, { 'x-api-key': PRODUCTION.WIDGET_API_KEY, 'x-request-id': 'logtest-1' })).text();
    await (await server.post('/chat', { sessionId: 'logs-1', message: `again ${marker}` }, { 'x-api-key': PRODUCTION.WIDGET_API_KEY, 'x-request-id': 'logtest-2' })).text();
    await (await server.post('/v1/chat', { sessionId: 'logs-1', message: marker }, { 'x-api-key': `wrong-${marker}`, 'x-request-id': 'logtest-3' })).text();
    await (await fetch(`${server.url}/v1/admin/conversations?q=${marker}`, { headers: { 'x-admin-api-key': PRODUCTION.ADMIN_API_KEY, 'x-request-id': 'logtest-4' } })).text();
    await (await fetch(`${server.url}/v1/admin/conversations`, { headers: { 'x-admin-api-key': `${marker}-admin`, 'x-request-id': 'logtest-5' } })).text();
    await (await server.post('/v1/chat/history', `{"sessionId":"${marker}\\u0000"}`, { 'x-api-key': PRODUCTION.WIDGET_API_KEY, 'x-request-id': 'logtest-6' })).text();
    server.fakeLlm.script({ kind: 'status', status: 500, message: `upstream echoed ${marker}` });
    await (await server.post('/v1/chat', { sessionId: 'logs-2', message: marker }, { 'x-api-key': PRODUCTION.WIDGET_API_KEY, 'x-request-id': 'logtest-7' })).text();
    server.fakeLlm.script({ kind: 'reply', tokens: ['ok'] });

    // The log line is written after the reply has gone out: wait for the last one rather than race it.
    const requestLines = () => server.logs.filter((line) => line.includes('"msg":"request"') && line.includes('"requestId":"logtest-'));
    for (let i = 0; i < 200 && requestLines().length < 7; i++) await Bun.sleep(10);
    const all = server.logs.join('\n');
    for (const secret of [marker, PRODUCTION.WIDGET_API_KEY, PRODUCTION.ADMIN_API_KEY, 'sk-test-not-a-real-key']) expect(all).not.toContain(secret);
    const requests = requestLines().map((line) => JSON.parse(line)).sort((a, b) => a.requestId.localeCompare(b.requestId));
    expect(requests).toHaveLength(7);
    for (const entry of requests) {
      expect(Object.keys(entry).sort()).toEqual(['level', 'method', 'ms', 'msg', 'requestId', 'route', 'status', 'time']);
    }
    expect(requests.map((entry) => `${entry.method} ${entry.route} ${entry.status}`)).toEqual([
      'POST /v1/chat 200',
      'POST /chat 200',
      'POST /v1/chat 401',
      'GET /v1/admin/conversations 200',
      'GET /v1/admin/conversations 401',
      'POST /v1/chat/history 400',
      'POST /v1/chat 502',
    ]);
  });
});
