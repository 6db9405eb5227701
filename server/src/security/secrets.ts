/** Constant-time key comparison, whatever the lengths: both sides are hashed first, so timing reveals nothing. */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export function safeEqual(given: string, expected: string): boolean {
  // Hashing equalises lengths; the length check after it is only a guard for the impossible collision case.
  const same = timingSafeEqual(digest(given), digest(expected));
  return same && given.length === expected.length;
}
