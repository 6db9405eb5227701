import { describe, expect, it } from 'bun:test';
import { relativeTime } from '../src/lib/relative-time.ts';

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const MIN = 60_000;

describe('relative time', () => {
  it('reads "just now" for the last 45 seconds and for clocks slightly ahead', () => {
    expect(relativeTime(NOW - 44_000, NOW)).toBe('just now');
    expect(relativeTime(NOW + 5_000, NOW)).toBe('just now');
  });

  it('counts minutes, then hours', () => {
    expect(relativeTime(NOW - 3 * MIN, NOW)).toBe('3 min ago');
    expect(relativeTime(NOW - 59 * MIN, NOW)).toBe('59 min ago');
    expect(relativeTime(NOW - 60 * MIN, NOW)).toBe('1 h ago');
    expect(relativeTime(NOW - 23 * 60 * MIN, NOW)).toBe('23 h ago');
  });

  it('says yesterday, then days, then a date', () => {
    expect(relativeTime(NOW - 30 * 60 * MIN, NOW)).toBe('yesterday');
    expect(relativeTime(NOW - 3 * 24 * 60 * MIN, NOW)).toBe('3 days ago');
    expect(relativeTime(Date.UTC(2026, 2, 12, 9), NOW, 'UTC')).toBe('Mar 12');
    expect(relativeTime(Date.UTC(2025, 11, 24, 9), NOW, 'UTC')).toBe('Dec 24, 2025');
  });
});
