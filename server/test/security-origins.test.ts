/** Origins: the CORS allow-list (exact and wildcard), preflight, 403 JSON for a foreign page with the chat not run, `*` refused in production. */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { loadConfig } from '../src/config.ts';
import { isOriginAllowed, parseOriginList } from '../src/security/origins.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('origin rules', () => {
  const { rules, problems } = parseOriginList('https://shop.example.com, https://*.example.org, http://localhost:5173');
  it('parses exact origins and wildcard subdomains', () => {
    expect(problems).toEqual([]);
    expect(rules).toHaveLength(3);
  });
  it('allows exactly the listed origins and the subdomains of a wildcard', () => {
    for (const origin of ['https://shop.example.com', 'https://a.example.org', 'https://deep.sub.example.org', 'http://localhost:5173']) {
      expect(isOriginAllowed(origin, rules)).toBe(true);
    }
  });
  it('refuses look-alikes, other schemes and ports, the bare apex of a wildcard, and non-origins', () => {
    for (const origin of [
      'https://shop.example.com.evil.net', 'https://evilshop.example.com', 'http://shop.example.com', 'https://shop.example.com:8443',
      'https://example.org', 'https://evilexample.org', 'https://a.example.org.evil.net', 'http://a.example.org', 'http://localhost:5174',
      'null', '', 'https://shop.example.com/', 'https://SHOP.example.com', 'https://user@shop.example.com', 'file://', '*',
    ]) {
      expect(isOriginAllowed(origin, rules)).toBe(false);
    }
  });
  it('reports entries that are not origins', () => {
    expect(parseOriginList('https://ok.example, example.com, https://x.example/path, *').problems).toHaveLength(3);
  });
  it('refuses * (and a missing list) in production', () => {
    const production = { NODE_ENV: 'production', WIDGET_API_KEY: '5be1c9d3f7a2e6b0d4c8a1f5e9b3d7c2', ADMIN_API_KEY: '0e7a3c9f1b5d8e2a6c4f0b9d3e7a1c5f' };
    expect(loadConfig({ ...production, CORS_ORIGIN: '*' }).problems.join('\n')).toContain('CORS_ORIGIN="*" is refused in production');
    expect(loadConfig({ ...production }).problems.join('\n')).toContain('CORS_ORIGIN is required in production');
    expect(loadConfig({ ...production, CORS_ORIGIN: 'https://a.example,*' }).problems).not.toEqual([]);
    expect(loadConfig({ ...production, CORS_ORIGIN: 'https://a.example' }).problems).toEqual([]);
  });
});

describe('origin guard on a real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { CORS_ORIGIN: 'https://shop.example.com,https://*.example.org' } });
  });
  afterAll(() => server.stop());

  it('answers a foreign page 403 JSON on every chat and admin route, and neither stores nor runs the chat', async () => {
    const chat = { sessionId: 'origin-1', message: 'should never reach the model' };
    for (const path of ['/chat', '/v1/chat', '/v1/chat/stream', '/v1/chat/history', '/v1/chat/feedback']) {
      for (const origin of ['https://evil.example', 'null', 'https://shop.example.com.evil.example']) {
        const response = await server.post(path, chat, { origin });
        expect(response.status).toBe(403);
        expect(response.headers.get('content-type')).toContain('application/json');
        expect(await response.json()).toEqual({ error: expect.stringContaining('CORS_ORIGIN'), code: 'origin_not_allowed' });
        expect(response.headers.get('access-control-allow-origin')).toBeNull();
      }
    }
    const admin = await server.admin('/v1/admin/conversations', { headers: { origin: 'https://evil.example' } });
    expect(admin.status).toBe(403);
    expect(server.fakeLlm.requests).toHaveLength(0);
    expect(await server.store.getSessionThread('origin-1', 10)).toBeNull();
  });

  it('serves an allowed page, with the CORS header naming it', async () => {
    for (const origin of ['https://shop.example.com', 'https://blog.example.org']) {
      const response = await server.post('/v1/chat', { sessionId: 'origin-2', message: 'hi' }, { origin });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    }
  });

  it('answers preflights: allowed origins get the CORS headers, foreign ones 403 JSON', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/chat`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' } });
    const allowed = await preflight('https://blog.example.org');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://blog.example.org');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('x-api-key');
    expect(allowed.headers.get('access-control-allow-headers')).not.toContain('x-admin-api-key');
    const refused = await preflight('https://evil.example');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'origin_not_allowed' });
  });

  it('lets any page load the widget script and health probe (they are public by nature)', async () => {
    expect((await fetch(`${server.url}/health`, { headers: { origin: 'https://evil.example' } })).status).toBe(200);
    expect((await fetch(`${server.url}/widget/chat-widget.js`, { headers: { origin: 'https://evil.example' } })).status).not.toBe(403);
  });
});
