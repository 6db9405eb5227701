/**
 * The SQLite store: messages written per second by concurrent chat turns (the store alone, on a fresh file), and
 * the admin API's list and search latency over HTTP at 100,000 conversations / 1,000,000 messages (a seeded file
 * under bench/.data/, made once with scripts/seed.ts and reused).
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '../server/src/store/sqlite/store.ts';
import { BENCH_ADMIN_KEY, DATA_DIR, ROOT, startServerProcess, type Upstream } from './processes.ts';
import type { Table } from './report.ts';
import { count, ms, summarize, type Summary } from './stats.ts';

export const SEED_PATH = join(DATA_DIR, 'seed-100k.db');

export interface WriteResult {
  chats: number;
  seconds: number;
  messages: number;
  /** This process's CPU time (user + system) per turn: the store's own cost, with nothing else in the process. */
  cpuPerTurnMs: number;
  /** From calling startTurn to its commit, plus from calling finishTurn to its commit (group commit included). */
  turnLatency: Summary;
}

const REPLY = 'Thanks for waiting. Your order left our warehouse yesterday and should arrive within three business days. '.repeat(3);

const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** `chats` simulated visitors, each running turns back to back: startTurn (user message + placeholder), then finishTurn. */
export async function measureStoreWrites(chats: number, durationMs: number): Promise<WriteResult> {
  const path = join(DATA_DIR, 'store-writes.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  const store = await openSqliteStore(path);
  const latencies: number[] = [];
  let messages = 0;
  const started = performance.now();
  const cpuBefore = cpuNow();
  const deadline = started + durationMs;
  const visitor = async (index: number) => {
    for (let turn = 0; performance.now() < deadline; turn += 1) {
      let began = performance.now();
      const begun = await store.startTurn({
        sessionId: `writer-${index}-${Math.floor(turn / 5)}`,
        content: `Question ${turn}: can I change the delivery address for my order?`,
        model: 'bench-model',
        historyLimit: 30,
      });
      let latency = performance.now() - began;
      began = performance.now();
      await store.finishTurn({
        assistantMessageId: begun.assistantMessage.id,
        content: REPLY,
        status: 'complete',
        model: 'bench-model',
        usage: { promptTokens: 120, completionTokens: 80, totalTokens: 200 },
        finishReason: 'stop',
        firstTokenMs: 300,
        totalMs: 2000,
      });
      latency += performance.now() - began;
      messages += 2;
      latencies.push(latency);
    }
  };
  await Promise.all(Array.from({ length: chats }, (_, index) => visitor(index)));
  const seconds = (performance.now() - started) / 1000;
  const cpuPerTurnMs = (cpuNow() - cpuBefore) / Math.max(1, messages / 2);
  await store.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  return { chats, seconds, messages, cpuPerTurnMs, turnLatency: summarize(latencies) };
}

export function storeWritesTable(result: WriteResult): Table {
  return {
    title: 'SQLite writes (store alone, fresh file)',
    columns: ['Concurrent chats', 'Messages written/s', 'Turns/s', 'CPU per turn', 'Commit latency per turn p50', 'p99', 'max'],
    rows: [[count(result.chats), count(result.messages / result.seconds), count(result.messages / 2 / result.seconds), ms(result.cpuPerTurnMs, 3), ms(result.turnLatency.p50, 3), ms(result.turnLatency.p99, 3), ms(result.turnLatency.max, 1)]],
    notes: [
      'A turn is the two writes a chat makes: `startTurn` (conversation upsert, user message, reply placeholder, history read) and `finishTurn` (the reply with usage). The calls made during one event-loop turn share one WAL commit (group commit); each settles once its commit is done.',
      'CPU per turn is this process\'s CPU time over the run divided by the turns (the store is all it runs, the full-text indexer included); commit latency is the wait from each call to its commit, so it includes the other chats\' writes batched with it.',
    ],
  };
}

/** Seeds the 100k/1M file once with scripts/seed.ts; later runs reuse it. */
export async function ensureSeeded(): Promise<{ seeded: boolean; seconds: number }> {
  if (existsSync(SEED_PATH)) return { seeded: false, seconds: 0 };
  const started = performance.now();
  const partial = `${SEED_PATH}.partial`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  console.log('  seeding 100,000 conversations / 1,000,000 messages into bench/.data/ (once; takes minutes)…');
  const seed = Bun.spawn(['bun', 'scripts/seed.ts', '--db', partial, '--no-measure'], { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' });
  if ((await seed.exited) !== 0) throw new Error('scripts/seed.ts failed');
  // Renamed only when complete, so an interrupted seed is never mistaken for a finished one.
  for (const suffix of ['-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  renameSync(partial, SEED_PATH);
  return { seeded: true, seconds: (performance.now() - started) / 1000 };
}

export interface AdminCase {
  label: string;
  path: string;
  summary: Summary;
  /** Conversations in the answer; null for answers that are not lists or threads (stats). */
  items: number | null;
}

interface AdminReply {
  /** The list: `conversations` in the server's schema (docs/API.md says `items`; both are read). */
  conversations?: unknown[];
  items?: unknown[];
  nextCursor?: string | null;
  conversation?: unknown;
}

async function adminGet(url: string): Promise<AdminReply> {
  const response = await fetch(url, { headers: { 'x-admin-api-key': BENCH_ADMIN_KEY } });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return (await response.json()) as AdminReply;
}

const listOf = (reply: AdminReply) => reply.conversations ?? reply.items;

/** The admin API over HTTP against a server process opened on the seeded file; `samples` timed requests per case. */
export async function measureAdmin(
  upstream: Upstream,
  samples: number,
  databasePath = SEED_PATH,
): Promise<{ cases: AdminCase[]; conversations: number; messages: number }> {
  const server = await startServerProcess({ upstreamUrl: upstream.url, databasePath, name: 'server-admin' });
  try {
    const base = `${server.url}/v1/admin`;
    // Walk 100 pages of 100 to get a cursor 10,000 rows deep, as a dashboard user paging far back would.
    let cursor: string | null | undefined = null;
    let depth = 0;
    for (let page = 0; page < 100; page += 1) {
      const listed: AdminReply = await adminGet(`${base}/conversations?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      if (!listed.nextCursor) break;
      cursor = listed.nextCursor;
      depth += 100;
    }
    const first = listOf(await adminGet(`${base}/conversations?limit=1`))?.[0] as { id: string } | undefined;
    const weekAgo = Date.now() - 7 * 86_400_000;
    // The stats range is capped at 366 days; the seed spans 90.
    const stats = (await adminGet(`${base}/stats?from=${Date.now() - 365 * 86_400_000}&to=${Date.now()}`)) as { totals?: { conversations: number; messages: number } };

    const cases: Array<[string, string]> = [
      ['list, first page (25)', '/conversations?limit=25'],
      [`list, page ${depth.toLocaleString('en-US')} rows deep (cursor)`, `/conversations?limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`],
      ['list, problem=any', '/conversations?limit=25&problem=any'],
      ['list, feedback=down, last 7 days', `/conversations?limit=25&feedback=down&from=${weekAgo}`],
      ['search q=refund (common word)', '/conversations?limit=25&q=refund'],
      ['search q=zurich (rare word)', '/conversations?limit=25&q=zurich'],
      ['search q=warranty headph (2 words, prefix)', `/conversations?limit=25&q=${encodeURIComponent('warranty headph')}`],
      ['search q=refund + problem=error', '/conversations?limit=25&q=refund&problem=error'],
      ['one thread', `/conversations/${first?.id ?? 'missing'}`],
      ['stats, last 30 days', '/stats'],
    ];
    const results: AdminCase[] = [];
    for (const [label, path] of cases) {
      const reply = await adminGet(base + path); // warm-up, and the item count shown in the table
      const timings: number[] = [];
      for (let sample = 0; sample < samples; sample += 1) {
        const started = performance.now();
        await adminGet(base + path);
        timings.push(performance.now() - started);
      }
      results.push({ label, path, summary: summarize(timings), items: listOf(reply)?.length ?? (reply.conversation ? 1 : null) });
    }
    return { cases: results, conversations: stats.totals?.conversations ?? Number.NaN, messages: stats.totals?.messages ?? Number.NaN };
  } finally {
    await server.stop();
  }
}

export function adminTable(result: { cases: AdminCase[]; conversations: number; messages: number }, samples: number): Table {
  return {
    title: `Admin API latency at ${count(result.conversations)} conversations / ${count(result.messages)} messages (SQLite, over HTTP)`,
    columns: ['Request', 'Items', 'p50', 'p95', 'max'],
    rows: result.cases.map((c) => [c.label, c.items === null ? '—' : count(c.items), ms(c.summary.p50, 2), ms(c.summary.p95, 2), ms(c.summary.max, 2)]),
    notes: [`${samples} sequential requests per row after one warm-up request, client → server process → SQLite file seeded by scripts/seed.ts (90 days of history).`],
  };
}
