import { describe, expect, it } from 'bun:test';
import { clientKey } from '../src/lib/server/client-key.ts';
import { createAccountBackoff, createLoginGate, type LoginAttempt } from '../src/lib/server/login-gate.ts';

const T = 1_000_000;
const MINUTE = 60_000;
const account = { freeFailures: 3, firstDelayMs: MINUTE, maxDelayMs: 8 * MINUTE, forgetAfterMs: 24 * 60 * MINUTE };

describe('client key', () => {
  it('keeps IPv4 addresses, unwraps IPv4-mapped IPv6, and groups IPv6 by /64', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:5:6::1')).toBe('2001:db8:5:6::/64');
    expect(clientKey('2001:0db8:0005:0006:ffff:ffff:ffff:ffff')).toBe('2001:db8:5:6::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('2001:db8:5:7::1')).not.toBe(clientKey('2001:db8:5:6::1'));
  });

  it('leaves anything that is not an address as it is', () => {
    expect(clientKey('unknown')).toBe('unknown');
  });
});

describe('account backoff (one password: across all addresses)', () => {
  it('lets the free failures through, then makes each further attempt wait a doubling delay, up to the cap', () => {
    const backoff = createAccountBackoff(account);
    for (let i = 0; i < 3; i++) expect(backoff.take(T).allowed).toBe(true);
    // The fourth goes ahead and starts a one-minute wait for everyone after it.
    expect(backoff.take(T).allowed).toBe(true);
    expect(backoff.take(T)).toEqual({ allowed: false, retryAfterMs: MINUTE });
    expect(backoff.take(T + MINUTE - 1).allowed).toBe(false);
    let now = T + MINUTE;
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      expect(backoff.take(now).allowed).toBe(true);
      const refused = backoff.take(now);
      if (refused.allowed) throw new Error('expected a wait');
      waits.push(refused.retryAfterMs / MINUTE);
      now += refused.retryAfterMs;
    }
    expect(waits).toEqual([2, 4, 8, 8, 8, 8]);
  });

  it('refuses a burst at once: only the free failures and the one that starts the delay go through', () => {
    const backoff = createAccountBackoff(account);
    expect(Array.from({ length: 100 }, () => backoff.take(T)).filter((d) => d.allowed)).toHaveLength(4);
  });

  it('starts over after a success, and after a quiet day', () => {
    const backoff = createAccountBackoff(account);
    for (let i = 0; i < 4; i++) backoff.take(T);
    backoff.succeeded();
    expect(Array.from({ length: 10 }, () => backoff.take(T)).filter((d) => d.allowed)).toHaveLength(4);
    const later = T + account.forgetAfterMs;
    expect(Array.from({ length: 10 }, () => backoff.take(later)).filter((d) => d.allowed)).toHaveLength(4);
  });
});

describe('login gate', () => {
  const allowed = (attempt: LoginAttempt) => attempt.allowed;

  it('limits a client per window and counts an IPv6 /64 as one client', () => {
    const gate = createLoginGate({ maxAttempts: 2, windowMs: MINUTE, account: { ...account, freeFailures: 100 } });
    expect(allowed(gate.take('2001:db8:5:6::1', T))).toBe(true);
    expect(allowed(gate.take('2001:db8:5:6::2', T))).toBe(true);
    expect(gate.take('2001:db8:5:6::3', T)).toMatchObject({ allowed: false, scope: 'client', retryAfterMs: MINUTE });
    expect(allowed(gate.take('2001:db8:5:7::1', T))).toBe(true);
  });

  it('holds a guess spread over many addresses at the account limit, for a fresh address too', () => {
    const gate = createLoginGate({ maxAttempts: 5, windowMs: MINUTE, account });
    const spread = Array.from({ length: 200 }, (_, i) => gate.take(`198.51.100.${i}`, T));
    expect(spread.filter(allowed)).toHaveLength(4);
    expect(gate.take('192.0.2.1', T + 1000)).toMatchObject({ allowed: false, scope: 'account', retryAfterMs: MINUTE - 1000 });
  });

  it('does not spend a client\'s own tries on attempts the account refused', () => {
    const gate = createLoginGate({ maxAttempts: 2, windowMs: 10 * MINUTE, account: { ...account, freeFailures: 1 } });
    expect(allowed(gate.take('192.0.2.1', T))).toBe(true);
    expect(allowed(gate.take('192.0.2.2', T))).toBe(true);
    for (let i = 0; i < 5; i++) expect(gate.take('192.0.2.3', T)).toMatchObject({ scope: 'account' });
    expect(allowed(gate.take('192.0.2.3', T + MINUTE))).toBe(true);
  });

  it('clears the client and the account on a success', () => {
    const gate = createLoginGate({ maxAttempts: 2, windowMs: MINUTE, account: { ...account, freeFailures: 2 } });
    gate.take('192.0.2.1', T);
    const right = gate.take('192.0.2.1', T);
    if (!right.allowed) throw new Error('expected the attempt to be allowed');
    right.succeeded();
    expect(allowed(gate.take('192.0.2.1', T))).toBe(true);
    expect(allowed(gate.take('192.0.2.1', T))).toBe(true);
  });
});
