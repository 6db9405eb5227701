/** The admin API over real HTTP, against both stores (SQLite file; Convex functions behind the fake Convex server). */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { createConvexStore } from '../src/store/convex/store.ts';
import type { Conversation, ConversationThread } from '../src/store/chat-store.ts';
import { DEFAULT_REPLY } from './support/fake-llm.ts';
import { configureDeploymentSecret, FAKE_CONVEX_SECRET, startFakeConvex, type FakeConvex } from './support/fake-convex.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Page = { conversations: Conversation[]; nextCursor: string | null };

function describeAdminApi(storeName: 'sqlite' | 'convex') {
  describe(`admin API (${storeName} store)`, () => {
    let server: TestServer;
    let fakeConvex: FakeConvex | null = null;
    let restoreSecret: (() => void) | null = null;
    const run = `${storeName}-${Date.now()}`;

    const chat = async (sessionId: string, message: string) => {
      const response = await server.post('/v1/chat', { sessionId, message }, { origin: 'https://shop.example', 'user-agent': 'AdminTest/1' });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };
    const getJson = async <T>(path: string) => {
      const response = await server.admin(path);
      return { status: response.status, body: (await response.json()) as T };
    };

    beforeAll(async () => {
      let store;
      if (storeName === 'convex') {
        restoreSecret = configureDeploymentSecret();
        fakeConvex = await startFakeConvex();
        store = createConvexStore({ url: fakeConvex.url, secret: FAKE_CONVEX_SECRET });
      }
      server = await startTestServer({ store, env: { RATE_LIMIT_CHAT_PER_IP: '0', RATE_LIMIT_CHAT_PER_SESSION: '0' } });
      await chat(`${run}-alpha`, 'Where is my parcel with tracking number zebra42?');
      await chat(`${run}-beta`, 'Do you ship to Norway?');
      server.fakeLlm.script({ kind: 'status', status: 500 });
      await chat(`${run}-gamma`, 'This one fails upstream');
      server.fakeLlm.script({ kind: 'reply', tokens: DEFAULT_REPLY });
      await chat(`${run}-delta`, 'Thanks, that helped');
      const delta = await server.store.getSessionThread(`${run}-delta`, 10);
      await server.post('/v1/chat/feedback', { sessionId: `${run}-delta`, messageId: delta!.messages[1]!.id, feedback: 'up' });
    });
    afterAll(async () => {
      await server.stop();
      if (fakeConvex) {
        await server.store.close();
        await fakeConvex.stop();
      }
      restoreSecret?.();
    });

    it('lists conversations newest activity first, with counts, preview and metadata', async () => {
      const { status, body } = await getJson<Page>('/v1/admin/conversations');
      expect(status).toBe(200);
      expect(body.conversations.map((c) => c.sessionId)).toEqual([`${run}-delta`, `${run}-gamma`, `${run}-beta`, `${run}-alpha`]);
      const alpha = body.conversations[3]!;
      expect(alpha).toMatchObject({ messageCount: 2, origin: 'https://shop.example', userAgent: 'AdminTest/1', lastMessageRole: 'assistant', lastMessagePreview: DEFAULT_REPLY.join('') });
      expect(body.conversations[1]!.errorCount).toBe(1);
      expect(body.conversations[0]!.feedbackUp).toBe(1);
      expect(body.nextCursor).toBeNull();
    });

    it('pages with a cursor, without duplicates or gaps', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const { body }: { body: Page } = await getJson<Page>(`/v1/admin/conversations?limit=1${query}`);
        expect(body.conversations.length).toBeLessThanOrEqual(1);
        seen.push(...body.conversations.map((c) => c.sessionId));
        cursor = body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([`${run}-delta`, `${run}-gamma`, `${run}-beta`, `${run}-alpha`]);
    });

    it('finds a conversation by a word of a message (full text, prefix)', async () => {
      const { body } = await getJson<Page>('/v1/admin/conversations?q=zebr');
      expect(body.conversations.map((c) => c.sessionId)).toEqual([`${run}-alpha`]);
      const none = await getJson<Page>('/v1/admin/conversations?q=' + encodeURIComponent('"unmatched AND ('));
      expect(none.status).toBe(200);
      expect(none.body.conversations).toEqual([]);
    });

    it('filters by problem replies, feedback and date range', async () => {
      expect((await getJson<Page>('/v1/admin/conversations?problem=error')).body.conversations.map((c) => c.sessionId)).toEqual([`${run}-gamma`]);
      expect((await getJson<Page>('/v1/admin/conversations?feedback=up')).body.conversations.map((c) => c.sessionId)).toEqual([`${run}-delta`]);
      const future = Date.now() + 86_400_000;
      expect((await getJson<Page>(`/v1/admin/conversations?from=${future}`)).body.conversations).toEqual([]);
    });

    it('refuses bad list parameters with 400', async () => {
      for (const query of ['limit=0', 'limit=201', 'limit=abc', 'problem=weird', 'cursor=not-a-cursor']) {
        const response = await server.admin(`/v1/admin/conversations?${query}`);
        expect(response.status).toBe(400);
        expect(((await response.json()) as { code: string }).code).toMatch(/validation_failed|invalid_cursor/);
      }
    });

    it('returns one thread with every message and its metadata, and 404 for an unknown id', async () => {
      const list = await getJson<Page>('/v1/admin/conversations?q=Norway');
      const id = list.body.conversations[0]!.id;
      const { status, body } = await getJson<ConversationThread>(`/v1/admin/conversations/${id}`);
      expect(status).toBe(200);
      expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(body.messages[1]).toMatchObject({ model: 'fake-model', status: 'complete', finishReason: 'stop' });
      expect(body.messages[1]!.usage!.totalTokens).toBeGreaterThan(0);
      expect(body.messages[1]!.firstTokenMs).toBeNumber();
      const missing = await server.admin('/v1/admin/conversations/does-not-exist');
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { code: string }).code).toBe('conversation_not_found');
    });

    it('exports JSONL (one conversation per line) and CSV (one message per row), streamed as downloads', async () => {
      const jsonl = await server.admin('/v1/admin/export?format=jsonl');
      expect(jsonl.headers.get('content-type')).toStartWith('application/x-ndjson');
      expect(jsonl.headers.get('content-disposition')).toContain('attachment');
      const lines = (await jsonl.text()).trim().split('\n').map((l) => JSON.parse(l) as ConversationThread);
      expect(lines.map((l) => l.conversation.sessionId).sort()).toEqual([`${run}-alpha`, `${run}-beta`, `${run}-delta`, `${run}-gamma`]);
      expect(lines.every((l) => l.messages.length === 2)).toBe(true);

      const csv = await server.admin('/v1/admin/export?format=csv&problem=error');
      expect(csv.headers.get('content-type')).toStartWith('text/csv');
      const rows = (await csv.text()).trim().split('\r\n');
      expect(rows[0]).toStartWith('conversation_id,session_id');
      expect(rows).toHaveLength(3);
      expect(rows[1]).toContain('This one fails upstream');
      expect(rows[2]).toContain('upstream_unavailable');
    });

    it('gives stats per day and totals', async () => {
      const { body } = await getJson<{ days: Array<{ day: string; conversations: number; messages: number; errors: number }>; totals: { conversations: number; messages: number; errorRate: number } }>(
        '/v1/admin/stats',
      );
      const today = new Date().toISOString().slice(0, 10);
      expect(body.days.find((d) => d.day === today)).toMatchObject({ conversations: 4, messages: 8, errors: 1 });
      expect(body.totals).toMatchObject({ conversations: 4, messages: 8 });
      expect(body.totals.errorRate).toBeCloseTo(0.25, 5);
    });

    it('deletes a conversation and its messages', async () => {
      const id = (await getJson<Page>('/v1/admin/conversations?q=Norway')).body.conversations[0]!.id;
      const first = await server.admin(`/v1/admin/conversations/${id}`, { method: 'DELETE' });
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ deleted: true });
      expect((await server.admin(`/v1/admin/conversations/${id}`)).status).toBe(404);
      expect((await getJson<Page>('/v1/admin/conversations?q=Norway')).body.conversations).toEqual([]);
      expect((await server.admin(`/v1/admin/conversations/${id}`, { method: 'DELETE' })).status).toBe(404);
      expect(await server.store.getSessionThread(`${run}-beta`, 10)).toBeNull();
    });

    it('refuses a wrong or missing admin key with 401, and the widget key is not an admin key', async () => {
      const wrong = await fetch(`${server.url}/v1/admin/conversations`, { headers: { 'x-admin-api-key': 'nope' } });
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { code: string }).code).toBe('invalid_admin_key');
      expect((await fetch(`${server.url}/v1/admin/conversations`)).status).toBe(401);
      expect((await fetch(`${server.url}/v1/admin/conversations`, { headers: { 'x-admin-api-key': server.widgetKey } })).status).toBe(401);
    });
  });
}

describeAdminApi('sqlite');
describeAdminApi('convex');

describe('admin API without ADMIN_API_KEY', () => {
  it('answers 503 admin_not_configured', async () => {
    const server = await startTestServer({ env: { ADMIN_API_KEY: '' } });
    try {
      const response = await server.admin('/v1/admin/conversations');
      expect(response.status).toBe(503);
      const body = (await response.json()) as { code: string; error: string };
      expect(body.code).toBe('admin_not_configured');
      expect(body.error).toContain('ADMIN_API_KEY');
    } finally {
      await server.stop();
    }
  });
});

describe('clients written for the original Open Chat Widget API', () => {
  it('get `conversations` with `_id`, `_creationTime`, `lastMessage`, up to 200 a page, and threads whose messages carry `_id`', async () => {
    const server = await startTestServer();
    try {
      // The original widget sent x-widget-api-key and read only start/token/done.
      const chat = await fetch(`${server.url}/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-widget-api-key': server.widgetKey },
        body: JSON.stringify({ sessionId: 'legacy-client', message: 'Hello' }),
      });
      const reply = (await chat.json()) as { conversationId: string; message: string };
      expect(reply.message).toBe(DEFAULT_REPLY.join(''));

      const list = await server.admin('/v1/admin/conversations?limit=200');
      expect(list.status).toBe(200);
      const body = (await list.json()) as { conversations: Array<Record<string, unknown>> };
      const [conversation] = body.conversations;
      expect(conversation).toMatchObject({ _id: reply.conversationId, sessionId: 'legacy-client', lastMessage: DEFAULT_REPLY.join('') });
      expect(conversation!._creationTime).toBe(conversation!.createdAt);
      expect(typeof conversation!.updatedAt).toBe('number');

      const thread = (await (await server.admin(`/v1/admin/conversations/${reply.conversationId}`)).json()) as {
        conversation: { _id: string };
        messages: Array<{ _id: string; role: string; content: string; createdAt: number }>;
      };
      expect(thread.conversation._id).toBe(reply.conversationId);
      expect(thread.messages.map((m) => [m.role, m.content])).toEqual([['user', 'Hello'], ['assistant', DEFAULT_REPLY.join('')]]);
      expect(thread.messages.every((m) => typeof m._id === 'string' && typeof m.createdAt === 'number')).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
