/**
 * Counts failed login attempts per client (fixed window). In memory: one dashboard process serves one team, and
 * a restart only forgets counts, it never lets more than `maxAttempts` through per window.
 */
export interface AttemptLimiter {
  /** Whether `key` may try now; when not, how long until it may. */
  check(key: string, now: number): { allowed: true } | { allowed: false; retryAfterMs: number };
  recordFailure(key: string, now: number): void;
  reset(key: string): void;
}

export function createAttemptLimiter(options: { maxAttempts: number; windowMs: number; maxKeys?: number }): AttemptLimiter {
  const { maxAttempts, windowMs, maxKeys = 10_000 } = options;
  const windows = new Map<string, { start: number; failures: number }>();

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
    // Still full (a flood of distinct addresses): drop the oldest rather than grow without bound.
    while (windows.size >= maxKeys) {
      const oldest = windows.keys().next().value;
      if (oldest === undefined) break;
      windows.delete(oldest);
    }
  };

  return {
    check(key, now) {
      const entry = current(key, now);
      if (!entry || entry.failures < maxAttempts) return { allowed: true };
      return { allowed: false, retryAfterMs: entry.start + windowMs - now };
    },
    recordFailure(key, now) {
      const entry = current(key, now);
      if (entry) {
        entry.failures += 1;
        return;
      }
      if (windows.size >= maxKeys) prune(now);
      windows.set(key, { start: now, failures: 1 });
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
