import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { AdminApiError } from '../src/lib/server/admin-api.ts';
import { createKnowledgeApi, type KnowledgeApi } from '../src/lib/server/knowledge-api.ts';
import type { KnowledgeSource } from '../src/lib/knowledge.ts';
import { startTestServer, type TestServer } from '../../server/test/support/server.ts';

let server: TestServer;
let api: KnowledgeApi;

beforeAll(async () => {
  server = await startTestServer();
  api = createKnowledgeApi({ baseUrl: server.url, adminKey: server.adminKey });
});

afterAll(async () => {
  await server?.stop();
});

const catchError = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error);

async function untilSettled(id: string): Promise<KnowledgeSource> {
  for (;;) {
    const source = await api.get(id);
    if (!source) throw new Error(`source ${id} vanished`);
    if (source.status === 'ready' || source.status === 'failed') return source;
    await Bun.sleep(20);
  }
}

/** What the form action passes on: the multipart body's type (with its boundary) and length. */
const headersOf = (request: Request) => ({ contentType: request.headers.get('content-type'), contentLength: request.headers.get('content-length') });

async function multipart(fields: Record<string, Blob | string>, filename = 'guide.md'): Promise<Request> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') form.set(name, value);
    else form.set(name, value, filename);
  }
  // What the form action gets from a browser: a streamed multipart body with its boundary and its length.
  const encoded = new Response(form);
  const contentType = encoded.headers.get('content-type')!;
  const bytes = new Uint8Array(await encoded.arrayBuffer());
  const headers = { 'content-type': contentType, 'content-length': String(bytes.byteLength) };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      // In two pieces, as a network would deliver it.
      controller.enqueue(bytes.slice(0, bytes.byteLength >> 1));
      controller.enqueue(bytes.slice(bytes.byteLength >> 1));
      controller.close();
    },
  });
  return new Request('http://dashboard.test/knowledge?/upload', { method: 'POST', body: stream, headers, duplex: 'half' } as RequestInit);
}

describe('knowledge API client (against the real server)', () => {
  it('adds a pasted text, follows it to ready, and lists it with the mode', async () => {
    const added = await api.addText({ title: 'Returns policy', text: '# Returns\n\nItems can be returned within 30 days.' });
    expect(added).toMatchObject({ kind: 'text', title: 'Returns policy', status: 'queued' });
    const ready = await untilSettled(added.id);
    expect(ready).toMatchObject({ status: 'ready', chunkCount: 1 });
    const overview = await api.list();
    expect(overview.mode).toBe('auto');
    expect(overview.sources.map((source) => source.id)).toContain(added.id);
  });

  it('passes a streamed multipart upload on as it is', async () => {
    const request = await multipart({ file: new Blob(['# Guide\n\nThe lamp needs a 12 V adapter.'], { type: 'text/markdown' }), title: '' });
    const added = await api.upload(request.body!, headersOf(request));
    // An empty title field (the form's default) leaves the title to the document: its first heading.
    expect(added).toMatchObject({ kind: 'file', title: 'Guide', format: 'markdown' });
    expect((await untilSettled(added.id)).status).toBe('ready');

    const titled = await multipart({ file: new Blob(['Plain notes.'], { type: 'text/plain' }), title: 'Workshop notes' }, 'notes.txt');
    expect(await api.upload(titled.body!, headersOf(titled))).toMatchObject({ title: 'Workshop notes', format: 'text' });
  });

  it("turns the server's refusals into errors with its code and sentence", async () => {
    const empty = await multipart({ file: new Blob([], { type: 'text/markdown' }) }, 'empty.md');
    const refused = await catchError(api.upload(empty.body!, headersOf(empty)));
    expect(refused).toBeInstanceOf(AdminApiError);
    expect(refused).toMatchObject({ code: 'empty_file', status: 400 });

    const url = await catchError(api.addUrl({ url: 'http://127.0.0.1:1/private' }));
    expect(url).toMatchObject({ code: 'url_refused' });

    const text = await api.addText({ title: 'Not a page', text: 'Plain words.' });
    expect(await catchError(api.refetch(text.id))).toMatchObject({ code: 'not_refetchable', status: 409 });
  });

  it('deletes once, then says it was not there; unknown and malformed ids never reach a path', async () => {
    const added = await api.addText({ title: 'Temporary', text: 'Short-lived.' });
    expect(await api.remove(added.id)).toBe(true);
    expect(await api.remove(added.id)).toBe(false);
    expect(await api.get(added.id)).toBeNull();

    const seen: string[] = [];
    const spy = createKnowledgeApi({
      baseUrl: server.url,
      adminKey: server.adminKey,
      fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
        seen.push(String(input instanceof Request ? input.url : input));
        return fetch(input, init);
      }) as typeof fetch,
    });
    for (const id of ['../../conversations', 'a/b', 'x?y=1', '%2e%2e', '']) {
      expect(await spy.get(id)).toBeNull();
      expect(await spy.remove(id)).toBe(false);
      expect(await spy.refetch(id)).toBeNull();
    }
    expect(seen).toEqual([]);
  });

  it('reports a wrong admin key and an unreachable server in words a person can act on', async () => {
    const wrongKey = createKnowledgeApi({ baseUrl: server.url, adminKey: 'wrong' });
    expect(await catchError(wrongKey.list())).toMatchObject({ status: 401, message: expect.stringContaining('ADMIN_API_KEY') });
    const nowhere = createKnowledgeApi({ baseUrl: 'http://127.0.0.1:1', adminKey: 'x' });
    expect(await catchError(nowhere.list())).toMatchObject({ status: 502, code: 'api_unreachable' });
  });
});
