/** The conversation controller and API client against the real server (real HTTP, real SQLite, the fake LLM). */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { createChatApi } from '../src/lib/api.ts';
import { createChatController, initialState, type ChatState } from '../src/lib/controller.ts';
import { createSessionStore, newSessionId } from '../src/lib/session.ts';
import { startTestServer, type TestServer } from '../../server/test/support/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { RATE_LIMIT_CHAT_PER_SESSION: '1000' } });
});
afterAll(async () => {
  await server?.stop();
});

function setup(options: { apiKey?: string; storage?: Map<string, string> } = {}) {
  const state: ChatState = initialState(true);
  const storage = options.storage ?? new Map<string, string>();
  const session = createSessionStore(() => ({ getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) }), 'session', () => newSessionId(crypto));
  const events: Array<[string, unknown]> = [];
  const api = createChatApi({ apiUrl: server.url, apiKey: options.apiKey ?? server.widgetKey, fetch, isOnline: () => true });
  const controller = createChatController({ state, api, session, events: { emit: (name, detail) => events.push([name, detail]) }, pageUrl: () => 'https://shop.example/page' });
  return { state, session, events, controller, storage };
}

const storedThread = async (sessionId: string) => {
  const reply = await server.post('/v1/chat/history', { sessionId });
  return ((await reply.json()) as { messages: Array<{ role: string; content: string; status: string; feedback: string | null }> }).messages;
};

describe('chat controller', () => {
  it('sends a turn, follows the stream into the reply and records the server ids', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['Hel', 'lo', '!'] });
    const { state, events, controller } = setup();
    state.draft = '  Hi there ';
    await controller.send(state.draft);
    expect(state.draft).toBe('');
    expect(state.streaming).toBe(false);
    expect(state.messages).toMatchObject([
      { role: 'user', content: 'Hi there', status: 'complete' },
      { role: 'assistant', content: 'Hello!', status: 'complete' },
    ]);
    expect(state.messages[1]!.id).toBeTruthy();
    expect(events.map(([name]) => name)).toEqual(['message', 'message']);
  });

  it('stop aborts the request: the reply keeps its partial text as stopped, upstream is aborted', async () => {
    server.fakeLlm.script({ kind: 'stall', tokens: ['Part'] });
    const { state, controller, session } = setup();
    const before = server.fakeLlm.requests.length;
    const sending = controller.send('Long story please');
    while (!state.messages[1]?.content) await Bun.sleep(10);
    controller.stop();
    await sending;
    expect(state.messages[1]).toMatchObject({ content: 'Part', status: 'stopped' });
    expect(state.failure).toBeNull();
    await server.fakeLlm.waitForAbort(server.fakeLlm.requests[before]!);
    let thread = await storedThread(session.get());
    for (let i = 0; i < 50 && thread.at(-1)?.status !== 'stopped'; i++) {
      await Bun.sleep(20);
      thread = await storedThread(session.get());
    }
    expect(thread.at(-1)).toMatchObject({ role: 'assistant', status: 'stopped', content: 'Part' });
  });

  it('gives the text back and shows a configuration error when the key is refused', async () => {
    const { state, controller, events } = setup({ apiKey: 'wrong' });
    state.draft = 'Question';
    await controller.send('Question');
    expect(state.messages).toEqual([]);
    expect(state.draft).toBe('Question');
    expect(state.failure).toEqual({ key: 'errorConfig', retryable: false });
    expect(events.at(-1)).toEqual(['error', expect.objectContaining({ code: 'invalid_api_key' })]);
  });

  it('marks a reply cut mid-stream as error, and Retry sends the same text again', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['Whole answer'] });
    server.fakeLlm.queue({ kind: 'cut', tokens: ['Half'] });
    const { state, controller } = setup();
    await controller.send('Try me');
    expect(state.messages[1]).toMatchObject({ status: 'error' });
    expect(state.failure?.retryable).toBe(true);
    expect(state.retryText).toBe('Try me');
    await controller.retry();
    expect(state.failure).toBeNull();
    expect(state.messages.at(-1)).toMatchObject({ content: 'Whole answer', status: 'complete' });
  });

  it('restores the conversation of the stored session, and a new conversation starts empty', async () => {
    server.fakeLlm.script({ kind: 'echo' });
    const first = setup();
    await first.controller.send('Remember me');
    const second = setup({ storage: first.storage });
    await second.controller.restore();
    expect(second.state.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Remember me'],
      ['assistant', 'Remember me'],
    ]);
    const oldSession = second.session.get();
    second.controller.newConversation();
    expect(second.state.messages).toEqual([]);
    expect(second.session.get()).not.toBe(oldSession);
    await second.controller.restore();
    expect(second.state.messages).toEqual([]);
  });

  it('stores feedback, toggles it off when pressed again, and reverts when the server refuses', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['Rated'] });
    const { state, controller, session } = setup();
    await controller.send('Rate this');
    const reply = state.messages[1]!;
    await controller.setFeedback(reply, 'up');
    expect(reply.feedback).toBe('up');
    expect((await storedThread(session.get())).at(-1)?.feedback).toBe('up');
    await controller.setFeedback(reply, 'up');
    expect(reply.feedback).toBeNull();
    expect((await storedThread(session.get())).at(-1)?.feedback).toBeNull();
    reply.id = 'not-a-message-of-this-session';
    await controller.setFeedback(reply, 'down');
    expect(reply.feedback).toBeNull();
  });
});
