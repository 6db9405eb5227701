import { afterAll, afterEach, beforeAll, describe, expect, it } from 'bun:test';
import { DEFAULT_REPLY, startFakeLlm, type FakeLlm } from './support/fake-llm.ts';
import { eventually, readAllNdjson, readNdjson } from './support/ndjson.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let fakeLlm: FakeLlm;
let server: TestServer;
let sessionCounter = 0;
const newSession = () => `chat-turn-${Date.now()}-${++sessionCounter}`;

beforeAll(async () => {
  fakeLlm = await startFakeLlm();
  server = await startTestServer({
    fakeLlm,
    env: { MAX_HISTORY_MESSAGES: '4', OPENAI_IDLE_TIMEOUT_MS: '300', SYSTEM_PROMPT: 'You are the test assistant.', RATE_LIMIT_CHAT_PER_SESSION: '0', RATE_LIMIT_CHAT_PER_IP: '0' },
  });
});
afterAll(async () => {
  await server.stop();
  await fakeLlm.stop();
});
afterEach(() => fakeLlm.script({ kind: 'reply', tokens: DEFAULT_REPLY }));

async function threadOf(sessionId: string) {
  const thread = await server.store.getSessionThread(sessionId, 100);
  if (!thread) throw new Error('no conversation stored');
  return thread;
}

describe('POST /v1/chat (one JSON reply)', () => {
  it('answers with the reply, ids, finish reason and usage, and stores both messages as complete', async () => {
    const sessionId = newSession();
    const response = await server.post('/v1/chat', { sessionId, message: '  Hello there  ' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, any>;
    expect(body.message).toBe(DEFAULT_REPLY.join(''));
    expect(body.finishReason).toBe('stop');
    expect(body.usage.totalTokens).toBeGreaterThan(0);

    const { conversation, messages } = await threadOf(sessionId);
    expect(body.conversationId).toBe(conversation.id);
    expect(messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'Hello there', 'complete'],
      ['assistant', DEFAULT_REPLY.join(''), 'complete'],
    ]);
    const reply = messages[1]!;
    expect(reply.id).toBe(body.messageId);
    expect(reply.model).toBe('fake-model');
    expect(reply.usage?.totalTokens).toBe(body.usage.totalTokens);
    expect(reply.firstTokenMs).not.toBeNull();
    expect(reply.totalMs).toBeGreaterThanOrEqual(reply.firstTokenMs!);
  });

  it('sends the system prompt first, then only the last MAX_HISTORY_MESSAGES messages', async () => {
    const sessionId = newSession();
    for (const text of ['one', 'two', 'three']) {
      expect((await server.post('/v1/chat', { sessionId, message: text })).status).toBe(200);
    }
    const sent = fakeLlm.requests.at(-1)!.body.messages!;
    expect(sent[0]).toEqual({ role: 'system', content: 'You are the test assistant.' });
    // 4 messages of history: assistant(one) is dropped so the history starts with the visitor.
    expect(sent.slice(1).map((m) => m.content)).toEqual(['two', DEFAULT_REPLY.join(''), 'three']);
    expect(fakeLlm.requests.at(-1)!.body.model).toBe('fake-model');
    expect(fakeLlm.requests.at(-1)!.body.stream).toBe(true);
  });

  it('passes the configured key to the upstream, never to the client', async () => {
    const response = await server.post('/v1/chat', { sessionId: newSession(), message: 'key?' });
    expect(await response.text()).not.toContain('sk-test-not-a-real-key');
    expect(fakeLlm.requests.at(-1)!.headers.authorization).toBe('Bearer sk-test-not-a-real-key');
  });

  it('keeps the same conversation for the same sessionId and a new one for another', async () => {
    const a = newSession();
    const first = (await (await server.post('/v1/chat', { sessionId: a, message: 'x' })).json()) as { conversationId: string };
    const again = (await (await server.post('/v1/chat', { sessionId: a, message: 'y' })).json()) as { conversationId: string };
    const other = (await (await server.post('/v1/chat', { sessionId: newSession(), message: 'z' })).json()) as { conversationId: string };
    expect(again.conversationId).toBe(first.conversationId);
    expect(other.conversationId).not.toBe(first.conversationId);
  });

  it('records origin, page URL and user agent on the conversation', async () => {
    const sessionId = newSession();
    await server.post('/v1/chat', { sessionId, message: 'hi', pageUrl: 'https://shop.example/pricing' }, { origin: 'https://shop.example', 'user-agent': 'TestAgent/1.0' });
    const { conversation } = await threadOf(sessionId);
    expect(conversation.origin).toBe('https://shop.example');
    expect(conversation.pageUrl).toBe('https://shop.example/pricing');
    expect(conversation.userAgent).toBe('TestAgent/1.0');
  });

  it('refuses a message that is only white space with 400, storing nothing', async () => {
    const sessionId = newSession();
    const response = await server.post('/v1/chat', { sessionId, message: '   \n ' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('validation_failed');
    expect(await server.store.getSessionThread(sessionId, 10)).toBeNull();
  });
});

describe('upstream failures', () => {
  const cases = [
    { name: 'a refused key (401)', behaviour: { kind: 'status', status: 401 } as const, status: 502, code: 'upstream_auth_failed' },
    { name: 'a rate limit (429)', behaviour: { kind: 'status', status: 429, retryAfter: 9 } as const, status: 503, code: 'upstream_rate_limited' },
    { name: 'a server error (500)', behaviour: { kind: 'status', status: 500 } as const, status: 502, code: 'upstream_unavailable' },
    { name: 'an unknown model (404)', behaviour: { kind: 'status', status: 404 } as const, status: 502, code: 'upstream_rejected' },
  ];
  for (const { name, behaviour, status, code } of cases) {
    it(`maps ${name} to ${status} ${code}, keeping the user message and marking the reply as error`, async () => {
      fakeLlm.script(behaviour);
      const sessionId = newSession();
      const response = await server.post('/v1/chat', { sessionId, message: `please fail with ${code}` });
      expect(response.status).toBe(status);
      const body = (await response.json()) as { code: string; error: string };
      expect(body.code).toBe(code);
      expect(body.error).toMatch(/\w+ \w+/);
      expect(body.error).not.toContain('fake upstream'); // the upstream's own words stay on the server
      if (code === 'upstream_rate_limited') expect(response.headers.get('retry-after')).toBe('9');
      const { messages } = await threadOf(sessionId);
      expect(messages[0]).toMatchObject({ role: 'user', content: `please fail with ${code}`, status: 'complete' });
      expect(messages[1]).toMatchObject({ role: 'assistant', status: 'error', errorCode: code });
    });
  }

  it('ends a stream cut midway with an error event and stores the partial text as error', async () => {
    fakeLlm.script({ kind: 'cut', tokens: ['Partial', ' answer'] });
    const sessionId = newSession();
    const events = await readAllNdjson(await server.post('/v1/chat/stream', { sessionId, message: 'cut me' }));
    expect(events.map((e) => e.type)).toEqual(['start', 'token', 'token', 'error']);
    expect(events.at(-1)).toMatchObject({ code: 'upstream_unavailable' });
    const { messages } = await threadOf(sessionId);
    expect(messages[1]).toMatchObject({ status: 'error', content: 'Partial answer', errorCode: 'upstream_unavailable' });
  });

  it('gives up on an upstream that goes silent (idle timeout) and stores what arrived', async () => {
    fakeLlm.script({ kind: 'stall', tokens: ['Thinking'] });
    const sessionId = newSession();
    const events = await readAllNdjson(await server.post('/v1/chat/stream', { sessionId, message: 'stall' }));
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'upstream_timeout' });
    const { messages } = await threadOf(sessionId);
    expect(messages[1]).toMatchObject({ status: 'error', content: 'Thinking', errorCode: 'upstream_timeout' });
    await fakeLlm.waitForAbort(fakeLlm.requests.at(-1)!, 2000);
  });

  it('stores the user message before the model answers', async () => {
    fakeLlm.script({ kind: 'stall' });
    const sessionId = newSession();
    const pending = server.post('/v1/chat/stream', { sessionId, message: 'are you there?' });
    const reader = readNdjson(await pending);
    const start = await reader.next();
    expect(start).toMatchObject({ type: 'start' });
    const { messages } = await threadOf(sessionId);
    expect(messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'are you there?', 'complete'],
      ['assistant', '', 'streaming'],
    ]);
    await reader.cancel();
  });
});

describe('POST /v1/chat/stream and /chat (NDJSON)', () => {
  it('streams start, tokens one by one as they arrive, then done', async () => {
    fakeLlm.script({ kind: 'reply', tokens: ['One', ' two', ' three'], delayMs: 120 });
    const response = await server.post('/v1/chat/stream', { sessionId: newSession(), message: 'count' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toStartWith('application/x-ndjson');
    const reader = readNdjson(response);
    const start = await reader.next();
    expect(start).toMatchObject({ type: 'start' });
    // The first token is readable while the upstream has not yet sent the rest: the stream is not buffered.
    const first = await reader.next();
    expect(first).toEqual({ type: 'token', token: 'One' });
    expect(fakeLlm.requests.at(-1)!.finished).toBe(false);
    const rest: Array<Record<string, unknown>> = [];
    for (let e = await reader.next(); e; e = await reader.next()) rest.push(e);
    expect(rest.map((e) => e.type)).toEqual(['token', 'token', 'done']);
    expect(rest.at(-1)).toMatchObject({ message: 'One two three', messageId: start!.messageId, conversationId: start!.conversationId, finishReason: 'stop' });
  });

  it('serves the widget route /chat with the same stream', async () => {
    const events = await readAllNdjson(await server.post('/chat', { sessionId: newSession(), message: 'widget' }));
    expect(events[0]!.type).toBe('start');
    expect(events.at(-1)).toMatchObject({ type: 'done', message: DEFAULT_REPLY.join('') });
  });

  it('aborts the upstream at once when the client disconnects, and stores the partial reply as stopped', async () => {
    fakeLlm.script({ kind: 'reply', tokens: Array.from({ length: 200 }, (_, i) => ` w${i}`), delayMs: 25 });
    const sessionId = newSession();
    const controller = new AbortController();
    const response = await fetch(`${server.url}/v1/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.widgetKey },
      body: JSON.stringify({ sessionId, message: 'long story please' }),
      signal: controller.signal,
    });
    const reader = readNdjson(response);
    expect((await reader.next())!.type).toBe('start');
    expect(await reader.next()).toEqual({ type: 'token', token: ' w0' });
    expect(await reader.next()).toEqual({ type: 'token', token: ' w1' });
    const upstream = fakeLlm.requests.at(-1)!;
    controller.abort();
    await fakeLlm.waitForAbort(upstream, 3000);
    expect(upstream.finished).toBe(false);

    const reply = await eventually(async () => {
      const { messages } = await threadOf(sessionId);
      return messages[1]!.status === 'stopped' ? messages[1] : undefined;
    });
    expect(reply.content.startsWith(' w0 w1')).toBe(true);
    expect(reply.content.split(' w').length - 1).toBeLessThan(200);
    expect((await threadOf(sessionId)).messages[0]!.content).toBe('long story please');
  });
});

describe('history and feedback', () => {
  it('returns the visitor\'s conversation for restoring the widget, and null for an unknown session', async () => {
    const sessionId = newSession();
    await server.post('/v1/chat', { sessionId, message: 'remember me' });
    const restored = (await (await server.post('/v1/chat/history', { sessionId })).json()) as { conversationId: string; messages: Array<Record<string, unknown>> };
    expect(restored.conversationId).toBeString();
    expect(restored.messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'remember me', 'complete'],
      ['assistant', DEFAULT_REPLY.join(''), 'complete'],
    ]);
    const empty = await (await server.post('/v1/chat/history', { sessionId: newSession() })).json();
    expect(empty).toEqual({ conversationId: null, messages: [] });
  });

  it('stores feedback on a reply of the same session only', async () => {
    const sessionId = newSession();
    const reply = (await (await server.post('/v1/chat', { sessionId, message: 'rate me' })).json()) as { messageId: string; userMessageId: string };
    expect((await server.post('/v1/chat/feedback', { sessionId, messageId: reply.messageId, feedback: 'up' })).status).toBe(200);
    expect((await threadOf(sessionId)).messages[1]!.feedback).toBe('up');
    const otherSession = await server.post('/v1/chat/feedback', { sessionId: newSession(), messageId: reply.messageId, feedback: 'down' });
    expect(otherSession.status).toBe(404);
    expect(((await otherSession.json()) as { code: string }).code).toBe('message_not_found');
    const onUserMessage = await server.post('/v1/chat/feedback', { sessionId, messageId: reply.userMessageId, feedback: 'down' });
    expect(onUserMessage.status).toBe(404);
    expect((await server.post('/v1/chat/feedback', { sessionId, messageId: reply.messageId, feedback: null })).status).toBe(200);
    expect((await threadOf(sessionId)).messages[1]!.feedback).toBeNull();
  });
});

describe('without a configured LLM', () => {
  it('boots, answers health, and refuses chat with 503 llm_not_configured naming the variable', async () => {
    const bare = await startTestServer({ noLlm: true });
    try {
      expect((await fetch(`${bare.url}/health`)).status).toBe(200);
      const ready = await fetch(`${bare.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { llm: { ok: boolean } }).llm.ok).toBe(false);
      for (const path of ['/v1/chat', '/v1/chat/stream', '/chat']) {
        const response = await bare.post(path, { sessionId: 'no-llm', message: 'hello?' });
        expect(response.status).toBe(503);
        const body = (await response.json()) as { code: string; error: string };
        expect(body.code).toBe('llm_not_configured');
        expect(body.error).toContain('OPENAI_API_KEY');
      }
    } finally {
      await bare.stop();
    }
  });
});
