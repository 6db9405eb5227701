/**
 * SQLite is one server's file: a second server process on the same database (a second compose replica on the shared
 * volume) is refused at start with one line that says to configure Convex, and the first keeps serving.
 */
import { afterAll, describe, expect, it } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECOND_SQLITE_SERVER } from '../src/store/sqlite/single-server.ts';

const ENTRY = join(import.meta.dir, '..', 'src', 'index.ts');
const dir = mkdtempSync(join(tmpdir(), 'ocw-single-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = probe.port!;
  await probe.stop(true);
  return port;
}

function spawnServer(databasePath: string, port: number) {
  const { NODE_ENV: _ignored, ...env } = process.env as Record<string, string>;
  return Bun.spawn(['bun', ENTRY], {
    cwd: dir,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: databasePath, WIDGET_API_KEY: 'single-server-key-0123456789' },
    stdout: 'pipe',
    stderr: 'pipe',
  });
}

async function untilHealthy(url: string, child: ReturnType<typeof spawnServer>) {
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return;
    await Bun.sleep(100);
  }
  throw new Error(`server did not start: ${await new Response(child.stderr).text()}`);
}

describe('a second server on the same SQLite database', () => {
  it('is refused with one line that says to configure Convex, while the first keeps serving', async () => {
    const databasePath = join(dir, 'data', 'chat.db');
    const firstPort = await freePort();
    const first = spawnServer(databasePath, firstPort);
    try {
      await untilHealthy(`http://127.0.0.1:${firstPort}`, first);

      const second = spawnServer(databasePath, await freePort());
      expect(await second.exited).toBe(1);
      const lines = (await new Response(second.stderr).text()).trim().split('\n');
      expect(lines).toEqual([SECOND_SQLITE_SERVER]);
      expect(SECOND_SQLITE_SERVER).toContain('CONVEX_URL');

      expect((await fetch(`http://127.0.0.1:${firstPort}/health`)).ok).toBe(true);
    } finally {
      first.kill('SIGKILL');
      await first.exited;
    }

    // The lock went with the process, even killed: the next server starts on the same file.
    const nextPort = await freePort();
    const next = spawnServer(databasePath, nextPort);
    try {
      await untilHealthy(`http://127.0.0.1:${nextPort}`, next);
    } finally {
      next.kill();
      await next.exited;
    }
  });

  it('does not stop servers on different database files', async () => {
    const ports = [await freePort(), await freePort()];
    const servers = ports.map((port, i) => spawnServer(join(dir, `own-${i}`, 'chat.db'), port));
    try {
      for (const [i, port] of ports.entries()) await untilHealthy(`http://127.0.0.1:${port}`, servers[i]!);
    } finally {
      for (const server of servers) server.kill();
      await Promise.all(servers.map((server) => server.exited));
    }
  });
});
