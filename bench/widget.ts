/** Widget weight: what every visitor of every host page downloads, raw and compressed as a server would send it. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { ROOT } from './processes.ts';
import type { GoalCheck, Table } from './report.ts';
import { bytes, count } from './stats.ts';

export const WIDGET_PATH = join(ROOT, 'widget/dist/chat-widget.js');
/** Issue 12's budget for the widget with citations, in bytes as served (gzip -9, brotli q11). */
export const GZIP_BUDGET = 26_000;
export const BROTLI_BUDGET = 23_500;

export interface WidgetWeight {
  raw: number;
  /** Level 9, as server/src/embed/bundle.ts precompresses it; level 6 is what a proxy compressing on the fly sends. */
  gzip: number;
  gzipDefault: number;
  brotli: number;
}

export function measureWidget(path = WIDGET_PATH): WidgetWeight | null {
  if (!existsSync(path)) return null;
  const source = readFileSync(path);
  return {
    raw: source.byteLength,
    gzip: gzipSync(source, { level: 9 }).byteLength,
    gzipDefault: gzipSync(source, { level: 6 }).byteLength,
    brotli: brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).byteLength,
  };
}

export function widgetTable(weight: WidgetWeight | null): Table {
  return {
    title: 'Widget weight (`widget/dist/chat-widget.js`)',
    columns: ['Raw', 'gzip -9 (served)', 'gzip -6', 'brotli q11 (served)'],
    rows: weight
      ? [[weight.raw, weight.gzip, weight.gzipDefault, weight.brotli].map((size) => `${bytes(size)} (${count(size)} B)`)]
      : [['not built', '', '', '']],
    notes: weight
      ? ['The server sends the precompressed gzip -9 or brotli q11 body (server/src/embed/bundle.ts); gzip -6 is what a proxy compressing on the fly would send. KiB = 1,024 bytes.']
      : ['Skipped: run `bun run build` first (the widget bundle is not built).'],
  };
}

export function widgetGoal(weight: WidgetWeight | null): GoalCheck {
  const goal = `Widget ≤ ${count(GZIP_BUDGET)} B gzip, ≤ ${count(BROTLI_BUDGET)} B brotli`;
  if (!weight) return { goal, measured: 'not built', met: null, margin: '' };
  const spare = Math.min(GZIP_BUDGET - weight.gzip, BROTLI_BUDGET - weight.brotli);
  return {
    goal,
    measured: `${count(weight.gzip)} B gzip, ${count(weight.brotli)} B brotli`,
    met: spare >= 0,
    margin: spare >= 0 ? `${count(spare)} B to spare` : `${count(-spare)} B over`,
  };
}
