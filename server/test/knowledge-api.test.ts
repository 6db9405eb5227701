/**
 * The knowledge base end to end over real HTTP on loopback, with a real SQLite file: upload → ready → a cited
 * answer; a sitemap served by a local site; SSRF refusals; bad input leaving the knowledge base untouched; a deleted
 * source never cited again; the embeddings server down. The model is the fake one (its embeddings are hashed words).
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import type { KnowledgeSource } from '../src/knowledge/schemas.ts';
import { startFakeLlm, type FakeLlm, type FakeLlmRequest } from './support/fake-llm.ts';
import { html, postJson, settled, sources, startTestSite, upload, xml, type TestSite } from './support/knowledge-http.ts';
import { readAllNdjson } from './support/ndjson.ts';
import { makePdf } from './support/pdf-fixture.ts';
import { NO_LIMITS_ENV, startTestServer, type TestServer } from './support/server.ts';

const HANDBOOK = `# Acme handbook

## Returns

Customers may return a purple teapot within 45 days of delivery for a full refund.

## Support hours

Our support desk answers on weekdays from 8:00 to 17:00 Lisbon time.
`;

const systemOf = (request: FakeLlmRequest) => request.body.messages?.find((m) => m.role === 'system')?.content ?? '';

let fakeLlm: FakeLlm;
let server: TestServer;
let site: TestSite;

beforeAll(async () => {
  fakeLlm = await startFakeLlm({ kind: 'reply', tokens: ['Within 45 days', ' [1].'] });
  site = startTestSite({
    '/sitemap.xml': (origin) =>
      xml(`<?xml version="1.0"?><urlset><url><loc>${origin}/shipping</loc></url><url><loc>${origin}/warranty</loc></url><url><loc>https://elsewhere.example/x</loc></url></urlset>`),
    '/shipping': () => html(`<nav>Home Shop</nav><main><h1>Shipping</h1><p>Parcels to Madeira travel by cargo ship and arrive in eleven days.</p></main>`, 'Shipping'),
    '/warranty': () => html(`<main><h1>Warranty</h1><p>Every kettle carries a seven year warranty against rust.</p></main>`, 'Warranty'),
    '/index-a.xml': (origin) => xml(`<sitemapindex><sitemap><loc>${origin}/index-b.xml</loc></sitemap></sitemapindex>`),
    '/index-b.xml': (origin) => xml(`<sitemapindex><sitemap><loc>${origin}/index-a.xml</loc></sitemap></sitemapindex>`),
    '/to-private': () => new Response(null, { status: 302, headers: { location: 'http://www.site.test/inside' } }),
    '/to-other-site': () => new Response(null, { status: 302, headers: { location: 'http://127.0.0.2/' } }),
  });
  server = await startTestServer({
    fakeLlm,
    env: { ...NO_LIMITS_ENV, KNOWLEDGE_FETCH_ALLOW_LOOPBACK: 'true', KNOWLEDGE_MAX_FILE_BYTES: '4096' },
    // site.test is the local site; www.site.test (same site) resolves into a private network.
    resolve: async (host) => (host === 'site.test' ? ['127.0.0.1'] : host === 'www.site.test' ? ['10.0.0.7'] : ['93.184.216.34']),
  });
});

afterAll(async () => {
  await server.stop();
  await site.stop();
  await fakeLlm.stop();
});

async function addReady(response: Response): Promise<KnowledgeSource> {
  expect(response.status).toBe(202);
  const queued = (await response.json()) as KnowledgeSource;
  expect(['queued', 'indexing', 'ready']).toContain(queued.status);
  const source = await settled(server, queued.id);
  expect(source).toMatchObject({ status: 'ready', error: null });
  return source;
}

async function ask(message: string, sessionId: string = crypto.randomUUID()) {
  const response = await server.post('/v1/chat', { sessionId, message });
  expect(response.status).toBe(200);
  return (await response.json()) as { message: string; messageId: string; conversationId: string; sources: Array<{ title: string; url: string | null; snippet: string }> };
}

describe('knowledge base over HTTP', () => {
  it('indexes an uploaded Markdown file and answers from it with a citation, keeping what the model was shown', async () => {
    const source = await addReady(await upload(server, 'handbook.md', HANDBOOK));
    expect(source).toMatchObject({ kind: 'file', format: 'markdown', title: 'Acme handbook', pageCount: 1 });
    expect(source.chunkCount).toBeGreaterThan(0);
    expect(source.chunksDone).toBe(source.chunkCount);
    expect(source.indexedAt).toBeNumber();

    const reply = await ask('How long can I return the purple teapot?');
    const sent = systemOf(fakeLlm.requests.at(-1)!);
    expect(sent).toContain('purple teapot within 45 days');
    expect(sent).toContain('do not hold the answer');
    expect(reply.sources).toEqual([{ title: 'Acme handbook', url: null, snippet: expect.stringContaining('purple teapot within 45 days') }]);

    const thread = (await (await server.admin(`/v1/admin/conversations/${reply.conversationId}`)).json()) as {
      messages: Array<{ id: string; role: string; retrievedChunks: Array<{ title: string; headingPath: string[]; text: string; sourceId: string }> }>;
    };
    const assistant = thread.messages.find((m) => m.id === reply.messageId)!;
    expect(assistant.retrievedChunks[0]).toMatchObject({ sourceId: source.id, title: 'Acme handbook', headingPath: ['Acme handbook', 'Returns'] });
    expect(thread.messages.find((m) => m.role === 'user')!.retrievedChunks).toEqual([]);
  });

  it('gives the citations of earlier replies in the visitor\'s history, as the done event gave them', async () => {
    const sessionId = `history-${crypto.randomUUID()}`;
    const reply = await ask('How long can I return the purple teapot?', sessionId);
    const history = (await (await server.post('/v1/chat/history', { sessionId })).json()) as { messages: Array<{ id: string; role: string; sources: unknown[] }> };
    expect(history.messages.find((m) => m.id === reply.messageId)!.sources).toEqual(reply.sources);
    expect(history.messages.find((m) => m.role === 'user')!.sources).toEqual([]);
  });

  it('carries the citations in the stream\'s done event', async () => {
    const response = await server.post('/v1/chat/stream', { sessionId: crypto.randomUUID(), message: 'When does the support desk answer?' });
    const events = await readAllNdjson(response);
    const done = events.at(-1) as unknown as { type: string; sources: Array<{ title: string; snippet: string }> };
    expect(done.type).toBe('done');
    expect(done.sources.map((s) => s.title)).toContain('Acme handbook');
  });

  it('indexes pasted text and an HTML and a PDF upload', async () => {
    const text = await addReady(await postJson(server, '/v1/admin/knowledge/texts', { title: 'Opening times', text: 'The Porto shop opens at 10:30 on Sundays.' }));
    expect(text).toMatchObject({ kind: 'text', title: 'Opening times', chunkCount: 1 });
    const page = await addReady(await upload(server, 'faq.html', '<html><head><title>FAQ</title></head><body><h1>FAQ</h1><p>Gift cards never expire.</p></body></html>'));
    expect(page).toMatchObject({ format: 'html', title: 'FAQ' });
    const pdf = await addReady(await upload(server, 'terms.pdf', makePdf(['Invoices are payable within fourteen days.'])));
    expect(pdf).toMatchObject({ format: 'pdf', title: 'terms.pdf' });

    const reply = await ask('Do gift cards expire?');
    expect(reply.sources.map((s) => s.title)).toContain('FAQ');
  });

  it('indexes every same-site page of a sitemap served by a local site, citing the page URL', async () => {
    const response = await postJson(server, '/v1/admin/knowledge/urls', { url: `${site.url}/sitemap.xml` });
    const source = await addReady(response);
    expect(source).toMatchObject({ kind: 'sitemap', url: `${site.url}/sitemap.xml`, pageCount: 2 });
    expect(site.hits).toContain('/shipping');
    expect(site.hits).toContain('/warranty');

    const reply = await ask('How many days do parcels to Madeira take?');
    expect(reply.sources).toContainEqual({ title: 'Shipping', url: `${site.url}/shipping`, snippet: expect.stringContaining('eleven days') });
  });

  it('re-fetches a page source on demand', async () => {
    const added = await addReady(await postJson(server, '/v1/admin/knowledge/urls', { url: `${site.url}/warranty` }));
    expect(added).toMatchObject({ kind: 'url', title: 'Warranty' });
    const before = site.hits.filter((p) => p === '/warranty').length;
    const again = await server.admin(`/v1/admin/knowledge/${added.id}/refetch`, { method: 'POST' });
    expect(again.status).toBe(202);
    const ready = await settled(server, added.id);
    expect(ready.status).toBe('ready');
    expect(ready.indexedAt!).toBeGreaterThanOrEqual(added.indexedAt!);
    expect(site.hits.filter((p) => p === '/warranty').length).toBe(before + 1);
    const text = (await postJson(server, '/v1/admin/knowledge/texts', { title: 'T', text: 'x y z' }).then((r) => r.json())) as KnowledgeSource;
    const refused = await server.admin(`/v1/admin/knowledge/${text.id}/refetch`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'not_refetchable' });
  });

  it('refuses bad input with a clear 4xx and leaves the knowledge base untouched', async () => {
    const before = await sources(server);
    const cases: Array<[Promise<Response>, number, string]> = [
      [upload(server, 'empty.md', ''), 400, 'empty_file'],
      [upload(server, 'photo.md', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52])), 400, 'not_text'],
      [upload(server, 'big.txt', 'a'.repeat(5000)), 413, 'file_too_large'],
      [upload(server, 'huge.txt', 'a'.repeat(40_000)), 413, 'file_too_large'],
      [upload(server, 'broken.pdf', '%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntruncated'), 400, 'invalid_pdf'],
      [upload(server, 'script.exe', 'MZ'), 415, 'unsupported_file_type'],
      [postJson(server, '/v1/admin/knowledge/urls', { url: `${site.url}/index-a.xml` }), 400, 'sitemap_loop'],
      [postJson(server, '/v1/admin/knowledge/urls', { url: `${site.url}/missing` }), 400, 'fetch_failed'],
      [postJson(server, '/v1/admin/knowledge/urls', { url: 'ftp://example.com/x' }), 400, 'invalid_url'],
      [postJson(server, '/v1/admin/knowledge/texts', { title: 'Blank', text: '   ' }), 400, 'empty_text'],
    ];
    for (const [pending, status, code] of cases) {
      const response = await pending;
      const body = (await response.json()) as { error: string; code: string };
      expect({ status: response.status, code: body.code }).toEqual({ status, code });
      expect(body.error.length).toBeGreaterThan(10);
    }
    expect(await sources(server)).toEqual(before);
    expect((await ask('How long can I return the purple teapot?')).sources.map((s) => s.title)).toContain('Acme handbook');
  });

  it('refuses SSRF targets: private and link-local addresses, names resolving into private networks, redirects there or to another site', async () => {
    const before = await sources(server);
    for (const url of [
      'http://10.0.0.1/',
      'http://192.168.1.1/admin',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00::1]/',
      'http://[::ffff:10.0.0.1]/',
      'http://www.site.test/',
      `http://site.test:${site.port}/to-private`,
      `${site.url}/to-other-site`,
    ]) {
      const response = await postJson(server, '/v1/admin/knowledge/urls', { url });
      expect({ url, status: response.status, code: ((await response.json()) as { code: string }).code }).toEqual({ url, status: 400, code: 'url_refused' });
    }
    expect(await sources(server)).toEqual(before);
  });

  it('never cites a deleted source again, and 404s it afterwards', async () => {
    const source = await addReady(await postJson(server, '/v1/admin/knowledge/texts', { title: 'Llama policy', text: 'Llamas are welcome in the Braga store on Tuesdays.' }));
    expect((await ask('Are llamas welcome in Braga?')).sources.map((s) => s.title)).toContain('Llama policy');

    const deleted = await server.admin(`/v1/admin/knowledge/${source.id}`, { method: 'DELETE' });
    expect(await deleted.json()).toEqual({ deleted: true });
    const reply = await ask('Are llamas welcome in Braga?');
    expect(reply.sources.map((s) => s.title)).not.toContain('Llama policy');
    expect(systemOf(fakeLlm.requests.at(-1)!)).not.toContain('Llamas are welcome');
    expect((await server.admin(`/v1/admin/knowledge/${source.id}`)).status).toBe(404);
    expect((await server.admin(`/v1/admin/knowledge/${source.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('keeps a consistent knowledge base under parallel adds, deletes and re-fetches while indexing', async () => {
    const texts = Array.from({ length: 12 }, (_, i) => `Zebra crossing rule ${i}: wait for the green walker number ${i}.`);
    const added = await Promise.all(texts.map((text, i) => postJson(server, '/v1/admin/knowledge/texts', { title: `Parallel ${i}`, text }).then((r) => r.json() as Promise<KnowledgeSource>)));
    const deleted = added.filter((_, i) => i % 3 === 0);
    const page = await addReady(await postJson(server, '/v1/admin/knowledge/urls', { url: `${site.url}/shipping` }));
    const answers = await Promise.all([
      ...deleted.map((source) => server.admin(`/v1/admin/knowledge/${source.id}`, { method: 'DELETE' })),
      ...Array.from({ length: 3 }, () => server.admin(`/v1/admin/knowledge/${page.id}/refetch`, { method: 'POST' })),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([...deleted.map(() => 200), 202, 202, 202].sort());
    const kept = added.filter((_, i) => i % 3 !== 0);
    for (const source of kept) expect((await settled(server, source.id)).status).toBe('ready');
    expect((await settled(server, page.id)).status).toBe('ready');

    const found = await server.knowledge.store.searchText('zebra crossing green walker', 50);
    expect(new Set(found.map((hit) => hit.sourceId))).toEqual(new Set(kept.map((source) => source.id)));
    const pageHits = (await server.knowledge.store.searchText('Madeira cargo ship eleven days', 50)).filter((hit) => hit.sourceId === page.id);
    expect(pageHits).toHaveLength(1); // three re-fetches, one searchable version
  });

  it('answers with full-text retrieval only when the embeddings server is down, logging it', async () => {
    fakeLlm.embeddings.failStatus = 503;
    try {
      const reply = await ask('purple teapot return days');
      expect(reply.sources.map((s) => s.title)).toContain('Acme handbook');
      expect(server.logs.some((line) => line.includes('vector retrieval failed'))).toBe(true);
    } finally {
      fakeLlm.embeddings.failStatus = null;
    }
  });

  it('fails a source with the reason when the embeddings server stays down while indexing', async () => {
    fakeLlm.embeddings.failStatus = 500;
    try {
      const response = await postJson(server, '/v1/admin/knowledge/texts', { title: 'Doomed', text: 'This text cannot be embedded.' });
      const source = await settled(server, ((await response.json()) as KnowledgeSource).id);
      expect(source.status).toBe('failed');
      expect(source.error).toContain('embeddings server');
    } finally {
      fakeLlm.embeddings.failStatus = null;
    }
  });

  it('asks for the admin key and lists the mode', async () => {
    const anonymous = await fetch(`${server.url}/v1/admin/knowledge`);
    expect(anonymous.status).toBe(401);
    const list = (await (await server.admin('/v1/admin/knowledge')).json()) as { mode: string; embeddings: boolean };
    expect(list).toMatchObject({ mode: 'auto', embeddings: true });
    const doc = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/admin/knowledge', '/v1/admin/knowledge/files', '/v1/admin/knowledge/urls', '/v1/admin/knowledge/{id}/refetch']));
  });
});

describe('knowledge fetcher without the loopback switch', () => {
  it('refuses loopback addresses and names that resolve to them', async () => {
    const strict = await startTestServer({ fakeLlm, env: NO_LIMITS_ENV });
    try {
      for (const url of [`${site.url}/sitemap.xml`, `http://localhost:${site.port}/shipping`, `http://[::1]:${site.port}/`, `http://2130706433:${site.port}/`]) {
        const response = await postJson(strict, '/v1/admin/knowledge/urls', { url });
        expect({ url, status: response.status, code: ((await response.json()) as { code: string }).code }).toEqual({ url, status: 400, code: 'url_refused' });
      }
      expect(await sources(strict)).toEqual([]);
    } finally {
      await strict.stop();
    }
  });
});

describe('knowledge base on Convex (the real functions behind the fake deployment)', () => {
  it('indexes an upload, cites it, and stops citing it once deleted', async () => {
    const { configureDeploymentSecret, FAKE_CONVEX_SECRET, startFakeConvex } = await import('./support/fake-convex.ts');
    const { createConvexKnowledgeStore } = await import('../src/knowledge/store/convex.ts');
    const restore = configureDeploymentSecret();
    const deployment = await startFakeConvex();
    const onConvex = await startTestServer({
      fakeLlm,
      env: NO_LIMITS_ENV,
      knowledgeStore: createConvexKnowledgeStore({ url: deployment.url, secret: FAKE_CONVEX_SECRET }),
    });
    try {
      const response = await upload(onConvex, 'handbook.md', HANDBOOK);
      expect(response.status).toBe(202);
      const source = await settled(onConvex, ((await response.json()) as KnowledgeSource).id);
      expect(source).toMatchObject({ status: 'ready', title: 'Acme handbook' });
      const askConvex = async () =>
        ((await (await onConvex.post('/v1/chat', { sessionId: crypto.randomUUID(), message: 'How long can I return the purple teapot?' })).json()) as { sources: Array<{ title: string }> }).sources;
      expect((await askConvex()).map((s) => s.title)).toEqual(['Acme handbook']);
      expect(deployment.calls.some((call) => call.kind === 'action' && call.path === 'knowledge:searchVector')).toBe(true);

      await onConvex.admin(`/v1/admin/knowledge/${source.id}`, { method: 'DELETE' });
      expect(await askConvex()).toEqual([]);
    } finally {
      await onConvex.stop();
      await deployment.stop();
      restore();
    }
  });
});

describe('KNOWLEDGE_MODE=off', () => {
  it('refuses new sources and retrieves nothing', async () => {
    const off = await startTestServer({ fakeLlm, env: { ...NO_LIMITS_ENV, KNOWLEDGE_MODE: 'off' } });
    try {
      const refused = await postJson(off, '/v1/admin/knowledge/texts', { title: 'T', text: 'Some text.' });
      expect(refused.status).toBe(409);
      expect(await refused.json()).toMatchObject({ code: 'knowledge_disabled' });
      const reply = (await (await off.post('/v1/chat', { sessionId: crypto.randomUUID(), message: 'hello' })).json()) as { sources: unknown[] };
      expect(reply.sources).toEqual([]);
      expect((await (await off.admin('/v1/admin/knowledge')).json()) as object).toMatchObject({ mode: 'off', sources: [] });
    } finally {
      await off.stop();
    }
  });
});
