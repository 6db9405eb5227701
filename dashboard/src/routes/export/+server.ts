import { filtersToApiQuery, parseFilters } from '#lib/filters.ts';
import { dayString } from '#lib/chart.ts';
import { fromApi } from '#lib/server/api-errors.ts';
import type { RequestHandler } from './$types';

const CONTENT_TYPES = { jsonl: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8' } as const;

/**
 * Streams the admin API's export straight through: the body is handed on as it arrives (never read whole here),
 * and a download the browser abandons aborts the upstream request.
 */
export const GET: RequestHandler = async ({ url, locals, request }) => {
  const format = url.searchParams.get('format') === 'csv' ? 'csv' : 'jsonl';
  const filter = filtersToApiQuery(parseFilters(url.searchParams));
  const upstream = await fromApi(() => locals.deps.api.exportStream(filter, format, request.signal));
  const filename = `conversations-${dayString(locals.deps.now())}.${format}`;
  return new Response(upstream.body, {
    headers: {
      'content-type': CONTENT_TYPES[format],
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    },
  });
};
