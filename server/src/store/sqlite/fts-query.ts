/**
 * Turns what an admin types into a search box into a safe FTS5 query. User input never reaches FTS5 as syntax:
 * quotes, `*`, `NEAR`, `AND (`, column filters all become plain words or vanish.
 */
import { searchWords } from '../../shared/conversation.ts';

/**
 * `"word1"* "word2"*`: every word prefix-matched and all required. Returns null when there is no word, which
 * callers treat as "no search filter". The words contain no `"`, so quoting them is enough.
 */
export function toFtsMatchQuery(q: string | undefined | null): string | null {
  const words = searchWords(q);
  if (words.length === 0) return null;
  return words.map((word) => `"${word}"*`).join(' ');
}
