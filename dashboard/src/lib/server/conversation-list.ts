import { filtersToApiQuery, type ListFilters } from '../filters.ts';
import type { Conversation, Page } from '../types.ts';
import type { AdminApi } from './admin-api.ts';
import { fromApi } from './api-errors.ts';

export const PAGE_SIZE = 25;

export function loadConversationPage(api: AdminApi, filters: ListFilters, cursor: string | null): Promise<Page<Conversation>> {
  return fromApi(() => api.listConversations({ ...filtersToApiQuery(filters), limit: PAGE_SIZE, cursor }));
}
