import { json } from '@sveltejs/kit';
import { parseFilters } from '#lib/filters.ts';
import { loadConversationPage } from '#lib/server/conversation-list.ts';
import type { RequestHandler } from './$types';

/** The next page of the list for "Load more" (the admin key stays here; the browser only sees conversations). */
export const GET: RequestHandler = async ({ url, locals }) => {
  const page = await loadConversationPage(locals.deps.api, parseFilters(url.searchParams), url.searchParams.get('cursor'));
  return json(page, { headers: { 'cache-control': 'private, no-store' } });
};
