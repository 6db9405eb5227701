/**
 * SQLite is one server's file: a second server process on the same database (a second compose replica on the shared
 * volume) is refused at start with one line that says to configure Convex, and the first keeps serving.
 */
import { afterAll, describe, expect, it } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECOND_SQLITE_SERVER } from '../src/store/sqlite/single-server.ts';
import { freePort, spawnServer, untilHealthy } from './support/server-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'ocw-single-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function spawnOn(databasePath: string, port: number) {
  return spawnServer(dir, { PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: databasePath, WIDGET_API_KEY: 'single-server-key-0123456789' });
}

describe('a second server on the same SQLite database', () => {
  it('is refused with one line that says to configure Convex, while the first keeps serving', async () => {
    const databasePath = join(dir, 'data', 'chat.db');
    const firstPort = await freePort();
    const first = spawnOn(databasePath, firstPort);
    try {
      await untilHealthy(`http://127.0.0.1:${firstPort}`, first);

      const second = spawnOn(databasePath, await freePort());
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
    const next = spawnOn(databasePath, nextPort);
    try {
      await untilHealthy(`http://127.0.0.1:${nextPort}`, next);
    } finally {
      next.kill();
      await next.exited;
    }
  });

  it('does not stop servers on different database files', async () => {
    const ports = [await freePort(), await freePort()];
    const servers = ports.map((port, i) => spawnOn(join(dir, `own-${i}`, 'chat.db'), port));
    try {
      for (const [i, port] of ports.entries()) await untilHealthy(`http://127.0.0.1:${port}`, servers[i]!);
    } finally {
      for (const server of servers) server.kill();
      await Promise.all(servers.map((server) => server.exited));
    }
  });
});
