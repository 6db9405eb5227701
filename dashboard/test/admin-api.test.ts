import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { AdminApiError, createAdminApi, type AdminApi } from '../src/lib/server/admin-api.ts';
import { startTestServer, type TestServer } from '../../server/test/support/server.ts';

let server: TestServer;
let api: AdminApi;

beforeAll(async () => {
  server = await startTestServer();
  api = createAdminApi({ baseUrl: server.url, adminKey: server.adminKey });
  for (const [sessionId, message] of [
    ['admin-api-a', 'Where is my parcel?'],
    ['admin-api-b', 'Do you have the blue teapot in stock?'],
  ] as const) {
    const response = await server.post('/v1/chat', { sessionId, message });
    expect(response.status).toBe(200);
  }
});

afterAll(async () => {
  await server?.stop();
});

const catchError = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error);

describe('admin API client (against the real server)', () => {
  it('lists conversations newest first, and searches them', async () => {
    const all = await api.listConversations({ limit: 10 });
    expect(all.items.map((c) => c.sessionId)).toEqual(['admin-api-b', 'admin-api-a']);
    const found = await api.listConversations({ limit: 10, q: 'teapot' });
    expect(found.items.map((c) => c.sessionId)).toEqual(['admin-api-b']);
  });

  it('pages with the cursor it was given', async () => {
    const first = await api.listConversations({ limit: 1 });
    expect(first.nextCursor).not.toBeNull();
    const second = await api.listConversations({ limit: 1, cursor: first.nextCursor });
    expect(second.items.map((c) => c.sessionId)).toEqual(['admin-api-a']);
  });

  it('reads one thread, and null for an unknown id', async () => {
    const [conversation] = (await api.listConversations({ limit: 1 })).items;
    const thread = await api.getThread(conversation!.id);
    expect(thread?.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(await api.getThread('no-such-conversation')).toBeNull();
  });

  it('never puts a malformed conversation id into a path: no request at all for ../export', async () => {
    const urls: string[] = [];
    const recording = createAdminApi({
      baseUrl: server.url,
      adminKey: server.adminKey,
      fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
        urls.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      }) as typeof fetch,
    });
    expect(await recording.getThread('../export?format=csv')).toBeNull();
    expect(await recording.deleteConversation('..%2Fexport')).toBe(false);
    expect(urls).toEqual([]);
  });

  it('reports stats for a range', async () => {
    const stats = await api.stats({ from: Date.now() - 86_400_000, to: Date.now() + 1000 });
    expect(stats.totals.conversations).toBeGreaterThanOrEqual(2);
  });

  it('hands over the export as a stream of JSONL lines', async () => {
    const response = await api.exportStream({ q: 'parcel' }, 'jsonl', new AbortController().signal);
    expect(response.bodyUsed).toBe(false);
    const lines = (await response.text()).trim().split('\n').map((line) => JSON.parse(line) as { conversation: { sessionId: string } });
    expect(lines.map((l) => l.conversation.sessionId)).toEqual(['admin-api-a']);
  });

  it('deletes once, then says it was not there', async () => {
    const response = await server.post('/v1/chat', { sessionId: 'admin-api-delete', message: 'Please forget me' });
    const { conversationId } = (await response.json()) as { conversationId: string };
    expect(await api.deleteConversation(conversationId)).toBe(true);
    expect(await api.deleteConversation(conversationId)).toBe(false);
  });

  it('explains a wrong admin key in terms of the dashboard setting', async () => {
    const wrong = createAdminApi({ baseUrl: server.url, adminKey: 'not-the-key' });
    const error = await catchError(wrong.listConversations({ limit: 1 }));
    expect(error).toBeInstanceOf(AdminApiError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_admin_key' });
    expect((error as Error).message).toContain('ADMIN_API_KEY');
    expect(await catchError(wrong.exportStream({}, 'csv', new AbortController().signal))).toMatchObject({ status: 401 });
  });

  it('says so when the server cannot be reached', async () => {
    const closed = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
    const url = `http://127.0.0.1:${closed.port}`;
    await closed.stop(true);
    const error = await catchError(createAdminApi({ baseUrl: url, adminKey: 'k' }).stats({ from: 0, to: 1 }));
    expect(error).toMatchObject({ status: 502, code: 'api_unreachable' });
  });
});
