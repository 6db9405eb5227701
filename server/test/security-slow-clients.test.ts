/**
 * Slow clients (issue 11, finding 6): keys, origin and per-IP limits are checked from the headers before the body is
 * read, so a wrong-key client that announces a body and never sends it is answered and cut off at once; a body must
 * arrive within REQUEST_BODY_TIMEOUT_MS; and one client can hold at most MAX_CONNECTIONS_PER_IP requests open.
 * Every slow client here announces a body and then stops sending it, so a connection that ends was ended by the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { openSlowRequest, type SlowRequest } from './support/slow-client.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const chatBody = (sessionId: string) => JSON.stringify({ sessionId, message: `a message padded to a size ${'.'.repeat(900)}` });

describe('refusals from the headers, before the body', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Rate limits and the connection cap off: every refusal below is the key's (or the origin's).
    server = await startTestServer({ env: { CORS_ORIGIN: 'https://shop.example', RATE_LIMIT_CHAT_PER_IP: '0', RATE_LIMIT_ADMIN_PER_IP: '0', MAX_CONNECTIONS_PER_IP: '0' } });
  });
  afterAll(() => server.stop());

  it('answers 300 slow wrong-key connections 401 JSON and closes every one while the body is still missing', async () => {
    const requests: SlowRequest[] = Array.from({ length: 300 }, (_, i) =>
      openSlowRequest(server.port, { path: i % 2 ? '/v1/chat' : '/chat', headers: { 'x-api-key': `wrong-key-${i}` }, body: chatBody(`slow-wrong-key-${i}`), trickle: 5, everyMs: 200 }),
    );
    const answers = await Promise.all(requests.map((request) => request.closed));
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.head.toLowerCase()).toContain('connection: close');
      expect(JSON.parse(answer.body)).toEqual({ error: 'The widget API key is not valid.', code: 'invalid_api_key' });
      expect(answer.bytesSent).toBeLessThan(100);
    }
    expect(server.fakeLlm.requests).toHaveLength(0);
  });

  it('does the same for a missing admin key, a foreign origin and an unknown route', async () => {
    const cases: Array<{ method: string; path: string; headers: Record<string, string>; status: number; code: string }> = [
      { method: 'DELETE', path: '/v1/admin/conversations/some-id', headers: {}, status: 401, code: 'missing_admin_key' },
      { method: 'POST', path: '/v1/chat/history', headers: { 'x-api-key': server.widgetKey, origin: 'https://evil.example' }, status: 403, code: 'origin_not_allowed' },
      { method: 'POST', path: '/v1/nothing-here', headers: { 'x-api-key': server.widgetKey }, status: 404, code: 'not_found' },
    ];
    for (const { method, path, headers, status, code } of cases) {
      const answer = await openSlowRequest(server.port, { method, path, headers, body: chatBody('slow-other-0001'), trickle: 3, everyMs: 200 }).closed;
      expect(`${path} ${answer.status} ${JSON.parse(answer.body).code}`).toBe(`${path} ${status} ${code}`);
      expect(answer.bytesSent).toBeLessThan(100);
    }
  });
});

describe('gates before routing', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('lets no spelling of a guarded path through without its key: 401 before the body, or no route at all', async () => {
    const spellings = ['/v1/admin/conversations', '/v1/admin/conversations/', '/v1/admin/./conversations', '/v1/admin/x/../conversations', '/v1/%61dmin/conversations', '/v1//admin/conversations', '//v1/admin/conversations', '/v1/admin/%63onversations', '/v1/admin/conversations%2F', '/v1/admin/health'];
    for (const path of spellings) {
      const answer = await openSlowRequest(server.port, { method: 'GET', path, headers: { connection: 'close' }, body: '', trickle: 0, everyMs: 50 }).closed;
      expect(`${path} ${answer.status}`).toMatch(/ (401|404)$/);
    }
  });
});

describe('the body deadline', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { REQUEST_BODY_TIMEOUT_MS: '400' } });
  });
  afterAll(() => server.stop());

  it('cuts a valid-key request whose body has not arrived within REQUEST_BODY_TIMEOUT_MS: 408 JSON, connection closed, nothing stored', async () => {
    const answer = await openSlowRequest(server.port, { path: '/v1/chat', headers: { 'x-api-key': server.widgetKey }, body: chatBody('slow-body-session-1'), trickle: 20, everyMs: 50 }).closed;
    expect(answer.status).toBe(408);
    expect(answer.head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(answer.body)).toEqual({ error: 'The request body did not arrive within 0.4 seconds.', code: 'body_timeout' });
    expect(server.fakeLlm.requests).toHaveLength(0);
    expect(await server.store.getSessionThread('slow-body-session-1', 10)).toBeNull();
  });

  it('serves a body that arrives in time, however it is split', async () => {
    const request = openSlowRequest(server.port, { path: '/v1/chat/history', headers: { 'x-api-key': server.widgetKey, connection: 'close' }, body: JSON.stringify({ sessionId: 'slow-but-in-time-1' }), trickle: 3, everyMs: 20 });
    await Bun.sleep(100);
    request.finish();
    const answer = await request.closed;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ conversationId: null, messages: [] });
  });
});

describe('open requests per client', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The per-IP rate limit is off: every 429 here is the cap's.
    server = await startTestServer({ env: { MAX_CONNECTIONS_PER_IP: '5', REQUEST_BODY_TIMEOUT_MS: '60000', RATE_LIMIT_CHAT_PER_IP: '0' } });
  });
  afterAll(() => server.stop());

  const holdFive = () =>
    Array.from({ length: 5 }, (_, i) =>
      openSlowRequest(server.port, { path: '/v1/chat/history', headers: { 'x-api-key': server.widgetKey, connection: 'close' }, body: JSON.stringify({ sessionId: `held-session-000${i}` }), trickle: 2, everyMs: 20 }),
    );
  const history = () => server.post('/v1/chat/history', { sessionId: 'next-visitor-0001' });
  /** The server sees a request start or end a moment after the client does: ask again until it has. */
  async function eventually(wanted: 'served' | 'too_many_connections'): Promise<string> {
    let last = '';
    for (let attempt = 0; attempt < 100 && last !== wanted; attempt++) {
      const response = await history();
      last = response.status === 200 ? 'served' : ((await response.json()) as { code: string }).code;
      if (response.status === 200) await response.body?.cancel();
      if (last !== wanted) await Bun.sleep(20);
    }
    return last;
  }

  it('refuses a client\'s sixth open request with 429 JSON while five slow ones are held, and serves it again once they end', async () => {
    const held = holdFive();
    expect(await eventually('too_many_connections')).toBe('too_many_connections');
    const refused = await history();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({ error: expect.stringContaining('at most 5'), code: 'too_many_connections' });

    for (const request of held) request.finish();
    for (const answer of await Promise.all(held.map((request) => request.closed))) expect(answer.status).toBe(200);
    expect(await eventually('served')).toBe('served');
  });

  it('gives the slot of every refused request back', async () => {
    for (let i = 0; i < 20; i++) {
      const refused = await server.post('/v1/chat/history', { sessionId: 'refused-visitor-0001' }, { 'x-api-key': 'wrong' });
      expect(refused.status).toBe(401);
      await refused.body?.cancel();
    }
    const notFound = await server.post('/v1/nowhere', {});
    expect(notFound.status).toBe(404);
    expect(await eventually('served')).toBe('served');
  });

  it('gives a slot back when its client goes away mid-body', async () => {
    for (let round = 0; round < 3; round++) {
      const held = holdFive();
      expect(await eventually('too_many_connections')).toBe('too_many_connections');
      for (const request of held) request.abort();
      expect(await eventually('served')).toBe('served');
    }
  });
});
