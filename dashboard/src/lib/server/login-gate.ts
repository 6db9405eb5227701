/**
 * Whether a sign-in attempt may check the password. Two limits, both taken BEFORE the request body is read and with
 * no await between deciding and counting, so parallel requests cannot slip through a check that a later failure
 * would have closed:
 *
 * - per client: `maxAttempts` per window per address, an IPv6 client counted by its /64 (client-key.ts);
 * - per account (the dashboard has one password, so: across all addresses): after ACCOUNT_FREE_FAILURES attempts
 *   without a success, each further attempt must wait a delay that doubles each time, from one minute up to
 *   fifteen. A guess spread over many addresses then gets about four tries an hour, not five per address a minute.
 *
 * An attempt counts as a failure from the moment it is taken; only a correct password clears the counts. The price
 * of the account limit: while someone guesses, the owner waits too (up to fifteen minutes, or a restart of the
 * dashboard, which clears these in-memory counts).
 */
import { createAttemptLimiter, type AttemptDecision } from './attempt-limiter.ts';
import { clientKey } from './client-key.ts';

export const ACCOUNT_FREE_FAILURES = 20;
export const ACCOUNT_FIRST_DELAY_MS = 60_000;
export const ACCOUNT_MAX_DELAY_MS = 15 * 60_000;
/** A day without a wrong password forgets the account's count. */
export const ACCOUNT_FORGET_AFTER_MS = 24 * 3_600_000;

export interface AccountBackoffOptions {
  freeFailures: number;
  firstDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
}

export interface AccountBackoff {
  take(now: number): AttemptDecision;
  succeeded(): void;
}

export function createAccountBackoff(options: AccountBackoffOptions): AccountBackoff {
  const { freeFailures, firstDelayMs, maxDelayMs, forgetAfterMs } = options;
  let failures = 0;
  let lastAttemptAt = -Infinity;
  let blockedUntil = -Infinity;
  return {
    take(now) {
      if (now - lastAttemptAt >= forgetAfterMs) {
        failures = 0;
        blockedUntil = -Infinity;
      }
      if (now < blockedUntil) return { allowed: false, retryAfterMs: blockedUntil - now };
      failures += 1;
      lastAttemptAt = now;
      const beyond = failures - freeFailures;
      // The delay starts now, before this attempt's password is even compared: the next one waits regardless.
      if (beyond > 0) blockedUntil = now + Math.min(maxDelayMs, firstDelayMs * 2 ** Math.min(beyond - 1, 30));
      return { allowed: true };
    },
    succeeded() {
      failures = 0;
      blockedUntil = -Infinity;
    },
  };
}

export type LoginAttempt =
  | { allowed: true; /** The password was right: forget this client's and the account's counts. */ succeeded(): void }
  | { allowed: false; scope: 'client' | 'account'; retryAfterMs: number };

export interface LoginGate {
  /** Takes an attempt for the client at `address` now. Call it before awaiting anything in the request. */
  take(address: string, now: number): LoginAttempt;
}

export function createLoginGate(options: { maxAttempts: number; windowMs: number; account?: AccountBackoffOptions }): LoginGate {
  const clients = createAttemptLimiter({ maxAttempts: options.maxAttempts, windowMs: options.windowMs });
  const account = createAccountBackoff(
    options.account ?? { freeFailures: ACCOUNT_FREE_FAILURES, firstDelayMs: ACCOUNT_FIRST_DELAY_MS, maxDelayMs: ACCOUNT_MAX_DELAY_MS, forgetAfterMs: ACCOUNT_FORGET_AFTER_MS },
  );
  return {
    take(address, now) {
      const key = clientKey(address);
      const client = clients.take(key, now);
      if (!client.allowed) return { allowed: false, scope: 'client', retryAfterMs: client.retryAfterMs };
      const overall = account.take(now);
      if (!overall.allowed) {
        // Refused before any password was compared: this client has not used up one of its own tries.
        clients.giveBack(key);
        return { allowed: false, scope: 'account', retryAfterMs: overall.retryAfterMs };
      }
      return {
        allowed: true,
        succeeded() {
          clients.reset(key);
          account.succeeded();
        },
      };
    },
  };
}
