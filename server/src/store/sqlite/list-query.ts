/**
 * Builds the one SQL query behind the conversation list and the export: filters, keyset cursor, newest first.
 * Pure (SQL text + parameters), so its plans can be checked with EXPLAIN QUERY PLAN. Each filter term is
 * written exactly like the WHERE clause of a partial index in `sqlite-migrations.ts` so SQLite can use it.
 */
import type { CursorPosition } from './cursor.ts';
import { toFtsMatchQuery } from './fts-query.ts';
import { MESSAGE_SEQ_BITS } from './message-seq.ts';
import type { ConversationFilter } from '../chat-store.ts';

export type SqlValue = string | number;

export interface ListQuery {
  sql: string;
  params: SqlValue[];
}

const PROBLEM_TERMS = {
  error: 'c.error_count > 0',
  stopped: 'c.stopped_count > 0',
  any: '(c.error_count > 0 OR c.stopped_count > 0)',
} as const;

const FEEDBACK_TERMS = {
  up: 'c.feedback_up > 0',
  down: 'c.feedback_down > 0',
  any: '(c.feedback_up > 0 OR c.feedback_down > 0)',
} as const;

/**
 * How a search runs. `matches-first`: look up each matching conversation, then sort them (cheap when few match).
 * `walk-list`: walk the list index newest first and keep rows whose id is in the match set (cheap when many
 * match, since the page fills after a few steps). The unary `+` stops SQLite from choosing the first plan.
 */
export type SearchPlan = 'matches-first' | 'walk-list';

/** Above this many matching conversations, walking the list beats sorting the matches (measured at 1M messages). */
export const WALK_LIST_ABOVE = 1000;

/** Counts matching conversations, stopping at WALK_LIST_ABOVE + 1, to choose the plan. */
export const SEARCH_PROBE_SQL = `SELECT count(*) AS n FROM (
  SELECT DISTINCT rowid >> ${MESSAGE_SEQ_BITS} FROM messages_fts WHERE messages_fts MATCH ? LIMIT ${WALK_LIST_ABOVE + 1})`;

/** Selects `limit` rows after `after` (exclusive); callers ask for one more than a page to know if one follows. */
export function buildListQuery(
  filter: ConversationFilter,
  after: CursorPosition | null,
  limit: number,
  searchPlan: SearchPlan = 'matches-first',
): ListQuery {
  const terms: string[] = [];
  const params: SqlValue[] = [];

  if (filter.from !== undefined) {
    terms.push('c.updated_at >= ?');
    params.push(filter.from);
  }
  if (filter.to !== undefined) {
    terms.push('c.updated_at <= ?');
    params.push(filter.to);
  }
  if (filter.problem) terms.push(PROBLEM_TERMS[filter.problem]);
  if (filter.feedback) terms.push(FEEDBACK_TERMS[filter.feedback]);

  const match = toFtsMatchQuery(filter.q);
  if (match !== null) {
    // rowid >> 20 is the conversation (see sqlite-keys.ts): the match list never touches the messages table.
    const key = searchPlan === 'walk-list' ? '+c.seq' : 'c.seq';
    terms.push(`${key} IN (SELECT rowid >> ${MESSAGE_SEQ_BITS} FROM messages_fts WHERE messages_fts MATCH ?)`);
    params.push(match);
  }
  if (after) {
    terms.push('(c.updated_at, c.id) < (?, ?)');
    params.push(after.updatedAt, after.id);
  }

  const where = terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '';
  params.push(limit);
  return {
    sql: `SELECT c.* FROM conversations c ${where} ORDER BY c.updated_at DESC, c.id DESC LIMIT ?`,
    params,
  };
}
