/**
 * Does the server slow down as its database grows? One server process on a fresh SQLite file answers `POST /v1/chat`
 * (instant upstream) turn after turn; throughput and CPU time per turn are taken for every window of turns, and the
 * last window is compared with the first.
 */
import { BENCH_WIDGET_KEY, cpuMillis, runAgingClient, type ServerProcess, type Upstream } from './processes.ts';
import type { GoalCheck, Table } from './report.ts';
import { count, ms, percent } from './stats.ts';

export interface AgingOptions {
  concurrency: number;
  turns: number;
  window: number;
  tokens: number;
}

export interface AgingRow {
  /** Turns stored before this window ended. */
  turnsSoFar: number;
  perSecond: number;
  cpuPerTurnMs: number;
  errors: number;
  firstError: string | null;
}

export interface AgingResult {
  options: AgingOptions;
  rows: AgingRow[];
}

export async function measureAging(upstream: Upstream, server: ServerProcess, options: AgingOptions): Promise<AgingResult> {
  await upstream.shape({ tokens: options.tokens, firstDelayMs: 0, delayMs: 0 });
  const rows: AgingRow[] = [];
  let cpuBefore = cpuMillis(server.pid);
  await runAgingClient(
    {
      mode: 'aging',
      concurrency: options.concurrency,
      turns: options.turns,
      window: options.window,
      target: { url: `${server.url}/v1/chat`, headers: { 'x-api-key': BENCH_WIDGET_KEY }, body: 'chat', wire: 'ndjson' },
    },
    (window) => {
      const cpu = cpuMillis(server.pid);
      rows.push({
        turnsSoFar: (window.index + 1) * window.turns,
        perSecond: window.turns / (window.ms / 1000),
        cpuPerTurnMs: (cpu - cpuBefore) / window.turns,
        errors: window.errors,
        firstError: window.firstError,
      });
      cpuBefore = cpu;
    },
  );
  return { options, rows };
}

/** Rows to print: every window when there are few, otherwise every other one and always the first and last. */
function shownRows(rows: AgingRow[]): AgingRow[] {
  if (rows.length <= 10) return rows;
  return rows.filter((_, index) => index === 0 || index === rows.length - 1 || index % 2 === 1);
}

export function agingTable({ options, rows }: AgingResult): Table {
  const first = rows[0];
  return {
    title: 'Throughput as the database grows (`POST /v1/chat`, one process, fresh SQLite file)',
    columns: ['Turns stored', 'Requests/s', 'vs first window', 'CPU per request', 'Errors'],
    rows: shownRows(rows).map((row) => [
      count(row.turnsSoFar),
      count(row.perSecond),
      first ? percent(row.perSecond / first.perSecond) : 'n/a',
      ms(row.cpuPerTurnMs, 3),
      count(row.errors),
    ]),
    notes: [
      `${options.concurrency} client connections sending back to back until ${count(options.turns)} turns (${count(options.turns * 2)} messages) are stored; one row per ${count(options.window)} turns; the upstream streams ${options.tokens} tokens with no pause.`,
      'A new conversation every 5 turns, so the conversations table grows too. CPU per request: the server process\'s user + system time over the window.',
      ...rows.filter((row) => row.firstError).slice(0, 1).map((row) => `First error (window ending at ${count(row.turnsSoFar)}): ${row.firstError}`),
    ],
  };
}

export function agingGoal(result: AgingResult | null): GoalCheck {
  const goal = 'Throughput after 200,000 turns within 10% of the first 10,000';
  const first = result?.rows[0];
  const last = result?.rows.at(-1);
  if (!result || !first || !last || result.rows.length < 2) return { goal, measured: 'not run', met: null, margin: '' };
  const share = last.perSecond / first.perSecond;
  const cpuShare = last.cpuPerTurnMs / first.cpuPerTurnMs;
  const partial = result.options.turns < 200_000 ? ` (quick run: after ${count(last.turnsSoFar)} turns)` : '';
  return {
    goal,
    measured: `${percent(share)} of the first window${partial}: ${count(last.perSecond)} vs ${count(first.perSecond)} req/s; CPU per request ${ms(last.cpuPerTurnMs, 3)} vs ${ms(first.cpuPerTurnMs, 3)} (${percent(cpuShare)})`,
    met: share >= 0.9,
    margin: share >= 0.9 ? `${((share - 0.9) * 100).toFixed(0)} points to spare` : `${((0.9 - share) * 100).toFixed(0)} points short`,
  };
}
