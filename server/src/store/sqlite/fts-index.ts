/**
 * The full-text index, filled in batches off the chat's hot path. Writes only queue a message's key in
 * `fts_pending` (migration 2's triggers); `indexPending` moves queued messages into `messages_fts` with one
 * INSERT … SELECT, which flushes one index segment for the whole batch where a trigger flushed one per row
 * (measured: 5 µs per message in batches of 100, 2.6 µs in batches of 1,000, against ~0.25 ms per message
 * through the trigger).
 */
import type { Database } from 'bun:sqlite';

/**
 * The most messages one background round indexes: at ~2.6 µs each a round blocks the event loop for under 3 ms
 * (a token waiting behind it is late by that much), and ten rounds a second keep up with 10,000 messages/s.
 */
export const FTS_BATCH = 1000;
/** How often queued messages are indexed in the background; a search indexes whatever is queued first anyway. */
export const FTS_INDEX_EVERY_MS = 100;

/** Indexes up to `limit` queued messages (the oldest keys first) in one transaction; returns how many. */
export function indexPending(db: Database, limit = Number.MAX_SAFE_INTEGER): number {
  return db
    .transaction(() => {
      const upTo = db
        .query<{ seq: number | null }, [number]>('SELECT max(seq) AS seq FROM (SELECT seq FROM fts_pending ORDER BY seq LIMIT ?)')
        .get(limit)?.seq;
      if (upTo === null || upTo === undefined) return 0;
      // CROSS JOIN fixes the loop order: left to itself the planner walked every message below `upTo` (its key range)
      // and probed the queue for each, so a round cost grew with the whole table (45 ms per 500 at 400,000 messages).
      db.query(
        'INSERT INTO messages_fts (rowid, content) SELECT m.seq, m.content FROM fts_pending p CROSS JOIN messages m ON m.seq = p.seq WHERE p.seq <= ?',
      ).run(upTo);
      return db.query('DELETE FROM fts_pending WHERE seq <= ?').run(upTo).changes;
    })
    .immediate();
}

export function hasPending(db: Database): boolean {
  return db.query<{ queued: number }, []>('SELECT EXISTS (SELECT 1 FROM fts_pending) AS queued').get()?.queued === 1;
}

/**
 * Indexes queued messages every `everyMs` until stopped. A failed round (the file busy, say) is retried at the next
 * one; a search indexes the queue itself before it reads, so a failure there reaches the caller.
 */
export function startFtsIndexer(db: Database, everyMs = FTS_INDEX_EVERY_MS): { stop(): void } {
  const timer = setInterval(() => {
    try {
      if (hasPending(db)) indexPending(db, FTS_BATCH);
    } catch {
      // retried at the next round
    }
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
