/**
 * The Convex side of running several server replicas on one deployment, in convex-test with the real
 * `@convex-dev/rate-limiter` component registered: shared rate limits and daily budgets admitted in startTurn and
 * settled in finishTurn, and the cron that interrupts replies whose replica's lease ran out.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, setSystemTime } from 'bun:test';
import { api } from '../../convex/_generated/api.js';
import type { TurnLimits } from '../../convex/lib/limits.ts';
import { DomainError } from '../src/errors.ts';
import { createConvexStore } from '../src/store/convex/store.ts';
import { configureDeploymentSecret, FAKE_CONVEX_SECRET, newConvexTest, runCron, startFakeConvex, type ConvexTestInstance } from './support/fake-convex.ts';

const secret = FAKE_CONVEX_SECRET;
const SWEEP = 'interrupt abandoned replies';
const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);

let restoreSecret: () => void;
beforeAll(() => {
  restoreSecret = configureDeploymentSecret();
});
afterAll(() => restoreSecret());
afterEach(() => setSystemTime());

// 'hello' is 2 tokens (4 characters a token) and the longest reply 148: a first turn reserves 150.
const noLimits: TurnLimits = {
  ipKey: '203.0.113.7',
  sessionPerMinute: 0,
  tokensPerSessionPerDay: 0,
  tokensPerIpPerDay: 0,
  tokensPerDay: 0,
  minTokens: 150,
  maxOutputTokens: 148,
  systemPromptChars: 0,
  maxHistoryChars: 10_000,
};

function startTurn(t: ConvexTestInstance, sessionId: string, extra: Record<string, unknown> = {}) {
  return t.mutation(api.chat.startTurn, { secret, sessionId, content: 'hello', model: 'm', historyLimit: 10, ...extra });
}

async function started(t: ConvexTestInstance, sessionId: string, extra: Record<string, unknown> = {}) {
  const turn = await startTurn(t, sessionId, extra);
  if (turn.refused) throw new Error(`refused: ${JSON.stringify(turn.refused)}`);
  return turn;
}

function finishTurn(t: ConvexTestInstance, assistantMessageId: string, extra: Record<string, unknown> = {}) {
  return t.mutation(api.chat.finishTurn, { secret, assistantMessageId, content: 'reply', status: 'complete', ...extra });
}

async function statusOf(t: ConvexTestInstance, sessionId: string) {
  const thread = await t.query(api.chat.sessionThread, { secret, sessionId, limit: 10 });
  return thread?.messages.at(-1);
}

describe('shared limits in startTurn', () => {
  it('holds the per-session rate limit and tells when to retry; other sessions are not affected', async () => {
    setSystemTime(T0);
    const t = newConvexTest();
    const limits = { ...noLimits, sessionPerMinute: 3 };
    const results = [];
    for (let i = 0; i < 5; i++) results.push((await startTurn(t, 'session-a', { limits })).refused);
    expect(results.slice(0, 3)).toEqual([null, null, null]);
    expect(results[3]).toMatchObject({ code: 'rate_limited' });
    // One turn comes back every 20 s (3 per minute).
    expect(results[3]!.retryAfterMs).toBeGreaterThan(0);
    expect(results[3]!.retryAfterMs).toBeLessThanOrEqual(20_000);
    expect((await startTurn(t, 'session-b', { limits })).refused).toBeNull();

    setSystemTime(T0 + 20_000);
    expect((await startTurn(t, 'session-a', { limits })).refused).toBeNull();
  });

  it('stores nothing for a refused turn', async () => {
    const t = newConvexTest();
    const limits = { ...noLimits, sessionPerMinute: 1 };
    await started(t, 'session-a', { limits });
    await startTurn(t, 'session-a', { limits });
    const thread = await t.query(api.chat.sessionThread, { secret, sessionId: 'session-a', limit: 10 });
    expect(thread?.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
  });

  it('never lets turns started at once reserve more than the daily cap', async () => {
    setSystemTime(T0);
    const t = newConvexTest();
    const limits = { ...noLimits, tokensPerDay: 1000 };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => startTurn(t, `session-${i}`, { limits })));
    const admitted = results.filter((result) => !result.refused);
    expect(admitted).toHaveLength(6); // 6 × 150 = 900 ≤ 1000 < 7 × 150
    const refusal = results.find((result) => result.refused)!.refused!;
    expect(refusal).toMatchObject({ code: 'budget_exhausted', scope: 'deployment' });
    // The budgets reset at 00:00 UTC, as on one replica.
    expect(refusal.retryAfterMs).toBe(Date.UTC(2026, 11, 1) - T0);
  });

  it('names the scope that ran out, and a refusal reserves nothing from the others', async () => {
    const t = newConvexTest();
    const limits = { ...noLimits, tokensPerSessionPerDay: 250, tokensPerIpPerDay: 10_000, tokensPerDay: 450, minTokens: 200, maxOutputTokens: 198 };
    await started(t, 'session-a', { limits });
    expect((await startTurn(t, 'session-a', { limits })).refused).toMatchObject({ scope: 'session' });
    // Had the refused turn reserved from the deployment budget, this one would not fit (200 + 200 + 200 > 450).
    await started(t, 'session-b', { limits });
    expect((await startTurn(t, 'session-c', { limits: { ...limits, ipKey: '198.51.100.1' } })).refused).toMatchObject({
      scope: 'deployment',
    });
    const ipLimits = { ...limits, ipKey: '192.0.2.9', tokensPerDay: 0, tokensPerIpPerDay: 300 };
    await started(t, 'session-d', { limits: ipLimits });
    expect((await startTurn(t, 'session-e', { limits: ipLimits })).refused).toMatchObject({ scope: 'ip' });
  });

  it('refuses a turn whose worst case is more than a whole budget, before storing anything', async () => {
    const t = newConvexTest();
    const limits = { ...noLimits, tokensPerSessionPerDay: 100 };
    expect((await startTurn(t, 'session-a', { limits })).refused).toMatchObject({ code: 'budget_exhausted', scope: 'session' });
    expect(await t.query(api.chat.sessionThread, { secret, sessionId: 'session-a', limit: 10 })).toBeNull();
  });

  it('reserves the real prompt once the history is read, and stores the reply as refused when that does not fit', async () => {
    const t = newConvexTest();
    const limits = { ...noLimits, tokensPerSessionPerDay: 1000, minTokens: 10 };
    const first = await started(t, 'session-a', { limits });
    expect(first.reservedTokens).toBe(150);
    await finishTurn(t, first.assistantMessage.id, { content: 'x'.repeat(2400), settle: { limits, reservedTokens: 150, spentTokens: 700 } });
    // The history is now 'hello' + 2400 characters + 'hello': 603 tokens of prompt, 751 with the reply; 300 left.
    const second = await startTurn(t, 'session-a', { limits });
    expect(second).toMatchObject({ refused: { code: 'budget_exhausted', scope: 'session' }, stored: true });
    const thread = await t.query(api.chat.sessionThread, { secret, sessionId: 'session-a', limit: 10 });
    expect(thread?.messages.slice(-2)).toMatchObject([
      { role: 'user', content: 'hello', status: 'complete' },
      { role: 'assistant', content: '', status: 'error', errorCode: 'budget_exhausted' },
    ]);
    expect(thread?.conversation).toMatchObject({ messageCount: 4, errorCount: 1 });
  });

  it('splits a large deployment budget into shards and still never admits more than it holds', async () => {
    const t = newConvexTest();
    // 8 shards of 100,000; each holds one 60,000-token turn.
    const limits = { ...noLimits, tokensPerDay: 800_000, minTokens: 60_000, maxOutputTokens: 59_998 };
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => startTurn(t, `sharded-${i}`, { limits })));
    const admitted = results.filter((result) => !result.refused);
    expect(admitted.length).toBeGreaterThan(0);
    expect(admitted.length).toBeLessThanOrEqual(8);
    expect(new Set(admitted.map((turn) => turn.deploymentShard)).size).toBe(admitted.length);
    // Settling gives the tokens back to the shard they came from, which then admits a turn again.
    const first = admitted[0]!;
    await finishTurn(t, first.assistantMessage!.id, { settle: { limits, deploymentShard: first.deploymentShard, reservedTokens: 60_000, spentTokens: 0 } });
    let readmitted = false;
    for (let i = 0; i < 40 && !readmitted; i++) readmitted = !(await startTurn(t, `again-${i}`, { limits })).refused;
    expect(readmitted).toBe(true);
  });

  it('without limits (an older server) admits every turn', async () => {
    const t = newConvexTest();
    for (let i = 0; i < 5; i++) await started(t, 'session-a');
  });
});

describe('settling a turn in finishTurn', () => {
  // Each first turn reserves 400.
  const limits = { ...noLimits, tokensPerDay: 1000, minTokens: 400, maxOutputTokens: 398 };
  const settle = (spentTokens: number) => ({ settle: { limits, deploymentShard: 0, reservedTokens: 400, spentTokens } });

  it('gives back what a turn did not use', async () => {
    const t = newConvexTest();
    const first = await started(t, 'session-a', { limits });
    await started(t, 'session-b', { limits });
    expect((await startTurn(t, 'session-c', { limits })).refused).toMatchObject({ code: 'budget_exhausted' });
    await finishTurn(t, first.assistantMessage.id, settle(100));
    // 100 + 400 spent or held: 400 more fit again.
    await started(t, 'session-c', { limits });
  });

  it('settles once: finishing a reply again refunds nothing more', async () => {
    const t = newConvexTest();
    const first = await started(t, 'session-a', { limits });
    await started(t, 'session-b', { limits });
    await finishTurn(t, first.assistantMessage.id, settle(0));
    await finishTurn(t, first.assistantMessage.id, settle(0));
    await started(t, 'session-c', { limits });
    // 400 + 400 held: a double refund would have let this one in.
    expect((await startTurn(t, 'session-d', { limits })).refused).toMatchObject({ code: 'budget_exhausted' });
  });

  it('charges a turn that cost more than it reserved', async () => {
    const t = newConvexTest();
    const first = await started(t, 'session-a', { limits });
    await finishTurn(t, first.assistantMessage.id, settle(700));
    // 700 spent: 300 left, less than one reservation.
    expect((await startTurn(t, 'session-b', { limits })).refused).toMatchObject({ code: 'budget_exhausted' });
  });
});

describe('the abandoned-reply cron', () => {
  const lease = (t: ConvexTestInstance, replicaId: string, leaseMs = 30_000) =>
    t.mutation(api.recovery.renewLease, { secret, replicaId, leaseMs });
  const replica = (replicaId: string) => ({ replicaId, streamLimitMs: 120_000 });

  it('interrupts the replies of a replica whose lease ran out and leaves a live replica\'s replies streaming', async () => {
    setSystemTime(T0);
    const t = newConvexTest();
    await lease(t, 'dead');
    await lease(t, 'alive');
    await started(t, 'on-dead', replica('dead'));
    await started(t, 'on-alive', replica('alive'));

    setSystemTime(T0 + 20_000);
    await lease(t, 'alive'); // the live replica renews; the dead one does not
    expect(await runCron(t, SWEEP)).toEqual({ interrupted: 0 });

    setSystemTime(T0 + 31_000);
    expect(await runCron(t, SWEEP)).toEqual({ interrupted: 1 });
    expect(await statusOf(t, 'on-dead')).toMatchObject({ status: 'error', errorCode: 'interrupted' });
    expect(await statusOf(t, 'on-alive')).toMatchObject({ status: 'streaming' });
  });

  it('counts the interrupted reply in its conversation once', async () => {
    setSystemTime(T0);
    const t = newConvexTest();
    await lease(t, 'dead');
    await started(t, 'on-dead', replica('dead'));
    setSystemTime(T0 + 60_000);
    await runCron(t, SWEEP);
    await runCron(t, SWEEP);
    const thread = await t.query(api.chat.sessionThread, { secret, sessionId: 'on-dead', limit: 10 });
    expect(thread?.conversation).toMatchObject({ messageCount: 2, errorCount: 1 });
  });

  it('interrupts a reply that outlived its stream limit even while its replica lives (its finish call was lost)', async () => {
    setSystemTime(T0);
    const t = newConvexTest();
    await started(t, 'stuck', replica('alive'));
    for (const offset of [25_000, 50_000, 75_000, 100_000, 121_000]) {
      setSystemTime(T0 + offset);
      await lease(t, 'alive');
    }
    await runCron(t, SWEEP);
    expect(await statusOf(t, 'stuck')).toMatchObject({ status: 'error', errorCode: 'interrupted' });
  });

  it('treats a reply without a replica (an older server) by age alone', async () => {
    setSystemTime(T0);
    const t = newConvexTest();
    await started(t, 'legacy');
    setSystemTime(T0 + 60_000);
    await runCron(t, SWEEP);
    expect(await statusOf(t, 'legacy')).toMatchObject({ status: 'streaming' });
    setSystemTime(T0 + 121_000);
    await runCron(t, SWEEP);
    expect(await statusOf(t, 'legacy')).toMatchObject({ status: 'error', errorCode: 'interrupted' });
  });

  it('lets a replica that was only cut off from Convex finish its reply after all, with the counters right', async () => {
    setSystemTime(T0);
    const t = newConvexTest();
    await lease(t, 'flaky');
    const turn = await started(t, 'flaky-session', replica('flaky'));
    setSystemTime(T0 + 40_000);
    await runCron(t, SWEEP);
    await finishTurn(t, turn.assistantMessage.id);
    const thread = await t.query(api.chat.sessionThread, { secret, sessionId: 'flaky-session', limit: 10 });
    expect(thread?.messages.at(-1)).toMatchObject({ status: 'complete' });
    expect(thread?.conversation).toMatchObject({ messageCount: 2, errorCount: 0 });
  });

  it('ends a lease at once on release', async () => {
    setSystemTime(T0);
    const t = newConvexTest();
    await lease(t, 'leaving');
    await started(t, 'on-leaving', replica('leaving'));
    await t.mutation(api.recovery.releaseLease, { secret, replicaId: 'leaving' });
    setSystemTime(T0 + 1);
    await runCron(t, SWEEP);
    expect(await statusOf(t, 'on-leaving')).toMatchObject({ status: 'error', errorCode: 'interrupted' });
  });
});

describe('ConvexStore on a deployment shared by replicas (over the wire)', () => {
  const sharedLimits = {
    chatPerSessionPerMinute: 2,
    budgets: { tokensPerSessionPerDay: 0, tokensPerIpPerDay: 0, tokensPerDay: 1000 },
    systemPromptChars: 0,
    maxHistoryChars: 10_000,
  };
  const admission = { clientIp: '203.0.113.9', minTokens: 150, maxOutputTokens: 148 };
  const turn = (sessionId: string) => ({ sessionId, content: 'hello', model: 'm', historyLimit: 10, admission });

  it('refuses with the same domain errors as the in-memory limits, counted once for every store on the deployment', async () => {
    const fake = await startFakeConvex();
    const [a, b] = [0, 1].map(() => createConvexStore({ url: fake.url, secret, turnLimits: sharedLimits }));
    try {
      expect(a!.sharesTurnLimits).toBe(true);
      await a!.startTurn(turn('shared-session'));
      await b!.startTurn(turn('shared-session'));
      const refused = await b!.startTurn(turn('shared-session')).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(DomainError);
      expect(refused).toMatchObject({ code: 'rate_limited' });
      expect((refused as DomainError).retryAfterSeconds).toBeGreaterThan(0);
      // 2 × 150 held of 1000: four more fit, the fifth does not, whichever store asks.
      for (let i = 0; i < 4; i++) await (i % 2 ? a : b)!.startTurn(turn(`other-${i}`));
      await expect(a!.startTurn(turn('one-too-many'))).rejects.toMatchObject({ code: 'budget_exhausted' });
    } finally {
      await fake.stop();
    }
  });

  it('settles what the turn really cost when it is finished', async () => {
    const fake = await startFakeConvex();
    const store = createConvexStore({ url: fake.url, secret, turnLimits: sharedLimits });
    try {
      const started = [];
      for (let i = 0; i < 6; i++) started.push(await store.startTurn(turn(`settle-${i}`)));
      await expect(store.startTurn(turn('settle-full'))).rejects.toMatchObject({ code: 'budget_exhausted' });
      await store.finishTurn({ assistantMessageId: started[0]!.assistantMessage.id, content: 'ok', status: 'complete', spentTokens: 20 });
      await store.startTurn(turn('settle-after'));
      const settle = fake.calls.find((call) => call.path === 'chat:finishTurn')!.args.settle as { reservedTokens: number; spentTokens: number };
      expect(settle).toMatchObject({ reservedTokens: 150, spentTokens: 20 });
    } finally {
      await fake.stop();
    }
  });

  it('holds a lease while open, tags its replies with it, and ends the lease on close', async () => {
    const fake = await startFakeConvex();
    const store = createConvexStore({ url: fake.url, secret, replica: { id: 'replica-under-test', leaseMs: 30_000, streamLimitMs: 120_000 } });
    const started = await store.startTurn(turn('leased'));
    const call = fake.calls.find((c) => c.path === 'chat:startTurn')!;
    expect(call.args).toMatchObject({ replicaId: 'replica-under-test', streamLimitMs: 120_000 });
    // The lease existed before the turn was stored.
    expect(fake.calls.findIndex((c) => c.path === 'recovery:renewLease')).toBeLessThan(fake.calls.indexOf(call));
    await store.close();
    expect(fake.calls.at(-1)!.path).toBe('recovery:releaseLease');
    setSystemTime(Date.now() + 1);
    await runCron(fake.t, SWEEP);
    setSystemTime();
    const thread = await fake.t.query(api.chat.sessionThread, { secret, sessionId: 'leased', limit: 10 });
    expect(thread!.messages.find((m) => m.id === started.assistantMessage.id)).toMatchObject({ status: 'error', errorCode: 'interrupted' });
    await fake.stop();
  });
});
