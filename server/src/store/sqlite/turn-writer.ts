/**
 * A SQLite store's chat writes: the turn SQL (turn-writes.ts) through the group commit (write-batch.ts), and the
 * full-text indexer on a timer. (A writer thread with its own connection was measured behind the same interface and
 * dropped: on this 2-core machine its four structured-clone messages per turn cost more than the commits it moved.)
 */
import type { Database } from 'bun:sqlite';
import type { FinishTurnInput, Message, StartTurnInput, StartTurnResult } from '../chat-store.ts';
import { hasPending, indexPending, startFtsIndexer } from './fts-index.ts';
import { TurnWrites } from './turn-writes.ts';
import { WriteBatch } from './write-batch.ts';

export interface TurnWriter {
  /** Each settles once its write is committed. */
  startTurn(input: StartTurnInput, now: number): Promise<StartTurnResult>;
  finishTurn(input: FinishTurnInput, now: number): Promise<Message>;
  /** Indexes every message still queued for full-text search (a search calls it before it reads). */
  indexQueued(): Promise<void>;
  /** Commits what is queued, indexes what is left, and stops; the caller closes its own connection after. */
  close(): Promise<void>;
}

export function createTurnWriter(db: Database): TurnWriter {
  const batch = new WriteBatch(db);
  const turns = new TurnWrites(db);
  const indexer = startFtsIndexer(db);
  const indexQueued = () => {
    if (hasPending(db)) indexPending(db);
  };
  return {
    startTurn: (input, now) => batch.run(() => turns.startTurn(input, now)),
    finishTurn: (input, now) => batch.run(() => turns.finishTurn(input, now)),
    indexQueued: async () => indexQueued(),
    close: async () => {
      indexer.stop();
      batch.flush();
      indexQueued();
    },
  };
}
