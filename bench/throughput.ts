/**
 * Throughput of `POST /v1/chat` with an upstream that answers at once, against the bare pass-through proxy
 * (`bare-proxy.ts`) in front of the same upstream, with the same client, one after the other.
 */
import { BENCH_WIDGET_KEY, cpuMillis, runClient, startBareProxyProcess, type ServerProcess, type Upstream } from './processes.ts';
import type { GoalCheck, Table } from './report.ts';
import type { RunResult } from './load-client.ts';
import { count, ms, percent, ratio, summarize } from './stats.ts';

export interface ThroughputOptions {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Tokens in the instant reply. */
  tokens: number;
  /** Proxy and server runs alternate this many times each. */
  rounds: number;
}

export interface Measured extends RunResult {
  /** CPU time the target process used per request, warm-up included. */
  cpuPerRequestMs: number;
}

export interface ThroughputResult {
  options: ThroughputOptions;
  server: Measured;
  proxy: Measured;
}

/** Runs the client against a target process and charges that process's CPU time to the requests it answered. */
async function measured(pid: number, run: () => Promise<RunResult>): Promise<Measured> {
  const before = cpuMillis(pid);
  const result = await run();
  return { ...result, cpuPerRequestMs: (cpuMillis(pid) - before) / Math.max(1, result.total) };
}

const perSecond = (result: RunResult) => result.completed / (result.measuredMs / 1000);

/** Several runs against one target as one: their requests, windows and CPU time added up. */
function combine(runs: Measured[]): Measured {
  const total = runs.reduce((sum, run) => sum + run.total, 0);
  return {
    samples: runs.flatMap((run) => run.samples),
    completed: runs.reduce((sum, run) => sum + run.completed, 0),
    total,
    measuredMs: runs.reduce((sum, run) => sum + run.measuredMs, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    firstError: runs.find((run) => run.firstError)?.firstError ?? null,
    cpuPerRequestMs: runs.reduce((sum, run) => sum + run.cpuPerRequestMs * run.total, 0) / Math.max(1, total),
  };
}

export async function measureThroughput(upstream: Upstream, server: ServerProcess, options: ThroughputOptions): Promise<ThroughputResult> {
  await upstream.shape({ tokens: options.tokens, firstDelayMs: 0, delayMs: 0 });
  const job = { mode: 'throughput' as const, concurrency: options.concurrency, warmupMs: options.warmupMs, durationMs: options.durationMs };
  const proxy = await startBareProxyProcess(upstream.url);
  const proxyRuns: Measured[] = [];
  const serverRuns: Measured[] = [];
  const viaProxy = async () => {
    proxyRuns.push(await measured(proxy.child.pid, () => runClient({ ...job, target: { url: `${proxy.url}/v1/chat`, headers: {}, body: 'chat', wire: 'sse' } })));
  };
  const viaServer = async () => {
    serverRuns.push(
      await measured(server.pid, () => runClient({ ...job, target: { url: `${server.url}/v1/chat`, headers: { 'x-api-key': BENCH_WIDGET_KEY }, body: 'chat', wire: 'ndjson' } })),
    );
  };
  try {
    // Interleaved, so that load from other processes on the machine falls on both alike.
    for (let round = 0; round < options.rounds; round += 1) {
      if (round % 2 === 0) {
        await viaProxy();
        await viaServer();
      } else {
        await viaServer();
        await viaProxy();
      }
    }
  } finally {
    await proxy.child.stop();
  }
  return { options, server: combine(serverRuns), proxy: combine(proxyRuns) };
}

export function throughputTable({ options, server, proxy }: ThroughputResult): Table {
  const row = (name: string, result: Measured, messagesPerRequest: number) => {
    const latency = summarize(result.samples);
    return [
      name,
      count(perSecond(result)),
      messagesPerRequest ? count(perSecond(result) * messagesPerRequest) : '—',
      ms(latency.p50),
      ms(latency.p99),
      ms(result.cpuPerRequestMs, 3),
      count(result.errors),
    ];
  };
  return {
    title: 'Throughput of `POST /v1/chat` (instant upstream)',
    columns: ['Target', 'Requests/s', 'SQLite messages written/s', 'Latency p50', 'Latency p99', 'CPU per request', 'Errors'],
    rows: [row('bare Bun.serve proxy (baseline)', proxy, 0), row('server (SQLite)', server, 2), ['server ÷ baseline', percent(perSecond(server) / perSecond(proxy)), '', '', '', `${ratio(server.cpuPerRequestMs / proxy.cpuPerRequestMs)} the CPU`, '']],
    notes: [
      `${options.concurrency} client connections sending back to back for ${options.durationMs / 1000} s after a ${options.warmupMs / 1000} s warm-up, ${options.rounds} interleaved rounds per target; the upstream streams ${options.tokens} tokens with no pause.`,
      'CPU per request: user + system time of the target process (/proc/<pid>/stat) over the whole client run, divided by the requests it answered; it does not depend on how busy the other processes kept the cores.',
      'The baseline reads the JSON body, makes the same streaming request with fetch and passes the SSE body through; the server validates, stores the user message and a placeholder, parses the SSE through the OpenAI SDK, stores the reply and answers JSON.',
      ...[server.firstError && `First server error: ${server.firstError}`, proxy.firstError && `First baseline error: ${proxy.firstError}`].filter((note): note is string => Boolean(note)),
    ],
  };
}

export const THROUGHPUT_SHARE_GOAL = 0.3;
export const CPU_PER_REQUEST_GOAL_MS = 0.2;

export function throughputGoals(result: ThroughputResult | null): GoalCheck[] {
  const shareGoal = `Throughput at ${result?.options.concurrency ?? 100} concurrent ≥ ${percent(THROUGHPUT_SHARE_GOAL)} of the bare proxy`;
  const cpuGoal = `CPU per \`POST /v1/chat\` ≤ ${CPU_PER_REQUEST_GOAL_MS.toFixed(2)} ms`;
  if (!result) return [shareGoal, cpuGoal].map((goal) => ({ goal, measured: 'not run', met: null, margin: '' }));
  const share = perSecond(result.server) / perSecond(result.proxy);
  const cpu = result.server.cpuPerRequestMs;
  return [
    {
      goal: cpuGoal,
      measured: `${ms(cpu, 3)} (bare proxy: ${ms(result.proxy.cpuPerRequestMs, 3)})`,
      met: cpu <= CPU_PER_REQUEST_GOAL_MS,
      margin: cpu <= CPU_PER_REQUEST_GOAL_MS ? `${(CPU_PER_REQUEST_GOAL_MS - cpu).toFixed(3)} ms to spare` : `${(cpu / CPU_PER_REQUEST_GOAL_MS).toFixed(2)}× the limit`,
    },
    {
      goal: shareGoal,
      measured: `${percent(share)} (${count(perSecond(result.server))} vs ${count(perSecond(result.proxy))} req/s)`,
      met: share >= THROUGHPUT_SHARE_GOAL,
      margin: share >= THROUGHPUT_SHARE_GOAL ? `${((share - THROUGHPUT_SHARE_GOAL) * 100).toFixed(0)} points to spare` : `needs ${(THROUGHPUT_SHARE_GOAL / share).toFixed(2)}× the current throughput`,
    },
  ];
}
