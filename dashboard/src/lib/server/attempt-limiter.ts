/**
 * Counts login attempts per client (fixed window). An attempt is counted when it is TAKEN, before the password is
 * read or compared, so parallel requests cannot all pass a check that only a later failure would have closed: the
 * caller takes the attempt synchronously (no await between the check and the count) and forgets the client after
 * a success. In memory: one dashboard process serves one team, and a restart only forgets counts.
 */
export type AttemptDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface AttemptLimiter {
  /** Counts an attempt by `key` now and says whether it may go ahead; a refused attempt is not counted. */
  take(key: string, now: number): AttemptDecision;
  /** Gives back one attempt taken earlier (it was never used to check a password). */
  giveBack(key: string): void;
  reset(key: string): void;
}

export function createAttemptLimiter(options: { maxAttempts: number; windowMs: number; maxKeys?: number }): AttemptLimiter {
  const { maxAttempts, windowMs, maxKeys = 10_000 } = options;
  const windows = new Map<string, { start: number; attempts: number }>();

  const current = (key: string, now: number) => {
    const entry = windows.get(key);
    if (entry && now - entry.start >= windowMs) {
      windows.delete(key);
      return undefined;
    }
    return entry;
  };

  const prune = (now: number) => {
    for (const [key, entry] of windows) if (now - entry.start >= windowMs) windows.delete(key);
    // Still full (a flood of distinct addresses): drop the oldest rather than grow without bound. The
    // account-wide backoff (login-gate.ts) is what holds against many addresses.
    while (windows.size >= maxKeys) {
      const oldest = windows.keys().next().value;
      if (oldest === undefined) break;
      windows.delete(oldest);
    }
  };

  return {
    take(key, now) {
      const entry = current(key, now);
      if (entry && entry.attempts >= maxAttempts) return { allowed: false, retryAfterMs: entry.start + windowMs - now };
      if (entry) entry.attempts += 1;
      else {
        if (windows.size >= maxKeys) prune(now);
        windows.set(key, { start: now, attempts: 1 });
      }
      return { allowed: true };
    },
    giveBack(key) {
      const entry = windows.get(key);
      if (entry && entry.attempts > 0) entry.attempts -= 1;
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
