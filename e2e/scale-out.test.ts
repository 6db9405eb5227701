/**
 * Three chat server processes behind the real Caddy on the real Caddyfile, all on one Convex deployment (the
 * wire-format stand-in over convex-test, running the real functions and the real rate-limiter component), as
 * `docker compose up -d --scale server=3` runs them: Caddy finds the replicas by DNS (`dynamic a`), and the limits,
 * budgets and the recovery of a dead replica's replies hold across all of them.
 */
import { afterAll, describe, expect, it, setDefaultTimeout } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api } from '../convex/_generated/api.js';
import { configureDeploymentSecret, FAKE_CONVEX_SECRET, runCron, startFakeConvex } from '../server/test/support/fake-convex.ts';
import { startFakeLlm } from '../server/test/support/fake-llm.ts';
import { readNdjson, type NdjsonReader } from '../server/test/support/ndjson.ts';
import { startFakeDns } from './support/dns.ts';
import { freePort, REPO_ROOT, startCaddy } from './support/processes.ts';
import { portFreeOn, startReplica, type Replica } from './support/replicas.ts';

setDefaultTimeout(60_000);

const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
const WIDGET_KEY = 'scale-out-widget-key-0123456789abcdef';
const SWEEP = 'interrupt abandoned replies';
const insecure = { tls: { rejectUnauthorized: false } };

// Module scope, not hooks: bun's timeout kill takes down processes spawned in hooks (oven-sh/bun#39657).
const restoreSecret = configureDeploymentSecret();
const convex = await startFakeConvex();
const llm = await startFakeLlm();
const tempDir = await mkdtemp(join(tmpdir(), 'ocw-scale-out-'));
const serverPort = await portFreeOn(ADDRESSES);
const dns = await startFakeDns('replicas.test', ADDRESSES);

/** Every replica's environment: its own address, the shared deployment; limits set per test. */
function replicaEnv(limits: Record<string, string>): Record<string, string> {
  return {
    HOME: tempDir,
    CONVEX_URL: convex.url,
    CONVEX_SERVER_SECRET: FAKE_CONVEX_SECRET,
    // Short, so a dead replica's reply is recovered within seconds here (30 s by default).
    CONVEX_REPLICA_LEASE_MS: '6000',
    OPENAI_BASE_URL: llm.url,
    OPENAI_API_KEY: 'sk-fake-key-for-the-fake-model',
    OPENAI_MAX_OUTPUT_TOKENS: '100',
    WIDGET_API_KEY: WIDGET_KEY,
    TRUST_PROXY: '1',
    // The per-replica flood limits are not what these tests measure (every request comes from one address).
    RATE_LIMIT_CHAT_PER_IP: '100000',
    MAX_CONNECTIONS_PER_IP: '0',
    RATE_LIMIT_CHAT_PER_SESSION: '1000',
    BUDGET_TOKENS_PER_SESSION: '0',
    BUDGET_TOKENS_PER_IP: '0',
    BUDGET_TOKENS_PER_DAY: '0',
    ...limits,
  };
}

let replicas: Replica[] = [];
async function startReplicas(limits: Record<string, string>) {
  await Promise.all(replicas.map((replica) => replica.kill()));
  replicas = await Promise.all(ADDRESSES.map((address) => startReplica(address, serverPort, replicaEnv(limits))));
}

await startReplicas({});
const caddy = await startCaddy({
  caddyfile: join(REPO_ROOT, 'Caddyfile'),
  tempDir,
  env: {
    SERVER_HOST: 'replicas.test',
    SERVER_PORT: String(serverPort),
    SERVER_DNS: `udp/${dns.address}`,
    // No dashboard in this test: its routes are not used.
    DASHBOARD_UPSTREAM: `127.0.0.1:${await freePort()}`,
  },
});

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.kill()));
  await caddy.stop();
  dns.stop();
  await llm.stop();
  await convex.stop();
  restoreSecret();
  await rm(tempDir, { recursive: true, force: true });
});

function chat(sessionId: string, message: string): Promise<Response> {
  return fetch(`${caddy.baseUrl}/v1/chat/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': WIDGET_KEY },
    body: JSON.stringify({ sessionId, message }),
    ...insecure,
  });
}

/** Reads a stream to its end: the event types, and whether it ended with `done` or was cut. */
async function drain(reader: NdjsonReader): Promise<string[]> {
  const types: string[] = [];
  try {
    for (let event = await reader.next(); event; event = await reader.next()) types.push(String(event.type));
  } catch {
    types.push('cut');
  }
  return types;
}

/** Which replica stored each session's turns: from the deployment's own record of startTurn calls. */
function replicaOfTurns(sessionId: string): string[] {
  return convex.calls
    .filter((call) => call.path === 'chat:startTurn' && call.args.sessionId === sessionId)
    .map((call) => String(call.args.replicaId));
}

async function replyStatus(sessionId: string) {
  const thread = await convex.t.query(api.chat.sessionThread, { secret: FAKE_CONVEX_SECRET, sessionId, limit: 50 });
  return thread?.messages.at(-1);
}

describe('three replicas behind Caddy, one Convex deployment', () => {
  it('balances the API over every replica', async () => {
    llm.script({ kind: 'reply', tokens: Array.from({ length: 20 }, (_, i) => ` w${i}`), delayMs: 20 });
    const sessions = Array.from({ length: 12 }, (_, i) => `balance-${i}`);
    const responses = await Promise.all(sessions.map((sessionId) => chat(sessionId, 'hello')));
    expect(responses.map((r) => r.status)).toEqual(sessions.map(() => 200));
    for (const response of responses) expect((await drain(readNdjson(response))).at(-1)).toBe('done');
    const used = new Set(sessions.flatMap(replicaOfTurns));
    expect([...used].sort()).toEqual(replicas.map((replica) => replica.replicaId).sort());
  });

  it("holds a session's rate limit whichever replica answers", async () => {
    await startReplicas({ RATE_LIMIT_CHAT_PER_SESSION: '4' });
    llm.script({ kind: 'reply', tokens: Array.from({ length: 20 }, (_, i) => ` r${i}`), delayMs: 20 });
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => chat('rate-limited-session', `message ${i}`)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(4);
    expect(statuses.filter((status) => status === 429)).toHaveLength(8);
    const refused = responses.find((r) => r.status === 429)!;
    expect(await refused.json()).toMatchObject({ code: 'rate_limited' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    for (const response of responses) if (response.status === 200) await drain(readNdjson(response));
    // Every replica was asked (12 requests at once, least_conn): the limit held across them, not per replica.
    const asked = convex.calls.filter((call) => call.path === 'chat:startTurn' && call.args.sessionId === 'rate-limited-session');
    expect(new Set(asked.map((call) => call.args.replicaId)).size).toBe(3);
  });

  it('lets 50 parallel turns over the replicas spend no more than a small daily cap', async () => {
    // Each turn reserves its prompt (~10 tokens) plus 100 of reply: 1,000 tokens admit at most 9 at once.
    await startReplicas({ BUDGET_TOKENS_PER_DAY: '1000' });
    llm.script({ kind: 'reply', tokens: Array.from({ length: 100 }, (_, i) => ` b${i}`), delayMs: 5 });
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => chat(`budget-${i}`, 'spend my tokens')));
    const answered = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status === 429);
    expect(responses.filter((r) => r.status !== 200 && r.status !== 429).map((r) => r.status)).toEqual([]);
    expect(answered.length + refused.length).toBe(50);
    expect(answered.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const response of refused) expect(await response.json()).toMatchObject({ code: 'budget_exhausted' });
    for (const response of answered) await drain(readNdjson(response));

    // What the model really reported, summed over every stored reply of the run, stays under the cap.
    let spent = 0;
    for (let i = 0; i < 50; i++) {
      const reply = await replyStatus(`budget-${i}`);
      spent += reply?.usage?.totalTokens ?? 0;
    }
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(1000);
    const served = new Set(Array.from({ length: 50 }, (_, i) => replicaOfTurns(`budget-${i}`)).flat());
    expect(served.size).toBe(3);
  });
  it('follows the replica list as compose scales down and up, without a reload', async () => {
    await startReplicas({});
    llm.script({ kind: 'reply', tokens: ['ok'], delayMs: 0 });
    // One request at a time: once Caddy 2.6 has retried a request, two requests at once can share its buffer (see
    // the note on the last test), which is Debian's Caddy, not what is under test here.
    const turnsServedBy = async (prefix: string, count: number) => {
      for (let i = 0; i < count; i++) {
        const response = await chat(`${prefix}-${i}`, 'hello');
        expect(response.status).toBe(200);
        await drain(readNdjson(response));
      }
      return new Set(Array.from({ length: count }, (_, i) => replicaOfTurns(`${prefix}-${i}`)).flat());
    };

    // Down to two: the replica stops and leaves the DNS answer at once, as a stopped container does.
    const [kept1, kept2, leaving] = replicas;
    dns.setAddresses([kept1!.address, kept2!.address]);
    await leaving!.kill();
    // Until Caddy looks the name up again, a request may still be sent to the stopped address: it is retried.
    expect([...(await turnsServedBy('down', 9))].sort()).toEqual([kept1!.replicaId, kept2!.replicaId].sort());

    // Back to three: a new replica on that address joins on Caddy's next lookup (every 5 s).
    const joined = await startReplica(leaving!.address, serverPort, replicaEnv({}));
    replicas = [kept1!, kept2!, joined];
    dns.setAddresses(ADDRESSES);
    let round = 0;
    while (!(await turnsServedBy(`up-${round}`, 6)).has(joined.replicaId) && round < 40) {
      round += 1;
      await Bun.sleep(250);
    }
    expect(round).toBeLessThan(40);
  });

  // After the tests that send requests at once: this one and the previous make Caddy retry a request, and Caddy
  // 2.6's `buffer_requests` (Debian's package; the compose image's current Caddy uses `request_buffers`) then puts
  // that request's buffer back in its pool twice, so two later requests at once can share one buffer (seen as
  // "ContentLength=52 with Body length 0"). Both send their requests one at a time.
  it('answers the next turn of a visitor whose replica was SIGKILLed mid-stream on another, with the whole history, and interrupts only the dead replica\'s reply', async () => {
    await startReplicas({});
    llm.script({ kind: 'echo' });
    const first = await chat('visitor', 'my first question');
    expect((await drain(readNdjson(first))).at(-1)).toBe('done');

    // Three long replies at once: least_conn gives each replica one.
    llm.script({ kind: 'reply', tokens: Array.from({ length: 400 }, (_, i) => ` s${i}`), delayMs: 25 });
    const streams = new Map<string, NdjsonReader>();
    const replyIds = new Map<string, string>();
    for (const sessionId of ['visitor', 'other-1', 'other-2']) {
      const reader = readNdjson(await chat(sessionId, `a long answer please (${sessionId})`));
      const start = (await reader.next())!;
      expect(start.type).toBe('start');
      expect((await reader.next())!.type).toBe('token');
      streams.set(sessionId, reader);
      replyIds.set(sessionId, String(start.messageId));
    }
    const reply = async (sessionId: string) => {
      const thread = await convex.t.query(api.chat.sessionThread, { secret: FAKE_CONVEX_SECRET, sessionId, limit: 50 });
      return thread!.messages.find((message) => message.id === replyIds.get(sessionId))!;
    };
    const servedBy = (sessionId: string) => replicaOfTurns(sessionId).at(-1)!;
    const victim = replicas.find((replica) => replica.replicaId === servedBy('visitor'))!;
    const survivors = ['other-1', 'other-2'].filter((sessionId) => servedBy(sessionId) !== victim.replicaId);
    expect(survivors.length).toBeGreaterThan(0);

    await victim.kill('SIGKILL');
    expect((await drain(streams.get('visitor')!)).at(-1)).not.toBe('done');

    // The visitor asks again: Caddy retries past the dead address, another replica answers with the whole history.
    llm.script({ kind: 'echo' });
    const next = await chat('visitor', 'are you still there?');
    expect(next.status).toBe(200);
    expect((await drain(readNdjson(next))).at(-1)).toBe('done');
    expect(servedBy('visitor')).not.toBe(victim.replicaId);
    const seen = llm.requests.at(-1)!.body.messages!.filter((m) => m.role !== 'system').map((m) => m.content);
    // The cut reply is left out (nothing of it was stored), the visitor's question that it answered is not.
    expect(seen).toEqual(['my first question', 'my first question', 'a long answer please (visitor)', 'are you still there?']);

    // The cron interrupts the dead replica's reply once its lease ran out; the survivors' live replies stay.
    const deadline = Date.now() + 30_000;
    while ((await reply('visitor')).status === 'streaming' && Date.now() < deadline) {
      for (const sessionId of survivors) expect((await reply(sessionId)).status).toBe('streaming');
      await runCron(convex.t, SWEEP);
      await Bun.sleep(250);
    }
    expect(await reply('visitor')).toMatchObject({ status: 'error', errorCode: 'interrupted' });
    for (const sessionId of survivors) expect((await reply(sessionId)).status).toBe('streaming');

    // And the survivors finish their replies normally.
    for (const sessionId of survivors) {
      expect((await drain(streams.get(sessionId)!)).at(-1)).toBe('done');
      expect((await reply(sessionId)).status).toBe('complete');
    }
  });

});
