/**
 * The page URL a visitor sends (body `pageUrl`, or the Referer header) becomes a link in the dashboard and a column in
 * exports: only http(s) is kept, and only origin + path (issue 11, findings 3 and 4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { storablePageUrl } from '../src/chat/page-url.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('storablePageUrl', () => {
  it('keeps origin and path of http(s) URLs, without query, fragment or credentials', () => {
    expect(storablePageUrl('https://shop.example/reset-password?token=s3cret&email=a%40b.c#frag')).toBe('https://shop.example/reset-password');
    expect(storablePageUrl('http://shop.example:8080/a/b/#access_token=xyz')).toBe('http://shop.example:8080/a/b/');
    expect(storablePageUrl('https://user:pass@shop.example/p')).toBe('https://shop.example/p');
    expect(storablePageUrl('HTTPS://Shop.Example/P%20Q')).toBe('https://shop.example/P%20Q');
  });

  it('stores nothing for other schemes, non-URLs and over-long URLs', () => {
    for (const raw of ['javascript:alert(document.cookie)', 'JavaScript:alert(1)//https://x', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox', 'file:///etc/passwd', 'ftp://x.example/', 'mailto:a@b.c', '/relative/path', 'not a url', '', null, undefined, `https://x.example/${'a'.repeat(2100)}`]) {
      expect(storablePageUrl(raw)).toBeNull();
    }
  });
});

describe('page URL of a chat turn', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  const storedPageUrl = async (sessionId: string) => (await server.store.getSessionThread(sessionId, 10))!.conversation.pageUrl;

  it('stores a javascript: pageUrl from the body as null', async () => {
    const response = await server.post('/v1/chat', { sessionId: 'page-url-js-0001', message: 'hi', pageUrl: 'javascript:alert(document.cookie)' });
    expect(response.status).toBe(200);
    expect(await storedPageUrl('page-url-js-0001')).toBeNull();
  });

  it('stores a javascript: Referer as null', async () => {
    const response = await server.post('/v1/chat', { sessionId: 'page-url-js-0002', message: 'hi' }, { referer: 'javascript:alert(1)' });
    expect(response.status).toBe(200);
    expect(await storedPageUrl('page-url-js-0002')).toBeNull();
  });

  it('strips the query and fragment from a body pageUrl before storing it', async () => {
    await server.post('/chat', { sessionId: 'page-url-qs-0001', message: 'hi', pageUrl: 'https://shop.example/reset?token=s3cret#state=abc' }).then((r) => r.text());
    expect(await storedPageUrl('page-url-qs-0001')).toBe('https://shop.example/reset');
  });

  it('strips the query and fragment from the Referer before storing it', async () => {
    const response = await server.post('/v1/chat', { sessionId: 'page-url-qs-0002', message: 'hi' }, { referer: 'https://shop.example/account?email=a%40b.c&code=123' });
    expect(response.status).toBe(200);
    expect(await storedPageUrl('page-url-qs-0002')).toBe('https://shop.example/account');
  });

  it('does not let the export carry what was stripped', async () => {
    const csv = await (await server.admin('/v1/admin/export?format=csv')).text();
    expect(csv).toContain('https://shop.example/reset');
    for (const secret of ['s3cret', 'state=abc', 'javascript:', 'code=123']) expect(csv).not.toContain(secret);
  });
});
