import { describe, expect, it } from 'bun:test';
import { passwordMatches } from '../src/lib/server/password.ts';

describe('password check', () => {
  it('accepts the exact password', () => {
    expect(passwordMatches('correct horse battery', 'correct horse battery')).toBe(true);
  });

  it('refuses a different, a prefix, a longer and an empty password', () => {
    for (const given of ['correct horse batterz', 'correct', 'correct horse battery!', '']) {
      expect(passwordMatches(given, 'correct horse battery')).toBe(false);
    }
  });
});
