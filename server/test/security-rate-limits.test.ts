/**
 * Rate limits that cannot be dodged: token buckets per client IP and per session on chat and admin routes, 429 with
 * Retry-After and RateLimit-*; the IP is the socket's unless TRUST_PROXY says otherwise; memory bounded under a flood.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { clientKey, parseTrustProxy, resolveClientIp } from '../src/security/client-ip.ts';
import { TokenBuckets } from '../src/security/token-bucket.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('TokenBuckets', () => {
  it('allows a burst of `capacity`, then refuses with the wait until one request refills', () => {
    let now = 0;
    const buckets = new TokenBuckets(6, 1000, () => now);
    for (let i = 0; i < 6; i++) expect(buckets.take('a').allowed).toBe(true);
    const refused = buckets.take('a');
    expect(refused).toMatchObject({ allowed: false, limit: 6, remaining: 0, retryAfterSeconds: 10 });
    now += 9_999;
    expect(buckets.take('a').allowed).toBe(false);
    now += 10_001;
    expect(buckets.take('a').allowed).toBe(true);
    expect(buckets.take('b').allowed).toBe(true);
  });

  it('stays within maxKeys under 100k distinct keys, forgetting the least recently seen first', () => {
    const now = 0;
    const buckets = new TokenBuckets(1, 5_000, () => now);
    buckets.take('limited');
    let peak = 0;
    for (let i = 0; i < 100_000; i++) {
      buckets.take(`flood-${i}`);
      if (i % 1000 === 0) buckets.take('limited'); // an active client stays remembered
      peak = Math.max(peak, buckets.size);
    }
    expect(peak).toBeLessThanOrEqual(5_000);
    expect(buckets.size).toBeGreaterThanOrEqual(4_500);
    expect(buckets.take('limited').allowed).toBe(false);
  });
});

describe('client IP', () => {
  const none = parseTrustProxy(null).value;
  const oneHop = parseTrustProxy('1').value;
  const list = parseTrustProxy('10.0.0.0/8, loopback').value;

  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(resolveClientIp('203.0.113.9', '1.2.3.4', none)).toBe('203.0.113.9');
  });
  it('takes exactly one hop with TRUST_PROXY=1: the address the proxy saw, not what the client wrote before it', () => {
    expect(resolveClientIp('10.0.0.2', '198.51.100.7', oneHop)).toBe('198.51.100.7');
    expect(resolveClientIp('10.0.0.2', '6.6.6.6, 198.51.100.7', oneHop)).toBe('198.51.100.7');
    expect(resolveClientIp('10.0.0.2', 'garbage, not-an-ip', oneHop)).toBe('10.0.0.2');
    expect(resolveClientIp('10.0.0.2', null, oneHop)).toBe('10.0.0.2');
  });
  it('skips trusted addresses from the right with a proxy list', () => {
    expect(resolveClientIp('127.0.0.1', '6.6.6.6, 198.51.100.7, 10.1.2.3', list)).toBe('198.51.100.7');
    expect(resolveClientIp('203.0.113.9', '6.6.6.6', list)).toBe('203.0.113.9');
  });
  it('counts an IPv6 /64 as one client and an IPv4-mapped address as its IPv4 client', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
    expect(clientKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(clientKey('198.51.100.7')).toBe('198.51.100.7');
  });
});

const rateLimited = async (response: Response) => {
  expect(response.status).toBe(429);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(response.headers.get('ratelimit-limit')).not.toBeNull();
  expect(response.headers.get('ratelimit-remaining')).toBe('0');
  expect(response.headers.get('ratelimit-reset')).not.toBeNull();
  expect(await response.json()).toEqual({ error: expect.stringMatching(/try again in \d+ seconds/), code: 'rate_limited' });
};

describe('rate limits on a real server (socket IP)', () => {
  let server: TestServer;
  let now = Date.UTC(2030, 0, 1, 12);
  beforeAll(async () => {
    server = await startTestServer({ now: () => now, env: { RATE_LIMIT_CHAT_PER_IP: '5', RATE_LIMIT_CHAT_PER_SESSION: '100', RATE_LIMIT_ADMIN_PER_IP: '4' } });
  });
  afterAll(() => server.stop());

  it('limits a flood of distinct forged X-Forwarded-For values: the limiter sees the socket IP', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const response = await server.post('/v1/chat/history', { sessionId: `xff-flood-session-${i}` }, { 'x-forwarded-for': `198.51.${i >> 8}.${i & 255}`, 'x-real-ip': `203.0.113.${i}` });
      statuses.push(response.status);
      if (response.status === 429 && i === 5) await rateLimited(response);
      else await response.body?.cancel();
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
  });

  it('counts requests with a missing or wrong key too, and refills as the clock moves', async () => {
    now += 60_000;
    for (let i = 0; i < 5; i++) await (await server.post('/v1/chat/history', { sessionId: 'guess-session-0001' }, { 'x-api-key': `guess-${i}` })).body?.cancel();
    await rateLimited(await server.post('/v1/chat/history', { sessionId: 'guess-session-0001' }));
    now += 12_000; // one request refills every 12 s at 5 per minute
    expect((await server.post('/v1/chat/history', { sessionId: 'guess-session-0001' })).status).toBe(200);
  });

  it('limits admin routes per IP, wrong keys included', async () => {
    for (let i = 0; i < 4; i++) await (await server.admin('/v1/admin/stats', { headers: { 'x-admin-api-key': 'wrong' } })).body?.cancel();
    await rateLimited(await server.admin('/v1/admin/conversations'));
  });
});

describe('rate limits behind one trusted proxy (TRUST_PROXY=1)', () => {
  let server: TestServer;
  const now = Date.UTC(2030, 0, 1, 12);
  beforeAll(async () => {
    server = await startTestServer({ now: () => now, env: { TRUST_PROXY: '1', RATE_LIMIT_CHAT_PER_IP: '3', RATE_LIMIT_CHAT_PER_SESSION: '2' } });
  });
  afterAll(() => server.stop());

  it('keys the bucket on the hop the proxy appended, so forged entries before it change nothing', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await server.post('/v1/chat/history', { sessionId: 'proxy-session-0001' }, { 'x-forwarded-for': `6.6.6.${i}, 198.51.100.7` });
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // Another visitor behind the same proxy has a bucket of its own.
    expect((await server.post('/v1/chat/history', { sessionId: 'proxy-session-0002' }, { 'x-forwarded-for': '198.51.100.8' })).status).toBe(200);
  });

  it('limits a session across client IPs (per-session bucket on chat turns)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await server.post('/v1/chat', { sessionId: 'roaming', message: 'hi' }, { 'x-forwarded-for': `192.0.2.${i + 1}` });
      statuses.push(response.status);
      if (response.status === 429) await rateLimited(response);
      else await response.body?.cancel();
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(server.fakeLlm.requests).toHaveLength(2);
  });
});
