/** Citations reach the reply: the controller against the real server with a ready knowledge source (fake model). */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { createChatApi } from '../src/lib/api.ts';
import { createChatController, initialState, type ChatState } from '../src/lib/controller.ts';
import { createSessionStore, newSessionId } from '../src/lib/session.ts';
import { startTestServer, type TestServer } from '../../server/test/support/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  const response = await server.admin('/v1/admin/knowledge/texts', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Teapot care', text: 'Rinse the Kyusu teapot with warm water only; never use soap on the clay.' }),
  });
  const { id } = (await response.json()) as { id: string };
  for (;;) {
    const source = (await (await server.admin(`/v1/admin/knowledge/${id}`)).json()) as { status: string };
    if (source.status === 'ready') break;
    if (source.status === 'failed') throw new Error('the test source failed to index');
    await Bun.sleep(20);
  }
});
afterAll(async () => {
  await server?.stop();
});

function setup() {
  const state: ChatState = initialState(true);
  const storage = new Map<string, string>();
  const session = createSessionStore(() => ({ getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) }), 'session', () => newSessionId(crypto));
  const api = createChatApi({ apiUrl: server.url, apiKey: server.widgetKey, fetch, isOnline: () => true });
  const controller = createChatController({ state, api, session, events: { emit: () => {} }, pageUrl: () => 'https://shop.example/teapots' });
  return { state, controller };
}

describe('reply citations', () => {
  it('puts the done event’s sources on the reply, a file or text source as a title without a link', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['Warm water only', ' [1].'] });
    const { state, controller } = setup();
    await controller.send('How do I clean the Kyusu teapot?');
    expect(state.messages[1]).toMatchObject({ status: 'complete', content: 'Warm water only [1].', sources: [{ title: 'Teapot care', url: null }] });
  });
});
