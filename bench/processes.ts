/**
 * Starting and stopping the benchmark's processes: the upstream, the real server (`server/src/index.ts`), the bare
 * proxy and the load clients each run on their own, as in production, so that no two share an event loop.
 */
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import type { AgingWindow, ClientJob, HoldOpened, HoldResult, RunResult } from './load-client.ts';
import { parseTagged, type Tag } from './protocol.ts';
import { NO_LIMITS_ENV } from '../server/test/support/server.ts';

export const ROOT = new URL('../', import.meta.url).pathname;
export const DATA_DIR = join(ROOT, 'bench/.data');
export const BENCH_WIDGET_KEY = 'bench-widget-key-0123456789abcdef';
export const BENCH_ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

/**
 * Bun's fetch runs at most 256 requests at once unless told otherwise; the server's upstream calls and the load
 * clients both need more than the largest concurrency measured.
 */
export const MAX_HTTP_REQUESTS = '20000';

/** A child process whose stdout is read line by line, so tagged answers can be awaited. */
export class Child {
  private buffered: string[] = [];
  private waiters: Array<() => void> = [];
  private ended = false;

  constructor(readonly process: Subprocess<'pipe' | 'ignore', 'pipe', 'inherit' | 'pipe'>, readonly name: string) {
    void this.pump();
  }

  get pid(): number {
    return this.process.pid;
  }

  private async pump() {
    const decoder = new TextDecoder();
    let partial = '';
    for await (const chunk of this.process.stdout as ReadableStream<Uint8Array>) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
      partial = lines.pop()!;
      this.buffered.push(...lines);
      this.wake();
    }
    this.ended = true;
    this.wake();
  }

  private wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** The payload of the next line tagged `tag` (other lines are dropped). */
  async next<T>(tag: Tag, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.buffered.length > 0) {
        const found = parseTagged<T>(this.buffered.shift()!, tag);
        if (found !== null) return found;
      }
      if (this.ended) throw new Error(`${this.name} exited (code ${await this.process.exited}) before it printed ${tag}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name} printed no ${tag} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  send(line: string) {
    const stdin = this.process.stdin as unknown as { write(text: string): void; flush(): void };
    stdin.write(`${line}\n`);
    stdin.flush();
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill('SIGTERM');
    const exited = await Promise.race([this.process.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
    if (!exited) this.process.kill('SIGKILL');
    await this.process.exited;
  }
}

function spawnChild(name: string, command: string[], env: Record<string, string>, stdin: 'pipe' | 'ignore' = 'ignore'): Child {
  const child = Bun.spawn(command, { cwd: ROOT, env: { ...process.env, ...env }, stdin, stdout: 'pipe', stderr: 'inherit' });
  return new Child(child as never, name);
}

export interface Upstream {
  child: Child;
  url: string;
  shape(shape: { tokens?: number; firstDelayMs?: number; delayMs?: number }): Promise<void>;
  openStreams(): Promise<number>;
}

export async function startUpstreamProcess(): Promise<Upstream> {
  const child = spawnChild('upstream', ['bun', 'bench/upstream.ts'], {});
  const { port } = await child.next<{ port: number }>('READY', 15_000);
  const base = `http://127.0.0.1:${port}`;
  return {
    child,
    url: `${base}/v1`,
    async shape(shape) {
      const response = await fetch(`${base}/control`, { method: 'POST', body: JSON.stringify(shape) });
      if (!response.ok) throw new Error(`upstream refused the reply shape: ${response.status}`);
    },
    async openStreams() {
      return ((await (await fetch(`${base}/stats`)).json()) as { open: number }).open;
    },
  };
}

export async function startBareProxyProcess(upstreamUrl: string): Promise<{ child: Child; url: string }> {
  const child = spawnChild('bare proxy', ['bun', 'bench/bare-proxy.ts'], { UPSTREAM_URL: upstreamUrl, BUN_CONFIG_MAX_HTTP_REQUESTS: MAX_HTTP_REQUESTS });
  const { port } = await child.next<{ port: number }>('READY', 15_000);
  return { child, url: `http://127.0.0.1:${port}` };
}

async function freePort(): Promise<number> {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
  const port = probe.port!;
  await probe.stop(true);
  return port;
}

export interface ServerProcess {
  pid: number;
  url: string;
  logPath: string;
  stop(): Promise<void>;
}

/**
 * The real server entry in production mode, with rate limits and budgets off (one client IP sends everything) and
 * long model timeouts (held streams last longer than the default 60 s request limit allows).
 */
export async function startServerProcess(options: {
  upstreamUrl: string;
  databasePath: string;
  name: string;
  env?: Record<string, string>;
  /** Extra `bun` flags, e.g. `--cpu-prof` to profile the server. */
  bunArgs?: string[];
  /** Another entry file (a patched copy of the server, to measure a proposed fix). */
  entry?: string;
  /** Where the server's log file goes (default bench/.data/). */
  logDir?: string;
}): Promise<ServerProcess> {
  const logDir = options.logDir ?? DATA_DIR;
  mkdirSync(logDir, { recursive: true });
  const port = await freePort();
  const logPath = join(logDir, `${options.name}.log`);
  const log = openSync(logPath, 'w');
  const child = Bun.spawn(['bun', ...(options.bunArgs ?? []), options.entry ?? 'server/src/index.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      WIDGET_API_KEY: BENCH_WIDGET_KEY,
      ADMIN_API_KEY: BENCH_ADMIN_KEY,
      CORS_ORIGIN: 'https://bench.example',
      DATABASE_PATH: options.databasePath,
      OPENAI_BASE_URL: options.upstreamUrl,
      OPENAI_API_KEY: 'bench-not-a-real-key',
      OPENAI_MODEL: 'bench-model',
      OPENAI_TIMEOUT_MS: '600000',
      OPENAI_IDLE_TIMEOUT_MS: '120000',
      ...NO_LIMITS_ENV,
      // The numbers are taken with request logging off; a log line per request is the operator's choice.
      LOG_REQUESTS: '0',
      BUN_CONFIG_MAX_HTTP_REQUESTS: MAX_HTTP_REQUESTS,
      ...options.env,
    },
    stdin: 'ignore',
    stdout: log,
    stderr: log,
  });
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  // Generous: a server opening an older file runs its schema migrations before it listens (a minute at 1M messages).
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited at start (code ${child.exitCode}):\n${readFileSync(logPath, 'utf8').slice(-2000)}`);
    const healthy = await fetch(`${url}/health`).then((response) => response.ok, () => false);
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not answer /health within 180 s; see ${logPath}`);
    }
    await Bun.sleep(50);
  }
  return {
    pid: child.pid,
    url,
    logPath,
    async stop() {
      child.kill('SIGTERM');
      const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
      if (!exited) child.kill('SIGKILL');
      await child.exited;
    },
  };
}

function clientEnv(job: ClientJob): Record<string, string> {
  return { BENCH_JOB: JSON.stringify(job), BUN_CONFIG_MAX_HTTP_REQUESTS: MAX_HTTP_REQUESTS };
}

/** Runs a ttft or throughput job in a fresh client process and returns its result. */
export async function runClient(job: Extract<ClientJob, { mode: 'ttft' | 'throughput' }>): Promise<RunResult> {
  const child = spawnChild(`load client (${job.mode})`, ['bun', 'bench/load-client.ts'], clientEnv(job));
  try {
    return await child.next<RunResult>('RESULT', job.warmupMs + job.durationMs + 120_000);
  } finally {
    await child.stop();
  }
}

/**
 * An aging job in its own process: `onWindow` runs as each WINDOW line arrives (while the client keeps sending),
 * so the caller can read the server's CPU time at the window's edge.
 */
export async function runAgingClient(job: Extract<ClientJob, { mode: 'aging' }>, onWindow: (window: AgingWindow) => void): Promise<void> {
  const child = spawnChild('load client (aging)', ['bun', 'bench/load-client.ts'], clientEnv(job));
  try {
    const windows = Math.floor(job.turns / job.window);
    for (let seen = 0; seen < windows; seen += 1) onWindow(await child.next<AgingWindow>('WINDOW', 600_000));
    await child.next('RESULT', 60_000);
  } finally {
    await child.stop();
  }
}

/** A hold job in its own process: resolves once its streams are open; `close()` ends them and returns the tally. */
export async function openHeldStreams(job: Extract<ClientJob, { mode: 'hold' }>): Promise<{ opened: HoldOpened; close(): Promise<HoldResult> }> {
  const child = spawnChild(`load client (hold ${job.tag})`, ['bun', 'bench/load-client.ts'], clientEnv(job), 'pipe');
  const opened = await child.next<HoldOpened>('OPENED', 180_000);
  return {
    opened,
    async close() {
      child.send('close');
      try {
        return await child.next<HoldResult>('RESULT', 60_000);
      } finally {
        await child.stop();
      }
    },
  };
}

/** Resident memory of a process in bytes (VmRSS), read from /proc. */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc/<pid>/stat. */
export function cpuMillis(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields overall.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
}
