/** Constant-time key comparison, whatever the lengths: both sides are hashed first, so timing reveals nothing. */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export function safeEqual(given: string, expected: string): boolean {
  // Hashing equalises lengths; the length check after it is only a guard for the impossible collision case.
  const same = timingSafeEqual(digest(given), digest(expected));
  return same && given.length === expected.length;
}

/**
 * `safeEqual` against one configured secret, whose digest is computed once: the check then costs one hash of the
 * given key per request instead of two. Same constant-time comparison, same answer.
 */
export function keyCheck(expected: string): (given: string) => boolean {
  const expectedDigest = digest(expected);
  return (given) => timingSafeEqual(digest(given), expectedDigest) && given.length === expected.length;
}
