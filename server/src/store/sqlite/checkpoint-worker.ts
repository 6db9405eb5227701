/**
 * The checkpointer's thread (checkpointer.ts): its own connection to the database file, copying committed WAL frames
 * back into the file every `everyMs`. PASSIVE never waits for the chat's writer or readers; it copies what it can.
 */
import { Database } from 'bun:sqlite';

declare const self: Worker;

interface Start {
  path: string;
  everyMs: number;
}

let db: Database | null = null;
let timer: ReturnType<typeof setInterval> | undefined;

const checkpoint = () => {
  try {
    db?.query('PRAGMA wal_checkpoint(PASSIVE)').get();
  } catch {
    // The file busy with another checkpoint, say: the next round copies what this one could not.
  }
};

self.onmessage = (event: MessageEvent<Start | 'stop'>) => {
  if (event.data === 'stop') {
    clearInterval(timer);
    checkpoint();
    db?.close();
    db = null;
    postMessage('stopped');
    return;
  }
  db = new Database(event.data.path, { readwrite: true });
  db.exec('PRAGMA busy_timeout = 1000');
  timer = setInterval(checkpoint, event.data.everyMs);
  postMessage('started');
};
