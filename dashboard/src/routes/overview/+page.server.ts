import { dayString, fillDays } from '#lib/chart.ts';
import { fromApi } from '#lib/server/api-errors.ts';
import type { PageServerLoad } from './$types';

const RANGES = [7, 30, 90] as const;
const DAY_MS = 86_400_000;

export const load: PageServerLoad = async ({ url, locals }) => {
  const asked = Number(url.searchParams.get('days'));
  const days = (RANGES as readonly number[]).includes(asked) ? asked : 30;
  const to = locals.deps.now();
  // Whole UTC days: today plus the `days - 1` before it.
  const from = Date.parse(`${dayString(to - (days - 1) * DAY_MS)}T00:00:00Z`);
  const stats = await fromApi(() => locals.deps.api.stats({ from, to }));
  return { days, ranges: RANGES, totals: stats.totals, series: fillDays(stats.days, from, to) };
};
