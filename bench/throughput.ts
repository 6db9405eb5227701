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

export async function measureThroughput(upstream: Upstream, server: ServerProcess, options: ThroughputOptions): Promise<ThroughputResult> {
  await upstream.shape({ tokens: options.tokens, firstDelayMs: 0, delayMs: 0 });
  const job = { mode: 'throughput' as const, concurrency: options.concurrency, warmupMs: options.warmupMs, durationMs: options.durationMs };
  const proxy = await startBareProxyProcess(upstream.url);
  let proxyResult: Measured;
  try {
    proxyResult = await measured(proxy.child.pid, () => runClient({ ...job, target: { url: `${proxy.url}/v1/chat`, headers: {}, body: 'chat', wire: 'sse' } }));
  } finally {
    await proxy.child.stop();
  }
  const serverResult = await measured(server.pid, () =>
    runClient({ ...job, target: { url: `${server.url}/v1/chat`, headers: { 'x-api-key': BENCH_WIDGET_KEY }, body: 'chat', wire: 'ndjson' } }),
  );
  return { options, server: serverResult, proxy: proxyResult };
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
      ms(result.cpuPerRequestMs, 2),
      count(result.errors),
    ];
  };
  return {
    title: 'Throughput of `POST /v1/chat` (instant upstream)',
    columns: ['Target', 'Requests/s', 'SQLite messages written/s', 'Latency p50', 'Latency p99', 'CPU per request', 'Errors'],
    rows: [row('bare Bun.serve proxy (baseline)', proxy, 0), row('server (SQLite)', server, 2), ['server ÷ baseline', percent(perSecond(server) / perSecond(proxy)), '', '', '', `${ratio(server.cpuPerRequestMs / proxy.cpuPerRequestMs)} the CPU`, '']],
    notes: [
      `${options.concurrency} client connections sending back to back for ${options.durationMs / 1000} s after a ${options.warmupMs / 1000} s warm-up; the upstream streams ${options.tokens} tokens with no pause.`,
      'CPU per request: user + system time of the target process (/proc/<pid>/stat) over the whole client run, divided by the requests it answered; it does not depend on how busy the other processes kept the cores.',
      'The baseline reads the JSON body, makes the same streaming request with fetch and passes the SSE body through; the server validates, stores the user message and a placeholder, parses the SSE through the OpenAI SDK, stores the reply and answers JSON.',
      ...[server.firstError && `First server error: ${server.firstError}`, proxy.firstError && `First baseline error: ${proxy.firstError}`].filter((note): note is string => Boolean(note)),
    ],
  };
}

export function throughputGoal(result: ThroughputResult | null): GoalCheck {
  const goal = 'Throughput ≥ 70% of the bare proxy';
  if (!result) return { goal, measured: 'not run', met: null, margin: '' };
  const share = perSecond(result.server) / perSecond(result.proxy);
  return {
    goal,
    measured: `${percent(share)} (${count(perSecond(result.server))} vs ${count(perSecond(result.proxy))} req/s)`,
    met: share >= 0.7,
    margin: share >= 0.7 ? `${((share - 0.7) * 100).toFixed(0)} points to spare` : `needs ${(0.7 / share).toFixed(2)}× the current throughput`,
  };
}
