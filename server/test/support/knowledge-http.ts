/** Small helpers for the knowledge-base HTTP tests: upload, add, wait for a state, and a local test site. */
import type { KnowledgeSource } from '../../src/knowledge/schemas.ts';
import type { TestServer } from './server.ts';

export async function upload(server: TestServer, fileName: string, content: string | Uint8Array, title?: string): Promise<Response> {
  const form = new FormData();
  form.append('file', new File([typeof content === 'string' ? content : new Uint8Array(content)], fileName));
  if (title) form.append('title', title);
  return server.admin('/v1/admin/knowledge/files', { method: 'POST', body: form });
}

export function postJson(server: TestServer, path: string, body: unknown): Promise<Response> {
  return server.admin(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

export async function sources(server: TestServer): Promise<KnowledgeSource[]> {
  return ((await (await server.admin('/v1/admin/knowledge')).json()) as { sources: KnowledgeSource[] }).sources;
}

/** Polls the source until it leaves queued/indexing (the test's own timeout bounds the wait). */
export async function settled(server: TestServer | { admin: TestServer['admin'] }, id: string): Promise<KnowledgeSource> {
  for (;;) {
    const source = (await (await server.admin(`/v1/admin/knowledge/${id}`)).json()) as KnowledgeSource;
    if (source.status === 'ready' || source.status === 'failed') return source;
    await Bun.sleep(15);
  }
}

export interface TestSite {
  url: string;
  port: number;
  hits: string[];
  stop(): Promise<void>;
}

/** A small website on a loopback port: routes map a path to a Response factory. */
export function startTestSite(routes: Record<string, (origin: string) => Response>): TestSite {
  const hits: string[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request) {
      const { pathname, origin } = new URL(request.url);
      hits.push(pathname);
      const route = routes[pathname];
      return route ? route(origin) : new Response('not found', { status: 404 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, port: server.port!, hits, stop: () => server.stop(true) };
}

export const html = (body: string, title = 'Page') =>
  new Response(`<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`, { headers: { 'content-type': 'text/html; charset=utf-8' } });
export const xml = (body: string) => new Response(body, { headers: { 'content-type': 'application/xml' } });
