import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time password check: hashing both sides first gives equal-length inputs, so neither the content nor
 * the length of the real password leaks through timing.
 */
export function passwordMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
