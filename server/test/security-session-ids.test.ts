/**
 * The session id is the visitor's only credential for reading a conversation back and rating its replies (issue 11,
 * finding 9): history and feedback require at least 16 characters, while the chat routes keep accepting the original
 * API's 1–128 characters so that existing clients still work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('session ids', () => {
  it('still accepts a one-character session id on every chat route', async () => {
    for (const path of ['/chat', '/v1/chat/stream', '/v1/chat']) {
      const response = await server.post(path, { sessionId: 'a', message: 'short ids still chat' });
      expect(response.status).toBe(200);
      await response.body?.cancel();
    }
  });

  it('refuses a session id under 16 characters on history and feedback with a 400 that says why', async () => {
    for (const sessionId of ['a', 'guessable-15-ch', '123456']) {
      for (const [path, body] of [
        ['/v1/chat/history', { sessionId }],
        ['/v1/chat/feedback', { sessionId, messageId: 'm1', feedback: 'up' }],
      ] as const) {
        const response = await server.post(path, body);
        expect(response.status).toBe(400);
        const reply = (await response.json()) as { error: string; code: string };
        expect(reply.code).toBe('validation_failed');
        expect(reply.error).toContain('sessionId');
        expect(reply.error).toContain('16');
        expect(reply.error).toContain('generated randomly');
      }
    }
  });

  it('serves history and feedback for a session id of 16 characters or more', async () => {
    const sessionId = 'a1b2c3d4e5f6a7b8';
    const turn = (await (await server.post('/v1/chat', { sessionId, message: 'hello' })).json()) as { messageId: string };
    const history = (await (await server.post('/v1/chat/history', { sessionId })).json()) as { messages: unknown[] };
    expect(history.messages).toHaveLength(2);
    expect((await server.post('/v1/chat/feedback', { sessionId, messageId: turn.messageId, feedback: 'up' })).status).toBe(200);
  });

  it('says in the API document that a session id is a secret to generate randomly', async () => {
    const doc = JSON.stringify(await (await fetch(`${server.url}/v1/openapi.json`)).json());
    expect(doc).toContain('generate it randomly');
    expect(doc).toContain('{16,128}');
    const apiDoc = await Bun.file(new URL('../../docs/API.md', import.meta.url).pathname).text();
    expect(apiDoc).toMatch(/secret/i);
    expect(apiDoc).toMatch(/random/i);
  });
});
