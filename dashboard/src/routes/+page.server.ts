import { parseFilters } from '#lib/filters.ts';
import { loadConversationPage } from '#lib/server/conversation-list.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url, locals }) => {
  const filters = parseFilters(url.searchParams);
  const cursor = url.searchParams.get('cursor');
  const page = await loadConversationPage(locals.deps.api, filters, cursor);
  return { filters, cursor, items: page.items, nextCursor: page.nextCursor };
};
