/**
 * Concurrent open streams: hold N slow chat streams open through the server and read its resident memory before
 * and while they are held. The load is split over several client processes (sockets per process, and one event
 * loop per few thousand streams).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { HoldResult, Target } from './load-client.ts';
import { BENCH_WIDGET_KEY, openHeldStreams, residentBytes, runClient, type ServerProcess, type Upstream } from './processes.ts';
import type { GoalCheck, Table } from './report.ts';
import { bytes, count } from './stats.ts';

export interface HoldLevel {
  streams: number;
}

/** A process that holds streams: the server, or the bare proxy as the reference for Bun's own cost per stream. */
export interface Holder {
  label: string;
  pid: number;
  target: Target;
}

export function serverHolder(server: ServerProcess): Holder {
  return { label: 'server', pid: server.pid, target: { url: `${server.url}/v1/chat/stream`, headers: { 'x-api-key': BENCH_WIDGET_KEY }, body: 'chat', wire: 'ndjson' } };
}

export function proxyHolder(proxy: { child: { pid: number }; url: string }): Holder {
  return { label: 'bare Bun.serve proxy (reference)', pid: proxy.child.pid, target: { url: `${proxy.url}/v1/chat`, headers: {}, body: 'chat', wire: 'sse' } };
}

export interface HoldRow {
  label: string;
  /** Streams asked for (after the file-descriptor cap) and streams the server actually held. */
  requested: number;
  wanted: number;
  opened: number;
  failed: number;
  endedEarly: number;
  upstreamOpen: number;
  rssBefore: number;
  rssHeld: number;
  firstError: string | null;
}

const STREAMS_PER_CLIENT = 2500;
/**
 * New streams per second, all clients together. Opening a stream is a full chat turn start (SQLite write, upstream
 * request); faster than the server can start them, its accept queue overflows and the kernel resets connections,
 * which would measure the ramp rather than holding.
 */
const OPEN_PER_SECOND = 250;
const BATCH = 10;
/** A slow model: a token every 5 s keeps every stream alive without turning the test into a throughput test. */
const SLOW_REPLY = { tokens: 10_000, firstDelayMs: 1000, delayMs: 5000 };

/** How many streams the server process can hold: each needs a client socket and an upstream socket. */
export function streamCapacity(pid: number): { capacity: number; limit: number } {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const limit = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? Number.POSITIVE_INFINITY);
  const used = readdirSync(`/proc/${pid}/fd`).length;
  // Keep a reserve: the upstream connection pool, SQLite's files and sockets being set up or torn down also count.
  return { capacity: Math.floor((limit - used - 1000) / 2), limit };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await Bun.sleep(250);
  }
  return false;
}

export async function measureOpenStreams(
  upstream: Upstream,
  holder: Holder,
  levels: HoldLevel[],
  progress: (message: string) => void = () => {},
): Promise<HoldRow[]> {
  // Warm up first (code paths compiled, SQLite caches filled) so "before" is a running process's baseline.
  await upstream.shape({ tokens: 4, firstDelayMs: 0, delayMs: 0 });
  await runClient({ mode: 'ttft', concurrency: 50, warmupMs: 0, durationMs: 2000, target: holder.target });
  await upstream.shape(SLOW_REPLY);

  const rows: HoldRow[] = [];
  for (const level of levels) {
    const { capacity } = streamCapacity(holder.pid);
    const wanted = Math.min(level.streams, capacity);
    await Bun.sleep(1000);
    const rssBefore = residentBytes(holder.pid);

    const clientCount = Math.ceil(wanted / STREAMS_PER_CLIENT);
    const clients = await Promise.all(
      Array.from({ length: clientCount }, (_, index) =>
        openHeldStreams({
          mode: 'hold',
          tag: `hold${level.streams}c${index}`,
          count: Math.min(STREAMS_PER_CLIENT, wanted - index * STREAMS_PER_CLIENT),
          batch: BATCH,
          batchEveryMs: (BATCH * clientCount * 1000) / OPEN_PER_SECOND,
          target: holder.target,
        }),
      ),
    );
    const opened = clients.reduce((sum, client) => sum + client.opened.opened, 0);
    progress(`${holder.label}: ${opened} of ${wanted} streams open`);
    // Every held stream must have its own upstream request in flight (not queued behind a fetch limit).
    await waitFor(async () => (await upstream.openStreams()) >= opened, 10_000);
    await Bun.sleep(2000);
    let rssHeld = 0;
    for (let sample = 0; sample < 3; sample += 1) {
      rssHeld = Math.max(rssHeld, residentBytes(holder.pid));
      await Bun.sleep(500);
    }
    const upstreamOpen = await upstream.openStreams();
    const results: HoldResult[] = await Promise.all(clients.map((client) => client.close()));
    progress('streams closed');
    await waitFor(async () => (await upstream.openStreams()) === 0, 30_000);
    progress('upstream requests ended');

    rows.push({
      label: holder.label,
      requested: level.streams,
      wanted,
      opened,
      failed: results.reduce((sum, result) => sum + result.failed, 0),
      endedEarly: results.reduce((sum, result) => sum + result.endedEarly, 0),
      upstreamOpen,
      rssBefore,
      rssHeld,
      firstError: results.find((result) => result.firstError)?.firstError ?? null,
    });
  }
  return rows;
}

const perStream = (row: HoldRow) => (row.opened > 0 ? (row.rssHeld - row.rssBefore) / row.opened : Number.NaN);

export function openStreamsTable(rows: HoldRow[], fdLimit: number): Table {
  return {
    title: 'Concurrent open streams (`POST /v1/chat/stream`, slow upstream)',
    columns: ['Process', 'Streams asked', 'Held', 'Failed to open', 'Ended early', 'Upstream requests open', 'Server RSS before', 'RSS while held', 'RSS per stream'],
    rows: rows.map((row) => [
      row.label,
      count(row.wanted) + (row.wanted < row.requested ? ` (of ${count(row.requested)})` : ''),
      count(row.opened),
      count(row.failed),
      count(row.endedEarly),
      count(row.upstreamOpen),
      bytes(row.rssBefore),
      bytes(row.rssHeld),
      bytes(perStream(row)),
    ]),
    notes: [
      `Streams are opened at ${OPEN_PER_SECOND}/s; the upstream sends a token every ${SLOW_REPLY.delayMs / 1000} s; a stream counts as held once its first event arrived, and must not end before the benchmark closes it.`,
      `RSS is VmRSS of the server process from /proc, taken after a warm-up and again ~3 s after the last stream opened (max of 3 samples). Clients: one process per ${count(STREAMS_PER_CLIENT)} streams.`,
      `Each stream costs the server two file descriptors (the client socket and its upstream request). This machine caps a process at ${count(fdLimit)} open files (hard limit, cannot be raised here), so the largest level is cut to what fits with a reserve; a production host (Docker's default is 1,048,576) has no such cap.`,
      'The bare proxy holds the same streams with nothing but Bun.serve and fetch: its cost per stream is what Bun itself needs; the difference is the server\'s own.',
      ...rows.filter((row) => row.firstError).map((row) => `First error (${row.label}, ${count(row.requested)}): ${row.firstError}`),
    ],
  };
}

export function openStreamsGoal(rows: HoldRow[]): GoalCheck {
  const goal = '10,000 open streams under 1 GB resident';
  const largest = rows.filter((row) => row.label === 'server').at(-1);
  if (!largest || largest.opened === 0) return { goal, measured: 'not run', met: null, margin: '' };
  const gib = 1024 ** 3;
  const complete = largest.failed === 0 && largest.endedEarly === 0;
  // Below 10,000 (file-descriptor cap) the memory at 10,000 is extrapolated from the measured cost per stream.
  const at10k = largest.opened >= 10_000 ? largest.rssHeld : largest.rssBefore + perStream(largest) * 10_000;
  const measured = `${bytes(at10k)}${largest.opened >= 10_000 ? '' : ` (extrapolated from ${count(largest.opened)} held)`}${complete ? ', none failed' : `, ${largest.failed + largest.endedEarly} failed`}`;
  return {
    goal,
    measured,
    met: at10k < gib && complete,
    margin: at10k < gib ? `${bytes(gib - at10k)} to spare` : `${bytes(at10k - gib)} over`,
  };
}
