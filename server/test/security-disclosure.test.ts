/**
 * Smaller findings of the second security review (issue 11, finding 8, server parts): C1 control characters refused
 * like the C0 ones, a public readiness probe that names the failing part but not the model or the store's error text
 * (those are for the admin key), and an origin guard that no longer trusts an Origin just because it equals the Host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { openSqliteStore } from '../src/store/sqlite/store.ts';
import type { ChatStore } from '../src/store/chat-store.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('C1 control characters', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('refuses U+0085 (NEL) and the other C1 controls in a message, like the C0 ones', async () => {
    for (const control of ['\u0085', '\u0080', '\u009b', '\u009f']) {
      const response = await server.post('/v1/chat', { sessionId: 'c1-control-0001', message: `line one${control}line two` });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe('invalid_characters');
    }
    expect(server.fakeLlm.requests).toHaveLength(0);
    expect(await server.store.getSessionThread('c1-control-0001', 10)).toBeNull();
  });

  it('refuses a C1 control in a URL', async () => {
    const response = await server.admin('/v1/admin/conversations?q=a%C2%85b');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('invalid_url');
  });

  it('still accepts the Latin-1 letters right after the C1 block', async () => {
    const response = await server.post('/v1/chat', { sessionId: 'c1-control-0002', message: '\u00a0Très bien, ¿qué tal? ñ ü ß' });
    expect(response.status).toBe(200);
  });
});

describe('readiness probe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ocw-health-'));
  let real: ChatStore;
  let server: TestServer;
  let failing = false;
  const STORE_ERROR = 'SQLITE_CANTOPEN: unable to open /srv/secret-volume/chat.db';
  beforeAll(async () => {
    real = await openSqliteStore(join(dir, 'chat.db'));
    // The real store, with a ping that can be made to fail the way a broken deployment's does.
    const store = new Proxy(real, {
      get(target, property) {
        if (property === 'ping') return () => (failing ? Promise.reject(new Error(STORE_ERROR)) : target.ping());
        const value = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    server = await startTestServer({ store });
  });
  afterAll(async () => {
    await server.stop();
    await real.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('does not show the model name to anyone without the admin key', async () => {
    const response = await fetch(`${server.url}/health/ready`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain('fake-model');
    expect(JSON.parse(text)).toMatchObject({ status: 'ready', store: { ok: true }, llm: { ok: true } });
  });

  it('does not show the store\'s error text (or its kind) without the admin key, but still names the failing part', async () => {
    failing = true;
    try {
      const response = await fetch(`${server.url}/health/ready`);
      expect(response.status).toBe(503);
      const text = await response.text();
      for (const secret of ['SQLITE', 'secret-volume', 'sqlite', 'fake-model']) expect(text).not.toContain(secret);
      expect(JSON.parse(text)).toMatchObject({ status: 'not_ready', store: { ok: false }, llm: { ok: true } });
    } finally {
      failing = false;
    }
  });

  it('gives the details to the admin API: GET /v1/admin/health', async () => {
    expect((await fetch(`${server.url}/v1/admin/health`)).status).toBe(401);
    const ready = await server.admin('/v1/admin/health');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', store: { ok: true, kind: 'sqlite' }, llm: { ok: true, model: 'fake-model' } });
    failing = true;
    try {
      const broken = await server.admin('/v1/admin/health');
      expect(broken.status).toBe(503);
      expect(((await broken.json()) as { store: { detail: string } }).store.detail).toContain(STORE_ERROR);
    } finally {
      failing = false;
    }
  });
});

describe('origin guard and the Host header', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { CORS_ORIGIN: 'https://shop.example.com', DEMO_PAGE: 'false' } });
  });
  afterAll(() => server.stop());

  it('refuses an Origin that merely equals the Host header (a DNS-rebinding page sends exactly that)', async () => {
    const pairs: Array<[string, string]> = [
      ['http://rebind.attacker.example', 'rebind.attacker.example'],
      [server.url, new URL(server.url).host],
    ];
    for (const [origin, host] of pairs) {
      const response = await fetch(`${server.url}/v1/chat`, {
        method: 'POST',
        headers: { origin, host, 'content-type': 'application/json', 'x-api-key': server.widgetKey },
        body: JSON.stringify({ sessionId: 'rebinding-0001', message: 'hi' }),
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe('origin_not_allowed');
    }
    expect(server.fakeLlm.requests).toHaveLength(0);
  });

  it('lets the server\'s own PUBLIC_URL origin through (its demo page calls back here)', async () => {
    const own = await startTestServer({ env: { CORS_ORIGIN: 'https://shop.example.com', PUBLIC_URL: 'https://chat.example.com' } });
    try {
      const response = await own.post('/v1/chat', { sessionId: 'own-origin-0001', message: 'hi' }, { origin: 'https://chat.example.com' });
      expect(response.status).toBe(200);
      const other = await own.post('/v1/chat', { sessionId: 'own-origin-0002', message: 'hi' }, { origin: 'https://chat.example.com.evil.example', host: 'chat.example.com.evil.example' });
      expect(other.status).toBe(403);
    } finally {
      await own.stop();
    }
  });
});
