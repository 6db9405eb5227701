/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000 WAL
 * pages, on the thread that committed: it copies those pages into the database file and fsyncs it, 3–17 ms measured
 * on this machine's disk, during which no stream of that process gets a token. Here the main connection never
 * checkpoints while a worker thread with its own connection does it every `everyMs` (PASSIVE: it never blocks the
 * writer). Should the worker fail, the main connection takes automatic checkpoints back, so the WAL never grows
 * without bound.
 */
import type { Database } from 'bun:sqlite';

export const CHECKPOINT_EVERY_MS = 200;
/** SQLite's default, restored when the worker is gone. */
const AUTO_CHECKPOINT_PAGES = 1000;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** The database's file, or null for an in-memory database (nothing to checkpoint). */
function fileOf(db: Database): string | null {
  const main = db.query<{ name: string; file: string }, []>('PRAGMA database_list').all().find((row) => row.name === 'main');
  return main?.file ? main.file : null;
}

export function startCheckpointer(db: Database, everyMs = CHECKPOINT_EVERY_MS): Checkpointer {
  const path = fileOf(db);
  if (path === null) return { stop: async () => {} };
  const worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url).href);
  let running = true;
  const fallBack = () => {
    if (!running) return;
    running = false;
    try {
      db.exec(`PRAGMA wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    } catch {
      // the connection is already closed
    }
  };
  worker.addEventListener('error', fallBack);
  worker.addEventListener('close', fallBack);
  db.exec('PRAGMA wal_autocheckpoint = 0');
  worker.postMessage({ path, everyMs });
  // A store left open (a test, a script) must not keep the process alive for its checkpoints.
  (worker as Worker & { unref(): void }).unref();
  return {
    async stop() {
      if (!running) return;
      const stopped = new Promise<void>((resolve) => {
        worker.addEventListener('message', (event: MessageEvent) => event.data === 'stopped' && resolve());
        worker.addEventListener('close', () => resolve());
      });
      worker.postMessage('stop');
      await stopped;
      running = false;
      worker.terminate();
    },
  };
}
