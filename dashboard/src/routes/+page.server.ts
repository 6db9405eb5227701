import { redirect } from '@sveltejs/kit';
import { parseFilters, withoutBlankFields } from '#lib/filters.ts';
import { loadConversationPage } from '#lib/server/conversation-list.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url, locals }) => {
  // A search sent before the page's script ran (a plain form GET) carries every field: go to the tidy URL.
  const tidy = withoutBlankFields(url.searchParams);
  if (tidy) redirect(303, tidy.size > 0 ? `/?${tidy}` : '/');
  const filters = parseFilters(url.searchParams);
  const cursor = url.searchParams.get('cursor');
  const page = await loadConversationPage(locals.deps.api, filters, cursor);
  return { filters, cursor, items: page.items, nextCursor: page.nextCursor };
};
