/**
 * Scale-out benchmark (docs/SCALING.md): chats per second through the real Caddy on the real Caddyfile, for 1, 2
 * and 3 server replicas on one Convex stand-in that answers every call after a 20 ms round trip.
 *
 *   bun bench/scale-out.ts                 full run (3 × 12 s), prints a Markdown table
 *   bun bench/scale-out.ts --quick         3 × 4 s
 *   bun bench/scale-out.ts --functions     the stand-in runs the real Convex functions in convex-test (see
 *                                          convex-standin.ts for why that measures the stand-in more than us)
 *   --delay=<ms>  round trip per Convex call (default 20)   --concurrency=<n>  client workers (default 64)
 *
 * Each configuration gets fresh replicas and a fresh Caddy; the load client is its own process (bench/load-client.ts)
 * sending `POST /v1/chat` back to back, as the throughput benchmark does. The model is bench/upstream.ts answering
 * 10 tokens at once, so the numbers are the cost of the server path, not of a model.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startFakeDns } from '../e2e/support/dns.ts';
import { freePort, startCaddy } from '../e2e/support/processes.ts';
import { portFreeOn, startReplica, type Replica } from '../e2e/support/replicas.ts';
import { FAKE_CONVEX_SECRET } from '../server/test/support/fake-convex.ts';
import { NO_LIMITS_ENV } from '../server/test/support/server.ts';
import { BENCH_ADMIN_KEY, BENCH_WIDGET_KEY, Child, cpuMillis, MAX_HTTP_REQUESTS, ROOT, runClient, startUpstreamProcess } from './processes.ts';
import { markdownTable } from './report.ts';
import { ms, summarize } from './stats.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    functions: { type: 'boolean', default: false },
    delay: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '64' },
  },
});
const delayMs = Number(flags.delay);
const concurrency = Number(flags.concurrency);
const durationMs = flags.quick ? 4000 : 12_000;
const warmupMs = flags.quick ? 1000 : 2000;
const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

// The load client talks to Caddy's internal-CA certificate.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

interface StandIn {
  url: string;
  calls(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

async function startStandIn(): Promise<StandIn> {
  const process_ = Bun.spawn(['bun', 'bench/convex-standin.ts'], {
    cwd: ROOT,
    env: { ...process.env, DELAY_MS: String(delayMs), FUNCTIONS: flags.functions ? '1' : '0', CONVEX_SERVER_SECRET: FAKE_CONVEX_SECRET },
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const child = new Child(process_ as never, 'convex stand-in');
  const { port, statsPort } = await child.next<{ port: number; statsPort: number }>('READY', 30_000);
  return {
    url: `http://127.0.0.1:${port}`,
    calls: async () => ((await (await fetch(`http://127.0.0.1:${statsPort}/stats`)).json()) as { calls: Record<string, number> }).calls,
    async stop() {
      process_.kill();
      await process_.exited;
    },
  };
}

interface Row {
  replicas: number;
  chatsPerSecond: number;
  p50: number;
  p95: number;
  errors: number;
  callsPerTurn: Record<string, number>;
  serverCpuMsPerChat: number;
  caddyCpuMsPerChat: number;
}

const tempDir = mkdtempSync(join(tmpdir(), 'ocw-bench-scale-'));
const standIn = await startStandIn();
const upstream = await startUpstreamProcess();
await upstream.shape({ tokens: 10, firstDelayMs: 0, delayMs: 0 });
const port = await portFreeOn(ADDRESSES);
const dns = await startFakeDns('replicas.bench', ADDRESSES);

const replicaEnv = {
  NODE_ENV: 'production',
  HOME: tempDir,
  CONVEX_URL: standIn.url,
  CONVEX_SERVER_SECRET: FAKE_CONVEX_SECRET,
  OPENAI_BASE_URL: upstream.url,
  OPENAI_API_KEY: 'bench-not-a-real-key',
  OPENAI_MODEL: 'bench-model',
  WIDGET_API_KEY: BENCH_WIDGET_KEY,
  ADMIN_API_KEY: BENCH_ADMIN_KEY,
  CORS_ORIGIN: 'https://bench.example',
  TRUST_PROXY: '1',
  // One client address sends everything: the limits would measure refusals, not chats.
  ...NO_LIMITS_ENV,
  BUN_CONFIG_MAX_HTTP_REQUESTS: MAX_HTTP_REQUESTS,
};

async function measure(count: number): Promise<Row> {
  const replicas: Replica[] = await Promise.all(ADDRESSES.slice(0, count).map((address) => startReplica(address, port, replicaEnv)));
  dns.setAddresses(ADDRESSES.slice(0, count));
  const caddy = await startCaddy({
    caddyfile: join(ROOT, 'Caddyfile'),
    tempDir: mkdtempSync(join(tempDir, 'caddy-')),
    env: { SERVER_HOST: 'replicas.bench', SERVER_PORT: String(port), SERVER_DNS: `udp/${dns.address}`, DASHBOARD_UPSTREAM: `127.0.0.1:${await freePort()}` },
  });
  try {
    const before = await standIn.calls();
    const cpuBefore = replicas.map((replica) => cpuMillis(replica.pid));
    const caddyCpuBefore = cpuMillis(caddy.pid);
    const result = await runClient({
      mode: 'throughput',
      target: { url: `${caddy.baseUrl}/v1/chat`, headers: { 'x-api-key': BENCH_WIDGET_KEY }, body: 'chat', wire: 'ndjson' },
      concurrency,
      warmupMs,
      durationMs,
    });
    const cpu = replicas.reduce((sum, replica, index) => sum + cpuMillis(replica.pid) - cpuBefore[index]!, 0);
    const caddyCpu = cpuMillis(caddy.pid) - caddyCpuBefore;
    const after = await standIn.calls();
    const callsPerTurn: Record<string, number> = {};
    for (const [path, n] of Object.entries(after)) {
      const made = n - (before[path] ?? 0);
      if (made > 0) callsPerTurn[path] = made / Math.max(1, result.total);
    }
    const latency = summarize(result.samples);
    if (result.firstError) console.error(`${count} replica(s): ${result.errors} errors, first: ${result.firstError}`);
    return {
      replicas: count,
      chatsPerSecond: result.completed / (result.measuredMs / 1000),
      p50: latency.p50,
      p95: latency.p95,
      errors: result.errors,
      callsPerTurn,
      serverCpuMsPerChat: cpu / Math.max(1, result.total),
      caddyCpuMsPerChat: caddyCpu / Math.max(1, result.total),
    };
  } finally {
    await caddy.stop();
    await Promise.all(replicas.map((replica) => replica.kill()));
  }
}

const rows: Row[] = [];
try {
  for (const count of [1, 2, 3]) rows.push(await measure(count));
} finally {
  dns.stop();
  await upstream.child.stop();
  await standIn.stop();
  rmSync(tempDir, { recursive: true, force: true });
}

const base = rows[0]!.chatsPerSecond;
const calls = (row: Row) =>
  Object.entries(row.callsPerTurn)
    .map(([path, n]) => `${path} ${n.toFixed(2)}`)
    .join(', ');
console.log(`\n### Scale-out: ${flags.functions ? 'real functions in convex-test' : 'lean stand-in'}, ${delayMs} ms per Convex call, ${concurrency} clients, ${durationMs / 1000} s each\n`);
console.log(`Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}\n`);
console.log(
  markdownTable(
    ['Replicas', 'Chats/s', 'vs 1 replica', 'p50', 'p95', 'Errors', 'Server CPU per chat (all replicas)', 'Caddy CPU per chat', 'Convex calls per chat'],
    rows.map((row) => [
      String(row.replicas),
      row.chatsPerSecond.toFixed(1),
      `${(row.chatsPerSecond / base).toFixed(2)}×`,
      ms(row.p50),
      ms(row.p95),
      String(row.errors),
      ms(row.serverCpuMsPerChat, 2),
      ms(row.caddyCpuMsPerChat, 2),
      calls(row),
    ]),
  ),
);
