import { describe, expect, it } from 'bun:test';
import { createAttemptLimiter } from '../src/lib/server/attempt-limiter.ts';

describe('login attempt limiter', () => {
  const T = 1_000_000;

  it('allows maxAttempts failures in a window, then refuses with the time left', () => {
    const limiter = createAttemptLimiter({ maxAttempts: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      expect(limiter.check('1.2.3.4', T + i).allowed).toBe(true);
      limiter.recordFailure('1.2.3.4', T + i);
    }
    expect(limiter.check('1.2.3.4', T + 10_000)).toEqual({ allowed: false, retryAfterMs: 50_000 });
  });

  it('counts each client on its own', () => {
    const limiter = createAttemptLimiter({ maxAttempts: 1, windowMs: 60_000 });
    limiter.recordFailure('a', T);
    expect(limiter.check('a', T).allowed).toBe(false);
    expect(limiter.check('b', T).allowed).toBe(true);
  });

  it('lets the client try again once the window has passed', () => {
    const limiter = createAttemptLimiter({ maxAttempts: 1, windowMs: 60_000 });
    limiter.recordFailure('a', T);
    expect(limiter.check('a', T + 59_999).allowed).toBe(false);
    expect(limiter.check('a', T + 60_000).allowed).toBe(true);
  });

  it('forgets failures on reset (a successful sign-in)', () => {
    const limiter = createAttemptLimiter({ maxAttempts: 1, windowMs: 60_000 });
    limiter.recordFailure('a', T);
    limiter.reset('a');
    expect(limiter.check('a', T).allowed).toBe(true);
  });

  it('stays bounded under a flood of distinct clients', () => {
    const limiter = createAttemptLimiter({ maxAttempts: 1, windowMs: 60_000, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) limiter.recordFailure(`client-${i}`, T);
    // The newest client is still tracked; the oldest were dropped to make room.
    expect(limiter.check('client-999', T).allowed).toBe(false);
    expect(limiter.check('client-0', T).allowed).toBe(true);
  });
});
