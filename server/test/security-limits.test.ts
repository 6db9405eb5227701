/** Limits: body size (413 JSON, even far past Bun's own cap), message length, sessionId format, history bounds, upstream timeouts. */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { rawRequest } from './support/hostile-http.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('request limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { MAX_BODY_BYTES: '16384', MAX_HISTORY_MESSAGES: '4', MAX_HISTORY_CHARS: '300', SYSTEM_PROMPT: 'Be brief.' } });
  });
  afterAll(() => server.stop());

  it('answers 413 JSON for a body over MAX_BODY_BYTES, however large it is declared', async () => {
    for (const size of [16_385, 64 * 1024, 10 * 1024 * 1024]) {
      const response = await server.post('/v1/chat', { sessionId: 'big', message: 'x'.repeat(size) });
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ error: 'The request body is larger than 16384 bytes.', code: 'payload_too_large' });
    }
    // A declared terabyte with no body behind it: refused from the header, nothing read.
    const raw = await rawRequest(server.port, `POST /v1/chat HTTP/1.1\r\nhost: localhost\r\nx-api-key: ${server.widgetKey}\r\ncontent-type: application/json\r\ncontent-length: 1099511627776`);
    expect(raw.status).toBe(413);
    expect(JSON.parse(raw.body).code).toBe('payload_too_large');
    const chunked = await rawRequest(server.port, `POST /v1/chat HTTP/1.1\r\nhost: localhost\r\nx-api-key: ${server.widgetKey}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked`, `2\r\n{}\r\n0\r\n\r\n`);
    expect(chunked.status).toBe(411);
    expect(JSON.parse(chunked.body).code).toBe('length_required');
  });

  it('refuses a message over 4000 characters, an empty one and a malformed sessionId with 400 JSON', async () => {
    const cases: Array<[unknown, string]> = [
      [{ sessionId: 'ok', message: 'x'.repeat(1001) + 'é'.repeat(3000) }, 'message'],
      [{ sessionId: 'ok', message: '' }, 'message'],
      [{ sessionId: 'ok', message: '   \n ' }, 'empty'],
      [{ sessionId: 'a b', message: 'hi' }, 'sessionId'],
      [{ sessionId: 's'.repeat(129), message: 'hi' }, 'sessionId'],
      [{ sessionId: '../../etc', message: 'hi' }, 'sessionId'],
      [{ sessionId: 'ok\u202e', message: 'hi' }, 'sessionId'],
    ];
    for (const [body, mention] of cases) {
      const response = await server.post('/v1/chat', body);
      expect(response.status).toBe(400);
      const reply = (await response.json()) as { error: string; code: string };
      expect(reply.code).toBe('validation_failed');
      expect(reply.error).toContain(mention);
    }
    expect(server.fakeLlm.requests).toHaveLength(0);
  });

  it('accepts a message of exactly 4000 characters (emoji and right-to-left text included)', async () => {
    const message = ('مرحبا 👋 ').repeat(400).slice(0, 4000);
    const response = await server.post('/v1/chat', { sessionId: 'full-length', message });
    expect(response.status).toBe(200);
    const thread = await server.store.getSessionThread('full-length', 10);
    expect(thread!.messages[0]!.content).toBe(message.trim());
  });

  it('bounds the history sent to the model by MAX_HISTORY_MESSAGES and MAX_HISTORY_CHARS', async () => {
    const before = server.fakeLlm.requests.length;
    for (let i = 0; i < 8; i++) expect((await server.post('/v1/chat', { sessionId: 'long-talk', message: `${i} ${'word '.repeat(20)}` })).status).toBe(200);
    const sent = server.fakeLlm.requests.slice(before).at(-1)!.body.messages!;
    const history = sent.filter((m) => m.role !== 'system');
    expect(history.length).toBeLessThanOrEqual(4);
    expect(history.reduce((n, m) => n + m.content.length, 0)).toBeLessThanOrEqual(300);
    expect(history.at(-1)!.content.startsWith('7 ')).toBe(true);
  });
});

describe('upstream timeouts', () => {
  it('ends a model call that goes silent (idle timeout) with 504 JSON, and the server keeps serving', async () => {
    const server = await startTestServer({ env: { OPENAI_IDLE_TIMEOUT_MS: '100', OPENAI_TIMEOUT_MS: '5000' } });
    try {
      server.fakeLlm.script({ kind: 'stall', tokens: ['Hel'] });
      const response = await server.post('/v1/chat', { sessionId: 'stall', message: 'hi' });
      expect(response.status).toBe(504);
      expect(await response.json()).toEqual({ error: expect.any(String), code: 'upstream_timeout' });
      await server.fakeLlm.waitForAbort(server.fakeLlm.requests[0]!);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('counts idle time only once the reply streams: a model that takes longer than the idle limit to start still answers', async () => {
    const server = await startTestServer({ env: { OPENAI_IDLE_TIMEOUT_MS: '100', OPENAI_TIMEOUT_MS: '5000' } });
    try {
      // Three idle limits before the headers: the whole-request limit covers that wait, not the idle one.
      server.fakeLlm.script({ kind: 'reply', tokens: ['Ready', ' now.'], headersAfterMs: 300 });
      const response = await server.post('/v1/chat', { sessionId: 'slow-start', message: 'hi' });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { message: string }).message).toBe('Ready now.');
    } finally {
      await server.stop();
    }
  });

  it('ends a model call that keeps dripping past the whole-request timeout', async () => {
    const server = await startTestServer({ env: { OPENAI_IDLE_TIMEOUT_MS: '2000', OPENAI_TIMEOUT_MS: '200' } });
    try {
      server.fakeLlm.script({ kind: 'reply', tokens: Array.from({ length: 100 }, () => 'drip '), delayMs: 20 });
      const response = await server.post('/v1/chat', { sessionId: 'drip', message: 'hi' });
      expect(response.status).toBe(504);
      expect((await response.json()).code).toBe('upstream_timeout');
    } finally {
      await server.stop();
    }
  });
});
