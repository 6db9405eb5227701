import { describe, expect, it } from 'bun:test';
import { compactNumber, duration, percent, shortPage } from '../src/lib/format.ts';

describe('formatting', () => {
  it('shortens large numbers', () => {
    expect([0, 999, 1000, 1250, 12_500, 250_000, 3_400_000].map(compactNumber)).toEqual(['0', '999', '1k', '1.3k', '12.5k', '250k', '3.4M']);
  });

  it('shows durations in ms, s, then minutes', () => {
    expect([null, 820, 1400, 12_345, 125_000].map(duration)).toEqual(['–', '820 ms', '1.4 s', '12.3 s', '2 min 5 s']);
  });

  it('shows rates as percentages, with tiny non-zero rates not rounded to 0', () => {
    expect([0, 0.0004, 0.034, 0.5].map(percent)).toEqual(['0%', '<0.1%', '3.4%', '50%']);
  });

  it('shows the page a conversation started on without scheme or query', () => {
    expect(shortPage('https://shop.example/pricing?x=1', null)).toBe('shop.example/pricing');
    expect(shortPage(null, 'https://shop.example')).toBe('shop.example');
    expect(shortPage(null, null)).toBeNull();
  });
});
