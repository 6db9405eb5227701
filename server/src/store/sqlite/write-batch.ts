/**
 * Group commit for the chat's writes: jobs queued during one turn of the event loop run in one write transaction,
 * each inside its own savepoint (bun:sqlite nests a transaction as a SAVEPOINT), so one job that fails is undone
 * alone. Every promise settles only after COMMIT: no caller hears of a write before it is in the WAL, so a user
 * message is still stored before the model is called, and a crash loses no acknowledged turn.
 * One commit per batch instead of one per call is what `BEGIN IMMEDIATE`/`COMMIT` cost per turn measured against.
 */
import type { Database } from 'bun:sqlite';

interface Queued {
  job: () => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class WriteBatch {
  private queue: Queued[] = [];
  private scheduled = false;

  constructor(private readonly db: Database) {}

  /** Runs `job` (synchronous SQLite work) in the next batch; resolves with its result once the batch is committed. */
  run<T>(job: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ job, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After this turn's I/O callbacks: every request that arrived in the same poll joins the batch.
        setImmediate(this.flush);
      }
    });
  }

  /** Commits whatever is queued now (used before close). */
  flush = (): void => {
    this.scheduled = false;
    const jobs = this.queue;
    if (jobs.length === 0) return;
    this.queue = [];
    const outcomes: Outcome[] = [];
    try {
      this.db
        .transaction(() => {
          for (const { job } of jobs) {
            try {
              outcomes.push({ ok: true, value: this.db.transaction(job)() });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      // BEGIN or COMMIT failed: nothing of this batch was stored, so no job may report success.
      for (const { reject } of jobs) reject(error);
      return;
    }
    jobs.forEach(({ resolve, reject }, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) resolve(outcome.value);
      else reject(outcome.error);
    });
  };
}
