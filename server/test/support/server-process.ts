/** The real entry point as a child process, for the tests that start, stop and kill servers. */
import { join } from 'node:path';

export const SERVER_ENTRY = join(import.meta.dir, '..', '..', 'src', 'index.ts');

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = probe.port!;
  await probe.stop(true);
  return port;
}

/** Env as a fresh shell would have it (without the test runner's NODE_ENV), plus `extra`. */
export function serverEnv(extra: Record<string, string>): Record<string, string> {
  const { NODE_ENV: _ignored, ...rest } = process.env as Record<string, string>;
  return { ...rest, ...extra };
}

export function spawnServer<Output extends 'pipe' | 'ignore' = 'pipe'>(cwd: string, env: Record<string, string>, output?: Output) {
  const stdio = (output ?? 'pipe') as Output;
  return Bun.spawn(['bun', SERVER_ENTRY], { cwd, env: serverEnv(env), stdout: stdio, stderr: stdio });
}

/** Resolves once `/health` answers; throws (with the child's stderr when piped) if it exits or never does. */
export async function untilHealthy(url: string, child: Bun.Subprocess): Promise<void> {
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return;
    await Bun.sleep(100);
  }
  const stderr = child.stderr instanceof ReadableStream ? await new Response(child.stderr).text() : '';
  throw new Error(`server did not start: ${stderr}`);
}
