/**
 * SQLite serves exactly one server process: a second replica on the same file (e.g. `docker compose up --scale
 * server=2` on the shared volume) would keep its own rate limits and budgets and mark the first one's live replies
 * interrupted at boot. Each server therefore holds an exclusive SQLite lock on a small file next to the database
 * for as long as it runs; the operating system drops it when the process ends, however it ends (even SIGKILL), so
 * a restart never finds a stale lock.
 */
import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SqliteClaim {
  release(): void;
}

export function singleServerLockPath(databasePath: string): string {
  return `${databasePath}.server-lock`;
}

export const SECOND_SQLITE_SERVER =
  'Another server is already running on this SQLite database: SQLite serves one server replica only. To run several replicas, store conversations in Convex (set CONVEX_URL and CONVEX_SERVER_SECRET; see docs/SCALING.md).';

/** Takes the database for this process, or returns null when another process holds it. */
export function claimSqliteDatabase(databasePath: string): SqliteClaim | null {
  if (databasePath === ':memory:') return { release() {} };
  mkdirSync(dirname(databasePath), { recursive: true });
  const lock = new Database(singleServerLockPath(databasePath), { create: true });
  try {
    // No waiting: a held lock answers SQLITE_BUSY at once. The transaction stays open, holding the lock.
    lock.run('PRAGMA busy_timeout = 0');
    lock.run('PRAGMA locking_mode = EXCLUSIVE');
    lock.run('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) return null;
    throw error;
  }
  return {
    release() {
      lock.close();
    },
  };
}
