/**
 * Several chat server processes as compose runs them with `--scale server=N`: the same port, one address each
 * (127.0.0.1, 127.0.0.2, … — all loopback on Linux), all on one Convex deployment. A fake DNS name lists the
 * addresses, so the real Caddyfile's `dynamic a` upstreams find every replica as they find compose's containers.
 */
import { join } from 'node:path';
import { REPO_ROOT } from './processes.ts';

export interface Replica {
  address: string;
  /** The id the server holds its Convex lease under (from its start-up log line). */
  replicaId: string;
  url: string;
  pid: number;
  output(): string;
  kill(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  readonly alive: boolean;
}

const ENTRY = join(REPO_ROOT, 'server', 'src', 'index.ts');

/** A port free on every one of `addresses` (each replica listens on its own address, on the same port). */
export async function portFreeOn(addresses: string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const probe = Bun.serve({ hostname: addresses[0], port: 0, fetch: () => new Response() });
    const port = probe.port!;
    await probe.stop(true);
    const free = addresses.slice(1).every((hostname) => {
      try {
        Bun.serve({ hostname, port, fetch: () => new Response() }).stop(true);
        return true;
      } catch {
        return false;
      }
    });
    if (free) return port;
  }
  throw new Error(`no port free on all of ${addresses.join(', ')}`);
}

export async function startReplica(address: string, port: number, env: Record<string, string>): Promise<Replica> {
  const { NODE_ENV: _testRunner, ...inherited } = process.env as Record<string, string>;
  const child = Bun.spawn(['bun', ENTRY], {
    cwd: REPO_ROOT,
    env: { ...inherited, ...env, HOST: address, PORT: String(port) },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let log = '';
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) log = (log + decoder.decode(chunk, { stream: true })).slice(-50_000);
  };
  void collect(child.stdout);
  void collect(child.stderr);

  const url = `http://${address}:${port}`;
  const deadline = Date.now() + 20_000;
  let replicaId: string | null = null;
  while (replicaId === null) {
    if (child.exitCode !== null) throw new Error(`replica ${address} exited (${child.exitCode}):\n${log}`);
    if (Date.now() > deadline) throw new Error(`replica ${address} did not start:\n${log}`);
    const listening = log.split('\n').find((line) => line.includes('"server listening"'));
    if (listening && (await fetch(`${url}/health`).then((r) => r.ok, () => false))) {
      replicaId = (JSON.parse(listening) as { replica: string }).replica;
    } else {
      await Bun.sleep(100);
    }
  }
  return {
    address,
    replicaId,
    url,
    pid: child.pid,
    output: () => log,
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await child.exited;
    },
  };
}
