/** Spend caps: daily model-token budgets per session, per client IP and per deployment; 429 budget_exhausted; reset at 00:00 UTC. */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { DailyBudget } from '../src/security/budget.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('DailyBudget', () => {
  it('reports the first exhausted scope, and resets at 00:00 UTC', () => {
    let now = Date.UTC(2030, 4, 1, 23, 59, 0);
    const budget = new DailyBudget({ tokensPerSessionPerDay: 100, tokensPerIpPerDay: 250, tokensPerDay: 1000 }, 1000, () => now);
    budget.spend('s1', '198.51.100.1', 99);
    expect(budget.exhausted('s1', '198.51.100.1')).toBeNull();
    budget.spend('s1', '198.51.100.1', 1);
    expect(budget.exhausted('s1', '198.51.100.1')).toBe('session');
    expect(budget.exhausted('s2', '198.51.100.1')).toBeNull();
    budget.spend('s2', '198.51.100.1', 150);
    expect(budget.exhausted('s3', '198.51.100.1')).toBe('ip');
    expect(budget.exhausted('s3', '::ffff:198.51.100.1')).toBe('ip');
    budget.spend('s4', '2001:db8::1', 750);
    expect(budget.exhausted('s5', '192.0.2.1')).toBe('deployment');
    expect(budget.secondsUntilReset()).toBe(60);
    now = Date.UTC(2030, 4, 2, 0, 0, 0);
    expect(budget.exhausted('s1', '198.51.100.1')).toBeNull();
    expect(budget.secondsUntilReset()).toBe(86_400);
  });

  it('remembers at most maxKeys sessions and networks under a flood of distinct ones', () => {
    const budget = new DailyBudget({ tokensPerSessionPerDay: 10, tokensPerIpPerDay: 10, tokensPerDay: 0 }, 2_000, () => 0);
    for (let i = 0; i < 20_000; i++) budget.spend(`s${i}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 1);
    expect(budget.trackedKeys.sessions).toBeLessThanOrEqual(2_000);
    expect(budget.trackedKeys.ips).toBeLessThanOrEqual(2_000);
  });
});

describe('budgets on a real server', () => {
  let server: TestServer;
  let now = Date.UTC(2030, 4, 1, 22, 0, 0);
  beforeAll(async () => {
    // The fake model reports usage of (prompt chars / 4) + one token per reply chunk: 3 + 3 + 6 = 12 tokens a turn here.
    // A turn reserves its prompt (20 characters: 5 tokens) plus the 8-token reply limit, so 13 tokens must fit.
    server = await startTestServer({
      now: () => now,
      env: { BUDGET_TOKENS_PER_SESSION: '20', BUDGET_TOKENS_PER_IP: '40', BUDGET_TOKENS_PER_DAY: '100000', SYSTEM_PROMPT: 'Be brief.', OPENAI_MAX_OUTPUT_TOKENS: '8' },
    });
  });
  afterAll(() => server.stop());

  const turn = (sessionId: string) => server.post('/v1/chat', { sessionId, message: 'hello there' });

  it('answers 429 budget_exhausted with a sentence and Retry-After once the next turn no longer fits, without calling the model', async () => {
    expect((await turn('budget-a')).status).toBe(200);
    const calls = server.fakeLlm.requests.length;
    for (const path of ['/v1/chat', '/v1/chat/stream', '/chat']) {
      const refused = await server.post(path, { sessionId: 'budget-a', message: 'more' });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBe(2 * 3600);
      expect(await refused.json()).toEqual({ error: 'The daily chat allowance for this conversation is used up; it resets at midnight UTC.', code: 'budget_exhausted' });
    }
    expect(server.fakeLlm.requests.length).toBe(calls);
  });

  it('caps a client network across sessions, then lets everyone in again after midnight UTC', async () => {
    expect((await turn('budget-b')).status).toBe(200);
    expect((await turn('budget-c')).status).toBe(200);
    const refused = await turn('budget-d');
    expect(refused.status).toBe(429);
    expect((await refused.json()).error).toContain('your network');
    now = Date.UTC(2030, 4, 2, 0, 0, 1);
    expect((await turn('budget-e')).status).toBe(200);
    expect((await turn('budget-d')).status).toBe(200);
  });
});

describe('the deployment-wide budget', () => {
  it('stops every visitor once the whole deployment has spent its daily tokens', async () => {
    // One turn reserves about 4 + 10 tokens and costs about 10: a second one no longer fits under 20.
    const server = await startTestServer({ env: { BUDGET_TOKENS_PER_DAY: '20', BUDGET_TOKENS_PER_SESSION: '0', BUDGET_TOKENS_PER_IP: '0', SYSTEM_PROMPT: 'Be brief.', OPENAI_MAX_OUTPUT_TOKENS: '10' } });
    try {
      expect((await server.post('/v1/chat', { sessionId: 'd1', message: 'hi' })).status).toBe(200);
      const refused = await server.post('/v1/chat', { sessionId: 'd2', message: 'hi' });
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual({ error: expect.stringContaining('this site'), code: 'budget_exhausted' });
    } finally {
      await server.stop();
    }
  });
});

describe('budget reservations', () => {
  it('reserves a turn\'s worst case up front, so parallel turns cannot all slip under a nearly spent cap', async () => {
    // A turn reserves its prompt as sent (system prompt, history, message) plus the 60-token reply limit: 64 tokens for
    // the first, 66 for the second (whose history holds the first message); a third no longer fits under 140.
    const server = await startTestServer({ env: { BUDGET_TOKENS_PER_SESSION: '140', OPENAI_MAX_OUTPUT_TOKENS: '60', RATE_LIMIT_CHAT_PER_SESSION: '0', SYSTEM_PROMPT: 'Be brief.' } });
    try {
      server.fakeLlm.script({ kind: 'stall' });
      const responses = await Promise.all(Array.from({ length: 5 }, () => server.post('/v1/chat/stream', { sessionId: 'parallel', message: 'hello!' })));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 429, 429, 429]);
      for (const response of responses) await response.body?.cancel();
    } finally {
      await server.stop();
    }
  });

  it('reserves nothing for a turn that never starts', async () => {
    // A blank message passes the schema and is refused when the turn begins, before any reservation.
    const server = await startTestServer({ env: { BUDGET_TOKENS_PER_SESSION: '100', OPENAI_MAX_OUTPUT_TOKENS: '60', RATE_LIMIT_CHAT_PER_SESSION: '0', SYSTEM_PROMPT: 'Be brief.' } });
    try {
      for (let i = 0; i < 4; i++) {
        const response = await server.post('/v1/chat', { sessionId: 'never-starts', message: '      ' });
        expect(((await response.json()) as { code: string }).code).toBe('validation_failed');
      }
      const real = await server.post('/v1/chat', { sessionId: 'never-starts', message: 'hello!' });
      expect(real.status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe('budgets under parallel load (issue 11, finding 2)', () => {
  it('holds the session cap against 50 parallel 4,000-character turns with realistic usage from the model', async () => {
    const cap = 50_000;
    const server = await startTestServer({
      // The cap on open requests per client is off too: all 50 turns must be in flight at once.
      env: { BUDGET_TOKENS_PER_SESSION: String(cap), BUDGET_TOKENS_PER_IP: '0', BUDGET_TOKENS_PER_DAY: '0', RATE_LIMIT_CHAT_PER_SESSION: '0', RATE_LIMIT_CHAT_PER_IP: '0', MAX_CONNECTIONS_PER_IP: '0' },
    });
    try {
      const message = 'word '.repeat(800);
      const responses = await Promise.all(Array.from({ length: 50 }, () => server.post('/v1/chat', { sessionId: 'parallel-cap-session', message })));
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0);
      expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
      // What the model reported for every reply it produced, as stored: the real spend.
      const thread = await server.store.getSessionThread('parallel-cap-session', 1000);
      const spent = thread!.messages.reduce((sum, m) => sum + (m.usage?.totalTokens ?? 0), 0);
      expect(spent).toBeLessThanOrEqual(cap);
      // A turn refused after its message was stored keeps the message, and its reply says why.
      const refusedAfterStore = thread!.messages.filter((m) => m.role === 'assistant' && m.errorCode === 'budget_exhausted');
      expect(refusedAfterStore.every((m) => m.status === 'error' && m.content === '')).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
