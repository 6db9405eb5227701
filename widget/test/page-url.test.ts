/** What the widget reports as the page a message was sent from (main.ts passes `location` to pageUrlOf). */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { createChatApi } from '../src/lib/api.ts';
import { createChatController, initialState } from '../src/lib/controller.ts';
import { pageUrlOf } from '../src/lib/page-url.ts';
import { createSessionStore } from '../src/lib/session.ts';
import { startTestServer, type TestServer } from '../../server/test/support/server.ts';

describe('page URL', () => {
  it('keeps origin and path, and drops the query and fragment (reset tokens, OAuth fragments)', () => {
    expect(pageUrlOf(new URL('https://shop.example/account/reset?token=s3cr3t&email=a%40b.example#step-2'))).toBe('https://shop.example/account/reset');
    expect(pageUrlOf(new URL('https://app.example/callback#access_token=abc&token_type=bearer'))).toBe('https://app.example/callback');
    expect(pageUrlOf(new URL('http://localhost:5173/'))).toBe('http://localhost:5173/');
  });

  it('reports nothing for a page without a web origin', () => {
    expect(pageUrlOf(new URL('file:///home/me/demo.html?x=1'))).toBeUndefined();
    expect(pageUrlOf({ origin: 'null', pathname: '/srcdoc' })).toBeUndefined();
  });
});

describe('page URL as stored by the server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('reaches the conversation without its query or fragment', async () => {
    const storage = new Map<string, string>();
    const session = createSessionStore(() => ({ getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) }), 'session', () => 'page-url-session-0001');
    const api = createChatApi({ apiUrl: server.url, apiKey: server.widgetKey, fetch, isOnline: () => true });
    const page = new URL('https://shop.example/account/reset?token=s3cr3t#access_token=abc');
    const controller = createChatController({ state: initialState(true), api, session, events: { emit: () => {} }, pageUrl: () => pageUrlOf(page) });
    await controller.send('I did not get the reset email');
    const list = (await (await server.admin('/v1/admin/conversations?limit=10')).json()) as { conversations: Array<{ sessionId: string; pageUrl: string | null }> };
    const stored = list.conversations.find((c) => c.sessionId === 'page-url-session-0001');
    expect(stored?.pageUrl).toBe('https://shop.example/account/reset');
  });
});
