import { describe, expect, it } from 'bun:test';
import { areaPath, bars, fillDays, labelStride, linePath, niceMax, ticks, yFor, type PlotArea } from '../src/lib/chart.ts';

const AREA: PlotArea = { width: 110, height: 120, top: 10, right: 0, bottom: 10, left: 10 };

describe('chart scaling', () => {
  it('rounds the top of the axis up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, 0.3, 1, 3, 7, 11, 24, 240, 999, 1001].map(niceMax)).toEqual([1, 0.5, 1, 5, 10, 20, 25, 250, 1000, 2000]);
    expect(niceMax(Number.NaN)).toBe(1);
  });

  it('spaces ticks evenly from zero to the top', () => {
    expect(ticks(20, 4)).toEqual([0, 5, 10, 15, 20]);
  });

  it('keeps ticks whole for counts', () => {
    expect(ticks(2, 4, true)).toEqual([0, 1, 2]);
    expect(ticks(10, 4, true)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(25, 4, true)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(ticks(1, 4, true)).toEqual([0, 1]);
    expect(ticks(2.5, 4, true)).toEqual([0, 0.625, 1.25, 1.875, 2.5]);
  });

  it('maps zero to the baseline and the top to the top edge', () => {
    expect(yFor(0, 10, AREA)).toBe(110);
    expect(yFor(10, 10, AREA)).toBe(10);
    expect(yFor(-5, 10, AREA)).toBe(110);
  });

  it('lays bars in equal slots, heights proportional to values', () => {
    const [a, b] = bars([5, 10], 10, AREA, 0.5);
    expect(a).toEqual({ x: 35 - 25 + 12.5, y: 60, width: 25, height: 50 });
    expect(b).toEqual({ x: 60 + 12.5, y: 10, width: 25, height: 100 });
  });

  it('draws the line through slot centres and closes the area on the baseline', () => {
    expect(linePath([0, 10], 10, AREA)).toBe('M35,110 L85,10');
    expect(areaPath([0, 10], 10, AREA)).toBe('M35,110 L85,10 L85,110 L35,110 Z');
    expect(areaPath([], 10, AREA)).toBe('');
  });

  it('fills missing days with zeros over the whole range', () => {
    const from = Date.UTC(2026, 0, 30, 15);
    const to = Date.UTC(2026, 1, 2, 8);
    const days = fillDays([{ day: '2026-01-31', conversations: 2, messages: 4, tokens: 90, errors: 1 }], from, to);
    expect(days.map((d) => d.day)).toEqual(['2026-01-30', '2026-01-31', '2026-02-01', '2026-02-02']);
    expect(days.map((d) => d.conversations)).toEqual([0, 2, 0, 0]);
  });

  it('thins day labels to fit', () => {
    expect(labelStride(30, 8)).toBe(4);
    expect(labelStride(7, 8)).toBe(1);
  });
});
