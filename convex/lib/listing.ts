import type { Doc } from '../_generated/dataModel';
import type { QueryCtx } from '../_generated/server';
import { clampListLimit, searchWords } from '../../server/src/shared/conversation';
import {
  compareNewestFirst,
  decodeCursor,
  encodeCursor,
  isAfterCursor,
  matchesAllTerms,
  type ListCursor,
} from './model';

/**
 * Newest-first conversation pages with filters. Pages are cut by a cursor of our own (not `.paginate()`), so a
 * page holds `limit` matches whenever that many exist within the scan budget, and a garbage cursor is a clear
 * `invalid_cursor` rather than a backend parse error.
 */

export interface ListFilter {
  q?: string;
  from?: number;
  to?: number;
  problem?: 'error' | 'stopped' | 'any';
  feedback?: 'up' | 'down' | 'any';
}

/** Conversations read per page at most; a page that runs out of budget is shorter but still advances. */
export const SCAN_BUDGET = 2000;
/** Message hits read from the search index per query (Convex caps a search at 1024 results). */
export const SEARCH_HITS = 1024;

export function matchesFilter(doc: Doc<'conversations'>, filter: ListFilter): boolean {
  if (filter.from !== undefined && doc.updatedAt < filter.from) return false;
  if (filter.to !== undefined && doc.updatedAt > filter.to) return false;
  if (filter.problem === 'error' && doc.errorCount === 0) return false;
  if (filter.problem === 'stopped' && doc.stoppedCount === 0) return false;
  if (filter.problem === 'any' && doc.errorCount + doc.stoppedCount === 0) return false;
  if (filter.feedback === 'up' && doc.feedbackUp === 0) return false;
  if (filter.feedback === 'down' && doc.feedbackDown === 0) return false;
  if (filter.feedback === 'any' && doc.feedbackUp + doc.feedbackDown === 0) return false;
  return true;
}

function positionOf(doc: Doc<'conversations'>): ListCursor {
  return { updatedAt: doc.updatedAt, creationTime: doc._creationTime };
}

export interface ConversationPage {
  items: Doc<'conversations'>[];
  nextCursor: string | null;
}

export async function listConversationPage(
  ctx: QueryCtx,
  input: ListFilter & { limit: number; cursor: string | null },
): Promise<ConversationPage> {
  const limit = clampListLimit(input.limit);
  const cursor = input.cursor ? decodeCursor(input.cursor) : null;
  const terms = searchWords(input.q);
  if (terms.length > 0) return await searchPage(ctx, input, terms, limit, cursor);
  return await scanPage(ctx, input, limit, cursor);
}

/** Index ranges in newest-first order that together cover everything after `cursor` within `from`..`to`. */
function rangesAfter(ctx: QueryCtx, filter: ListFilter, cursor: ListCursor | null) {
  const ranges = [];
  const upper =
    cursor && (filter.to === undefined || cursor.updatedAt <= filter.to)
      ? { value: cursor.updatedAt, inclusive: false }
      : filter.to === undefined
        ? null
        : { value: filter.to, inclusive: true };
  if (cursor && upper && !upper.inclusive) {
    // The rest of the conversations that share the cursor's `updatedAt`.
    ranges.push(
      ctx.db
        .query('conversations')
        .withIndex('by_updatedAt', (q) =>
          q.eq('updatedAt', cursor.updatedAt).lt('_creationTime', cursor.creationTime),
        )
        .order('desc'),
    );
  }
  ranges.push(
    ctx.db
      .query('conversations')
      .withIndex('by_updatedAt', (q) => {
        const lowered = filter.from === undefined ? q : q.gte('updatedAt', filter.from);
        if (!upper) return lowered;
        return upper.inclusive ? lowered.lte('updatedAt', upper.value) : lowered.lt('updatedAt', upper.value);
      })
      .order('desc'),
  );
  return ranges;
}

async function scanPage(
  ctx: QueryCtx,
  filter: ListFilter,
  limit: number,
  cursor: ListCursor | null,
): Promise<ConversationPage> {
  const items: Doc<'conversations'>[] = [];
  let scanned = 0;
  let lastScanned: Doc<'conversations'> | null = null;
  for (const range of rangesAfter(ctx, filter, cursor)) {
    for await (const doc of range) {
      if (matchesFilter(doc, filter)) {
        if (items.length === limit) return { items, nextCursor: encodeCursor(positionOf(items[limit - 1]!)) };
        items.push(doc);
      }
      lastScanned = doc;
      scanned += 1;
      if (scanned >= SCAN_BUDGET) return { items, nextCursor: encodeCursor(positionOf(lastScanned)) };
    }
  }
  return { items, nextCursor: null };
}

async function searchPage(
  ctx: QueryCtx,
  filter: ListFilter,
  terms: string[],
  limit: number,
  cursor: ListCursor | null,
): Promise<ConversationPage> {
  // Convex prefix-matches only the last term of a search and ORs terms by relevance; the store promises every
  // word prefix-matched. So the index is asked for the longest term alone (a prefix search, and the most
  // selective), and every hit is checked against all terms here.
  const primary = terms.reduce((longest, term) => (term.length > longest.length ? term : longest));
  const hits = await ctx.db
    .query('messages')
    .withSearchIndex('search_content', (q) => q.search('content', primary))
    .take(SEARCH_HITS);
  const conversationIds = new Set(hits.filter((hit) => matchesAllTerms(hit.content, terms)).map((hit) => hit.conversationId));

  const matching: Doc<'conversations'>[] = [];
  for (const id of conversationIds) {
    const doc = await ctx.db.get(id);
    if (doc && matchesFilter(doc, filter) && (!cursor || isAfterCursor(doc, cursor))) matching.push(doc);
  }
  matching.sort(compareNewestFirst);
  const items = matching.slice(0, limit);
  const nextCursor = matching.length > limit ? encodeCursor(positionOf(items[limit - 1]!)) : null;
  return { items, nextCursor };
}
