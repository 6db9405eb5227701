/**
 * Runs the appliance without Docker: starts the server, dashboard and Caddy as real processes with the commands and
 * environment the containers use (the Dockerfile replay is in dockerfile.ts, compose parsing in compose.ts).
 */
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { caddyCompatEnv } from './caddy-version.ts';

export * from './dockerfile.ts';
export * from './compose.ts';

// ---------------------------------------------------------------------------------------------------------
// Processes

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunningProcess {
  name: string;
  pid: number;
  /** Everything it printed so far (the tail), for failure messages. */
  output(): string;
  exited: Promise<number>;
  stop(): Promise<void>;
}

export function startProcess(name: string, cmd: string[], options: { cwd: string; env: Record<string, string> }): RunningProcess {
  const child = Bun.spawn(cmd, { cwd: options.cwd, env: options.env, stdout: 'pipe', stderr: 'pipe' });
  let log = '';
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) log = (log + decoder.decode(chunk, { stream: true })).slice(-20_000);
  };
  void collect(child.stdout);
  void collect(child.stderr);
  return {
    name,
    pid: child.pid,
    output: () => log,
    exited: child.exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await child.exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `check` until it holds; fails with the process's output when it dies or time runs out. */
export async function waitUntil(process: RunningProcess, what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  let exitCode: number | null = null;
  void process.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== null) throw new Error(`${process.name} exited (${exitCode}) before ${what}:\n${process.output()}`);
    if (await check().catch(() => false)) return;
    await Bun.sleep(100);
  }
  throw new Error(`${process.name}: ${what} did not happen within ${timeoutMs} ms:\n${process.output()}`);
}

/** Runs the image's own HEALTHCHECK command (same env as the service) until it succeeds. */
export async function waitHealthy(process: RunningProcess, healthcheck: string[], options: { cwd: string; env: Record<string, string> }): Promise<void> {
  await waitUntil(process, 'its HEALTHCHECK passed', async () => {
    const probe = Bun.spawn(healthcheck, { cwd: options.cwd, env: options.env, stdout: 'ignore', stderr: 'ignore' });
    return (await probe.exited) === 0;
  });
}

export interface RunningCaddy extends RunningProcess {
  httpsPort: number;
  httpPort: number;
  baseUrl: string;
}

/**
 * The real Caddyfile with `globals` added to its global options block (Caddy allows one such block, first in the
 * file, and an imported file cannot bring its own): everything else, the shipped timeouts included, is unchanged.
 */
export function withGlobalOptions(caddyfile: string, globals: string[]): string {
  const lines = caddyfile.split('\n');
  const open = lines.findIndex((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  const indented = globals.map((option) => `\t${option}`);
  if (lines[open]?.trim() !== '{') return ['{', ...indented, '}', caddyfile].join('\n');
  return [...lines.slice(0, open + 1), ...indented, ...lines.slice(open + 1)].join('\n');
}

/**
 * Starts Caddy on the real Caddyfile, with test-only global options merged in (high ports, loopback, internal CA,
 * no trust-store install), so the routes and server options under test are the shipped ones.
 */
export async function startCaddy(options: { caddyfile: string; env: Record<string, string>; tempDir: string }): Promise<RunningCaddy> {
  const [httpPort, httpsPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const testCaddyfile = join(options.tempDir, 'Caddyfile.test');
  const shipped = await Bun.file(options.caddyfile).text();
  await writeFile(
    testCaddyfile,
    withGlobalOptions(shipped, [
      `admin 127.0.0.1:${adminPort}`,
      `http_port ${httpPort}`,
      `https_port ${httpsPort}`,
      'default_bind 127.0.0.1',
      'local_certs',
      'skip_install_trust',
    ]),
  );
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.tempDir,
    XDG_DATA_HOME: join(options.tempDir, 'caddy-data'),
    XDG_CONFIG_HOME: join(options.tempDir, 'caddy-config'),
    ...caddyCompatEnv(),
    ...options.env,
  };
  const caddy = startProcess('caddy', ['caddy', 'run', '--config', testCaddyfile, '--adapter', 'caddyfile'], { cwd: options.tempDir, env });
  const baseUrl = `https://localhost:${httpsPort}`;
  await waitUntil(caddy, 'it answered over HTTPS', async () => {
    const response = await fetch(`${baseUrl}/health`, { tls: { rejectUnauthorized: false } });
    return response.status === 200;
  });
  return { ...caddy, httpPort, httpsPort, baseUrl };
}

