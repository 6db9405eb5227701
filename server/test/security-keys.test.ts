/** Keys: constant-time comparison for both keys, 401 JSON for a missing or wrong one, 503 while admin is off, production refuses short keys. */
import { afterAll, beforeAll, describe, expect, it, spyOn } from 'bun:test';
import { loadConfig } from '../src/config.ts';
import * as keys from '../src/security/secrets.ts';
import { keyCheck, safeEqual } from '../src/security/secrets.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('safeEqual', () => {
  it('is true only for identical strings, whatever the lengths', () => {
    expect(safeEqual('same-key-123', 'same-key-123')).toBe(true);
    expect(safeEqual('same-key-123', 'same-key-124')).toBe(false);
    expect(safeEqual('short', 'a-much-longer-expected-key-0123456789')).toBe(false);
    expect(safeEqual('a-much-longer-given-key-0123456789', 'short')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
    expect(safeEqual('key\u0000', 'key')).toBe(false);
    expect(safeEqual('clé-🔑', 'clé-🔑')).toBe(true);
    expect(safeEqual('k'.repeat(100_000), 'k'.repeat(99_999))).toBe(false);
  });

  it('gives the same answers through keyCheck, which hashes the configured key once', () => {
    const pairs: Array<[string, string]> = [
      ['same-key-123', 'same-key-123'],
      ['same-key-123', 'same-key-124'],
      ['short', 'a-much-longer-expected-key-0123456789'],
      ['', 'x'],
      ['key\u0000', 'key'],
      ['clé-🔑', 'clé-🔑'],
    ];
    for (const [given, expected] of pairs) expect(keyCheck(expected)(given)).toBe(safeEqual(given, expected));
  });
});

describe('key gates on a real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('accepts the widget key from x-api-key or x-widget-api-key', async () => {
    for (const header of ['x-api-key', 'x-widget-api-key']) {
      const response = await fetch(`${server.url}/v1/chat/history`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [header]: server.widgetKey },
        body: JSON.stringify({ sessionId: 'keys-session-0001' }),
      });
      expect(response.status).toBe(200);
    }
  });

  it('answers 401 JSON for a missing or wrong widget key, and never takes the admin key for it', async () => {
    for (const [headers, code] of [
      [{}, 'missing_api_key'],
      [{ 'x-api-key': 'wrong' }, 'invalid_api_key'],
      [{ 'x-api-key': server.adminKey }, 'invalid_api_key'],
      [{ 'x-widget-api-key': server.widgetKey.slice(0, -1) }, 'invalid_api_key'],
    ] as const) {
      const response = await fetch(`${server.url}/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ sessionId: 'keys-2', message: 'hi' }) });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: expect.any(String), code });
    }
    expect(server.fakeLlm.requests).toHaveLength(0);
  });

  it('answers 401 JSON for a missing or wrong admin key, and never takes the widget key for it', async () => {
    for (const [headers, code] of [
      [{}, 'missing_admin_key'],
      [{ 'x-admin-api-key': 'wrong' }, 'invalid_admin_key'],
      [{ 'x-admin-api-key': server.widgetKey }, 'invalid_admin_key'],
      [{ 'x-api-key': server.adminKey }, 'missing_admin_key'],
    ] as const) {
      const response = await fetch(`${server.url}/v1/admin/conversations`, { headers });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: expect.any(String), code });
    }
  });

  it('compares both keys in constant time: a keyCheck made from each configured key decides, and is obeyed', async () => {
    const asked: Array<[string, string]> = [];
    const spy = spyOn(keys, 'keyCheck').mockImplementation((expected: string) => (given: string) => {
      asked.push([given, expected]);
      return true;
    });
    const own = await startTestServer();
    try {
      expect(spy.mock.calls).toContainEqual([own.widgetKey]);
      expect(spy.mock.calls).toContainEqual([own.adminKey]);
      // Proof that the decision is the checker's and not a `===` beside it: when it says yes, a wrong key passes.
      expect((await own.post('/v1/chat/history', { sessionId: 'keys-session-0003' }, { 'x-api-key': 'wrong' })).status).toBe(200);
      expect((await own.admin('/v1/admin/conversations', { headers: { 'x-admin-api-key': 'wrong-admin' } })).status).toBe(200);
      expect(asked).toContainEqual(['wrong', own.widgetKey]);
      expect(asked).toContainEqual(['wrong-admin', own.adminKey]);
    } finally {
      spy.mockRestore();
      await own.stop();
    }
  });
});

describe('admin API without an admin key', () => {
  it('answers 503 admin_not_configured on every admin route, whatever key is sent', async () => {
    const server = await startTestServer({ env: { ADMIN_API_KEY: undefined } });
    try {
      for (const path of ['/v1/admin/conversations', '/v1/admin/conversations/x', '/v1/admin/export', '/v1/admin/stats']) {
        for (const headers of [{}, { 'x-admin-api-key': '' }, { 'x-admin-api-key': 'anything' }] as Array<Record<string, string>>) {
          const response = await fetch(server.url + path, { headers });
          expect(response.status).toBe(503);
          expect(await response.json()).toEqual({ error: expect.stringContaining('ADMIN_API_KEY'), code: 'admin_not_configured' });
        }
      }
    } finally {
      await server.stop();
    }
  });
});

describe('production key rules', () => {
  const production = { NODE_ENV: 'production', CORS_ORIGIN: 'https://example.com', WIDGET_API_KEY: '5be1c9d3f7a2e6b0d4c8a1f5', ADMIN_API_KEY: '0e7a3c9f1b5d8e2a6c4f0b9d' };
  it('boots with keys of 24 characters or more', () => {
    expect(loadConfig(production).problems).toEqual([]);
  });
  it('refuses a widget or admin key shorter than 24 characters, and a missing widget key', () => {
    expect(loadConfig({ ...production, WIDGET_API_KEY: production.WIDGET_API_KEY.slice(1) }).problems.join('\n')).toContain('WIDGET_API_KEY is too short');
    expect(loadConfig({ ...production, ADMIN_API_KEY: production.ADMIN_API_KEY.slice(1) }).problems.join('\n')).toContain('ADMIN_API_KEY is too short');
    expect(loadConfig({ ...production, WIDGET_API_KEY: undefined }).problems.join('\n')).toContain('WIDGET_API_KEY is required');
  });
});
