/**
 * Turns what an admin types into a search box into words, and words into a safe FTS5 query. User input never
 * reaches FTS5 as syntax: quotes, `*`, `NEAR`, `AND (`, column filters all become plain words or vanish.
 */

/** Letters and digits runs, lower-cased; at most 16 words (a longer search is not a search). */
export function searchWords(q: string | undefined | null): string[] {
  if (!q) return [];
  const words = q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.slice(0, 16);
}

/**
 * `"word1"* "word2"*`: every word prefix-matched and all required. Returns null when there is no word, which
 * callers treat as "no search filter". The words contain no `"`, so quoting them is enough.
 */
export function toFtsMatchQuery(q: string | undefined | null): string | null {
  const words = searchWords(q);
  if (words.length === 0) return null;
  return words.map((word) => `"${word}"*`).join(' ');
}
