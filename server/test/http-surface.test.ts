/** The HTTP surface every client sees: the OpenAPI document, the widget bundle route, the demo page, error shapes. */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let dir: string;
let bundlePath: string;
const BUNDLE = `(()=>{console.log(${JSON.stringify('open chat widget '.repeat(200))})})();`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ocw-http-'));
  bundlePath = join(dir, 'chat-widget.js');
  writeFileSync(bundlePath, BUNDLE);
  writeFileSync(join(dir, 'demo.html'), '<html><body data-url="{{apiUrl}}" data-key="{{apiKey}}"></body></html>');
  server = await startTestServer({ env: { WIDGET_BUNDLE_PATH: bundlePath, DEMO_PAGE: 'true', PUBLIC_URL: 'https://chat.example.com' } });
  server.config.widget.demoTemplatePath = join(dir, 'demo.html');
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /v1/openapi.json', () => {
  it('is an OpenAPI 3 document describing every route with its body, replies and error replies', async () => {
    const response = await fetch(`${server.url}/v1/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as any;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('Open Chat Widget API');
    const paths = Object.keys(doc.paths);
    for (const path of ['/health', '/health/ready', '/chat', '/v1/chat', '/v1/chat/stream', '/v1/chat/history', '/v1/chat/feedback', '/v1/admin/conversations', '/v1/admin/conversations/{id}', '/v1/admin/export', '/v1/admin/stats', '/widget/chat-widget.js']) {
      expect(paths).toContain(path);
    }
    for (const path of ['/chat', '/v1/chat', '/v1/chat/stream', '/v1/chat/history', '/v1/chat/feedback']) {
      const post = doc.paths[path].post;
      const schema = post.requestBody.content['application/json'].schema;
      const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema;
      // History and feedback read a stored conversation back: there the session id is a secret of 16+ characters.
      const minLength = path === '/v1/chat/history' || path === '/v1/chat/feedback' ? 16 : 1;
      expect(resolved.properties.sessionId.pattern).toBe(`^[A-Za-z0-9._:-]{${minLength},128}$`);
      for (const status of ['200', '400', '401', '429']) expect(Object.keys(post.responses)).toContain(status);
      const error = post.responses['400'].content['application/json'].schema;
      const errorSchema = error.$ref ? doc.components.schemas[error.$ref.split('/').pop()] : error;
      expect(Object.keys(errorSchema.properties).sort()).toEqual(['code', 'error']);
    }
    expect(doc.paths['/v1/chat'].post.requestBody.content['application/json'].schema).toBeDefined();
    expect(doc.paths['/v1/admin/conversations'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['cursor', 'feedback', 'from', 'limit', 'problem', 'q', 'to']);
  });
});

describe('GET /widget/chat-widget.js', () => {
  it('serves the bundle as JavaScript with an ETag and cache headers, brotli or gzip as accepted', async () => {
    const plain = await fetch(`${server.url}/widget/chat-widget.js`, { headers: { 'accept-encoding': 'identity' }, decompress: false });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(plain.headers.get('cache-control')).toContain('max-age=');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(BUNDLE);
    const etag = plain.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);

    const br = await fetch(`${server.url}/widget/chat-widget.js`, { headers: { 'accept-encoding': 'gzip, br' }, decompress: false });
    expect(br.headers.get('content-encoding')).toBe('br');
    const brBytes = new Uint8Array(await br.arrayBuffer());
    expect(brBytes.byteLength).toBeLessThan(BUNDLE.length / 5);
    expect(brotliDecompressSync(brBytes).toString()).toBe(BUNDLE);

    const gz = await fetch(`${server.url}/widget/chat-widget.js`, { headers: { 'accept-encoding': 'gzip' }, decompress: false });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(new Uint8Array(await gz.arrayBuffer())).toString()).toBe(BUNDLE);

    const revalidated = await fetch(`${server.url}/widget/chat-widget.js`, { headers: { 'if-none-match': etag } });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe('');
  });

  it('serves a rebuilt bundle with a new ETag', async () => {
    const before = (await fetch(`${server.url}/widget/chat-widget.js`)).headers.get('etag');
    writeFileSync(bundlePath, BUNDLE + '\n// rebuilt');
    const after = await fetch(`${server.url}/widget/chat-widget.js`);
    expect(after.headers.get('etag')).not.toBe(before);
    expect(await after.text()).toEndWith('// rebuilt');
    writeFileSync(bundlePath, BUNDLE);
  });

  it('answers 404 JSON naming the build command while no bundle is built', async () => {
    const bare = await startTestServer({ env: { WIDGET_BUNDLE_PATH: join(dir, 'missing.js') } });
    try {
      const response = await fetch(`${bare.url}/widget/chat-widget.js`);
      expect(response.status).toBe(404);
      const body = (await response.json()) as { code: string; error: string };
      expect(body.code).toBe('widget_not_built');
      expect(body.error).toContain('bun run build');
    } finally {
      await bare.stop();
    }
  });
});

describe('the demo page', () => {
  it('embeds the widget with the public URL and key, HTML-escaped, under a strict CSP', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toStartWith('text/html');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).toContain('data-url="https://chat.example.com"');
    expect(html).toContain(`data-key="${server.widgetKey}"`);
  });

  it('is off in production unless DEMO_PAGE=true', async () => {
    const production = await startTestServer({ env: { NODE_ENV: 'production', CORS_ORIGIN: 'https://shop.example' } });
    try {
      const response = await fetch(`${production.url}/`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(response.headers.get('strict-transport-security')).toContain('max-age=');
    } finally {
      await production.stop();
    }
  });
});

describe('errors', () => {
  it('answers unknown routes and wrong methods with 404 JSON, never HTML', async () => {
    for (const [method, path] of [['GET', '/nope'], ['GET', '/v1/chat'], ['PUT', '/v1/chat'], ['GET', '/../../etc/passwd']] as const) {
      const response = await fetch(`${server.url}${path}`, { method });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(((await response.json()) as { code: string }).code).toBe('not_found');
    }
  });

  it('maps validation failures to 400 with a sentence naming the field', async () => {
    const response = await server.post('/v1/chat', { sessionId: 'has spaces!', message: 'hi' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; error: string };
    expect(body.code).toBe('validation_failed');
    expect(body.error).toContain('sessionId');
  });

  it('refuses a message over MAX_MESSAGE_CHARS, non-JSON bodies and oversized bodies', async () => {
    const long = await server.post('/v1/chat', { sessionId: 'limits', message: 'x'.repeat(4001) });
    expect(long.status).toBe(400);
    const text = await fetch(`${server.url}/v1/chat`, { method: 'POST', headers: { 'x-api-key': server.widgetKey, 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(415);
    const big = await server.post('/v1/chat', { sessionId: 'limits', message: 'x'.repeat(70_000) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { code: string }).code).toBe('payload_too_large');
  });
});
