import { describe, expect, it } from 'bun:test';
import { createAttemptLimiter } from '../src/lib/server/attempt-limiter.ts';

describe('login attempt limiter', () => {
  const T = 1_000_000;

  it('lets maxAttempts attempts through in a window, then refuses with the time left', () => {
    const limiter = createAttemptLimiter({ maxAttempts: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) expect(limiter.take('1.2.3.4', T + i).allowed).toBe(true);
    expect(limiter.take('1.2.3.4', T + 10_000)).toEqual({ allowed: false, retryAfterMs: 50_000 });
  });

  it('counts an attempt when it is taken, so a burst taken before any password is compared still stops at the limit', () => {
    const limiter = createAttemptLimiter({ maxAttempts: 5, windowMs: 60_000 });
    const burst = Array.from({ length: 200 }, () => limiter.take('1.2.3.4', T));
    expect(burst.filter((d) => d.allowed)).toHaveLength(5);
  });

  it('counts each client on its own', () => {
    const limiter = createAttemptLimiter({ maxAttempts: 1, windowMs: 60_000 });
    limiter.take('a', T);
    expect(limiter.take('a', T).allowed).toBe(false);
    expect(limiter.take('b', T).allowed).toBe(true);
  });

  it('lets the client try again once the window has passed', () => {
    const limiter = createAttemptLimiter({ maxAttempts: 1, windowMs: 60_000 });
    limiter.take('a', T);
    expect(limiter.take('a', T + 59_999).allowed).toBe(false);
    expect(limiter.take('a', T + 60_000).allowed).toBe(true);
  });

  it('forgets attempts on reset (a successful sign-in), and gives one back on request', () => {
    const limiter = createAttemptLimiter({ maxAttempts: 1, windowMs: 60_000 });
    limiter.take('a', T);
    limiter.reset('a');
    expect(limiter.take('a', T).allowed).toBe(true);
    limiter.giveBack('a');
    expect(limiter.take('a', T).allowed).toBe(true);
    expect(limiter.take('a', T).allowed).toBe(false);
  });

  it('stays bounded under a flood of distinct clients', () => {
    const limiter = createAttemptLimiter({ maxAttempts: 1, windowMs: 60_000, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) limiter.take(`client-${i}`, T);
    // The newest client is still tracked; the oldest were dropped to make room.
    expect(limiter.take('client-999', T).allowed).toBe(false);
    expect(limiter.take('client-0', T).allowed).toBe(true);
  });
});
