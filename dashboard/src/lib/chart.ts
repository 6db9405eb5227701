/** Scales and shapes for the overview's hand-made SVG charts (no chart library: a few rects and one path). */
import type { DayStats } from './types.ts';

const DAY_MS = 86_400_000;

export function dayString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Every UTC day from `fromMs` to `toMs` inclusive, with zeros where the API sent no row. */
export function fillDays(days: readonly DayStats[], fromMs: number, toMs: number): DayStats[] {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const filled: DayStats[] = [];
  const first = Date.parse(`${dayString(fromMs)}T00:00:00Z`);
  for (let t = first; t <= toMs && filled.length < 3660; t += DAY_MS) {
    const day = dayString(t);
    filled.push(byDay.get(day) ?? { day, conversations: 0, messages: 0, tokens: 0, errors: 0 });
  }
  return filled;
}

/** The smallest "round" number (1, 2, 2.5, 5 × 10^n) at or above `max`; 1 for an empty series. */
export function niceMax(max: number): number {
  if (!Number.isFinite(max) || max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    const candidate = step * magnitude;
    if (candidate >= max) return candidate;
  }
  return 10 * magnitude;
}

/**
 * `count` + 1 evenly spaced values from 0 to `top`. For counts (`integer`), the number of steps is chosen so
 * that every tick is a whole number: a top of 2 gets 0, 1, 2 rather than 0, 0.5, 1, 1.5, 2.
 */
export function ticks(top: number, count = 4, integer = false): number[] {
  let steps = count;
  if (integer && Number.isInteger(top)) steps = [count, 5, 4, 3, 2, 1].find((n) => n <= Math.max(1, top) && top % n === 0) ?? 1;
  return Array.from({ length: steps + 1 }, (_, i) => (top * i) / steps);
}

export interface PlotArea {
  width: number;
  height: number;
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function yFor(value: number, top: number, area: PlotArea): number {
  const inner = area.height - area.top - area.bottom;
  return area.top + inner - (Math.max(0, value) / top) * inner;
}

/** One bar per value, centred in equal slots, with a gap of `gapRatio` of the slot. */
export function bars(values: readonly number[], top: number, area: PlotArea, gapRatio = 0.25): Bar[] {
  const inner = area.width - area.left - area.right;
  const slot = values.length > 0 ? inner / values.length : inner;
  const width = Math.max(1, slot * (1 - gapRatio));
  const baseline = yFor(0, top, area);
  return values.map((value, i) => {
    const y = yFor(value, top, area);
    return { x: area.left + i * slot + (slot - width) / 2, y, width, height: baseline - y };
  });
}

/** The centre x of slot `i` (labels and line points line up with bars). */
export function slotCentre(i: number, count: number, area: PlotArea): number {
  const inner = area.width - area.left - area.right;
  return area.left + (inner / Math.max(1, count)) * (i + 0.5);
}

export function linePath(values: readonly number[], top: number, area: PlotArea): string {
  return values
    .map((value, i) => `${i === 0 ? 'M' : 'L'}${round(slotCentre(i, values.length, area))},${round(yFor(value, top, area))}`)
    .join(' ');
}

/** The line's path closed down to the baseline, for a soft fill under it. */
export function areaPath(values: readonly number[], top: number, area: PlotArea): string {
  if (values.length === 0) return '';
  const baseline = round(yFor(0, top, area));
  const first = round(slotCentre(0, values.length, area));
  const last = round(slotCentre(values.length - 1, values.length, area));
  return `${linePath(values, top, area)} L${last},${baseline} L${first},${baseline} Z`;
}

/** Show every n-th label so that at most `maxLabels` fit. */
export function labelStride(count: number, maxLabels: number): number {
  return Math.max(1, Math.ceil(count / Math.max(1, maxLabels)));
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
