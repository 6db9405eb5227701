/**
 * Which FTS5 queries a large store runs for a question, so that BM25 scores a bounded number of rows.
 *
 * FTS5's bm25() costs about 0.3 µs per matching row (measured at 100,000 chunks) plus, once per query, a pass over
 * each query word's whole row list (for its IDF): a word found in 40% of passages makes any ranked query holding it
 * cost 10+ ms whatever the LIMIT, and block the event loop for as long. So only rare words (found in at most
 * `rowBudget` passages) are ever ranked:
 *
 * 1. `all` (ranked): passages holding all of the rarest words (up to `allWords`; fewer when none holds them all) —
 *    those sharing the most words with the question, best by BM25 among themselves;
 * 2. `any` (ranked): passages holding any of the rare words, rarest first while their rows fit the budget — when `all`
 *    found fewer passages than wanted;
 * 3. a question of common words only: passages holding all of them (up to `maxAllWords`, else fewer), unranked —
 *    counting and listing matches without scores is 10–20× cheaper and stops at the limit.
 *
 * Pure apart from `matches`, which counts the rows an FTS5 query matches (stopping at `cap`).
 */

export interface PlannedQuery {
  match: string;
  /** false: matches in index order (a question of common words only). */
  ranked: boolean;
}

export interface PlanOptions {
  /** A word found in more passages than this is never ranked. */
  rowBudget: number;
  /** The rarest words tried together first. */
  allWords: number;
  /** The most common words a question of common words only is searched for together. */
  maxAllWords: number;
}

/**
 * 5,000 rows: at 100,000 chunks a ranked query then costs at most ~2-3 ms of CPU; 3,000 found the answer for fewer
 * questions in the at-scale quality check (BENCHMARKS.md), 10,000 for no more at twice the worst-case time.
 */
export const DEFAULT_PLAN: PlanOptions = { rowBudget: 5000, allWords: 4, maxAllWords: 6 };

const quote = (term: string) => `"${term}"`;
export const anyOf = (terms: string[]) => terms.map(quote).join(' OR ');
export const allOf = (terms: string[]) => terms.map(quote).join(' AND ');

/**
 * `counts`: each word's matching rows, capped at `rowBudget + 1` (capped means "too common to rank").
 * `matches(query, cap)`: rows an FTS5 query matches, counting no further than `cap`.
 */
export function planTextSearch(
  counts: Array<{ term: string; n: number }>,
  matches: (query: string, cap: number) => number,
  wanted: number,
  options: PlanOptions = DEFAULT_PLAN,
): PlannedQuery[] {
  const budget = options.rowBudget;
  // Rarest first; common words (all capped) keep the question's order.
  const found = counts.filter((c) => c.n > 0).sort((a, b) => a.n - b.n);
  const rare = found.filter((c) => c.n <= budget).map((c) => c.term);
  const common = found.filter((c) => c.n > budget).map((c) => c.term);
  const queries: PlannedQuery[] = [];

  if (rare.length === 0) {
    // Fewer words when no passage holds them all (each AND count walks the row lists with skips, and stops early).
    for (const size of [...new Set([Math.min(options.maxAllWords, common.length), 3, 2])]) {
      if (size < 2 || size > common.length) continue;
      const match = allOf(common.slice(0, size));
      if (matches(match, 1) > 0) return [{ match, ranked: false }];
    }
    return [];
  }

  let allFound = 0;
  if (rare.length >= 2) {
    // Each word holds at most `budget` rows, so these counts are cheap; leave out the most common down to two.
    for (let size = Math.min(options.allWords, rare.length); size >= 2; size--) {
      const match = allOf(rare.slice(0, size));
      allFound = matches(match, wanted);
      if (allFound > 0) {
        queries.push({ match, ranked: true });
        break;
      }
    }
  }
  if (allFound < wanted) {
    const any: string[] = [];
    let rows = 0;
    for (const c of found) {
      if (c.n > budget || rows + c.n > budget) break;
      any.push(c.term);
      rows += c.n;
    }
    if (any.length > 0) queries.push({ match: anyOf(any), ranked: true });
  }
  return queries;
}
