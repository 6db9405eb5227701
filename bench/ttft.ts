/**
 * Time to first token added by the server: the same streams, at the same concurrency, once straight to the
 * upstream and once through `POST /v1/chat/stream` (validation, SQLite turn, OpenAI SDK, NDJSON), in the same run.
 */
import { BENCH_WIDGET_KEY, cpuMillis, runClient, type ServerProcess, type Upstream } from './processes.ts';
import type { RunResult } from './load-client.ts';
import type { GoalCheck, Table } from './report.ts';
import { count, ms, ratio, signedMs, summarize, type Summary } from './stats.ts';

export interface TtftLevel {
  concurrency: number;
  /** Reply length: short at low concurrency so enough samples fit in the window, longer when many streams run. */
  tokens: number;
  warmupMs: number;
  /** Measured time per round and target; rounds alternate direct and server so load drift hits both alike. */
  durationMs: number;
  rounds: number;
}

export interface TtftRow {
  level: TtftLevel;
  direct: Summary;
  server: Summary;
  errors: number;
  firstError: string | null;
  /** Server CPU time (user + system) per chat turn, warm-up included: unlike latency, it does not depend on how busy the machine is. */
  serverCpuPerTurnMs: number;
}

/** The upstream's pace: the first token 5 ms after the request, then one every 5 ms (a fast hosted model). */
export const PACE_MS = 5;

export async function measureTtft(upstream: Upstream, server: ServerProcess, levels: TtftLevel[]): Promise<TtftRow[]> {
  const rows: TtftRow[] = [];
  for (const level of levels) {
    await upstream.shape({ tokens: level.tokens, firstDelayMs: PACE_MS, delayMs: PACE_MS });
    const base = { mode: 'ttft' as const, concurrency: level.concurrency, warmupMs: level.warmupMs, durationMs: level.durationMs };
    const directJob = { ...base, target: { url: `${upstream.url}/chat/completions`, headers: {}, body: 'openai' as const, wire: 'sse' as const } };
    const serverJob = { ...base, target: { url: `${server.url}/v1/chat/stream`, headers: { 'x-api-key': BENCH_WIDGET_KEY }, body: 'chat' as const, wire: 'ndjson' as const } };
    const direct: RunResult[] = [];
    const through: RunResult[] = [];
    let serverCpu = 0;
    const viaServer = async () => {
      const before = cpuMillis(server.pid);
      through.push(await runClient(serverJob));
      serverCpu += cpuMillis(server.pid) - before;
    };
    for (let round = 0; round < level.rounds; round += 1) {
      if (round % 2 === 0) {
        direct.push(await runClient(directJob));
        await viaServer();
      } else {
        await viaServer();
        direct.push(await runClient(directJob));
      }
    }
    const all = [...direct, ...through];
    rows.push({
      level,
      direct: summarize(direct.flatMap((result) => result.samples)),
      server: summarize(through.flatMap((result) => result.samples)),
      errors: all.reduce((sum, result) => sum + result.errors, 0),
      firstError: all.find((result) => result.firstError)?.firstError ?? null,
      serverCpuPerTurnMs: serverCpu / Math.max(1, through.reduce((sum, result) => sum + result.total, 0)),
    });
  }
  return rows;
}

export function ttftTable(rows: TtftRow[]): Table {
  return {
    title: 'Time to first token added by the server (`POST /v1/chat/stream`, SQLite)',
    columns: ['Concurrent streams', 'Samples (direct / server)', 'Direct p50', 'Server p50', 'Added p50', 'Direct p99', 'Server p99', 'Added p99', 'Ratio p50', 'Server CPU per turn', 'Errors'],
    rows: rows.map(({ level, direct, server, errors, serverCpuPerTurnMs }) => [
      count(level.concurrency),
      `${count(direct.count)} / ${count(server.count)}`,
      ms(direct.p50),
      ms(server.p50),
      signedMs(server.p50 - direct.p50, 2),
      ms(direct.p99),
      ms(server.p99),
      signedMs(server.p99 - direct.p99, 2),
      ratio(server.p50 / direct.p50),
      ms(serverCpuPerTurnMs, 2),
      count(errors),
    ]),
    notes: [
      `The upstream sends its first token ${PACE_MS} ms after the request, then one every ${PACE_MS} ms; replies are ${[...new Set(rows.map((row) => row.level.tokens))].join(' or ')} tokens.`,
      'Each client worker runs streams back to back (a new conversation every 5 turns); samples are taken after a warm-up, from requests sent to the first token received.',
      `Direct and server runs alternate (${rows[0]?.level.rounds ?? 0} rounds each, ${(rows[0]?.level.durationMs ?? 0) / 1000} s measured per round at the first level) so that load from other processes on the machine falls on both alike.`,
      'Direct: the same client reads the upstream\'s SSE itself. Added = server − direct at the same percentile.',
      'Server CPU per turn: user + system time of the server process over its runs divided by the turns it served (whole replies, so it grows with the reply length).',
      ...rows.filter((row) => row.firstError).map((row) => `First error at ${row.level.concurrency} streams: ${row.firstError}`),
    ],
  };
}

/** The first-token goals: what the server may add at one stream and at 100 concurrent streams. */
export const TTFT_GOALS = [
  { concurrency: 1, p50: 0.5, p99: 1.5 },
  { concurrency: 100, p50: 3, p99: 10 },
] as const;

export function ttftGoals(rows: TtftRow[]): GoalCheck[] {
  return TTFT_GOALS.flatMap(({ concurrency, p50, p99 }): GoalCheck[] => {
    const row = rows.find((candidate) => candidate.level.concurrency === concurrency);
    const name = (what: string) => `First token: ${what} added at ${count(concurrency)} stream${concurrency === 1 ? '' : 's'}`;
    if (!row) return [{ goal: name(`< ${p50} ms p50 / < ${p99} ms p99`), measured: 'not run', met: null, margin: '' }];
    const addedP50 = row.server.p50 - row.direct.p50;
    const addedP99 = row.server.p99 - row.direct.p99;
    return [
      { goal: name(`< ${p50} ms p50`), measured: signedMs(addedP50, 2), met: addedP50 < p50, margin: describeMargin(addedP50, p50) },
      { goal: name(`< ${p99} ms p99`), measured: signedMs(addedP99, 2), met: addedP99 < p99, margin: describeMargin(addedP99, p99) },
    ];
  });
}

function describeMargin(value: number, limit: number): string {
  return value < limit ? `${(limit - value).toFixed(2)} ms to spare` : `${(value - limit).toFixed(2)} ms over (${(value / limit).toFixed(1)}× the limit)`;
}
