/**
 * A visitor's question → a safe full-text query: its content words, quoted, any of which may match (BM25 ranks by
 * how many and how rare). Question and function words ("how", "do", "the") are left out: they match most passages,
 * add nothing to the ranking and make the search score every row. Pure.
 */
import { wordsOf } from '../../shared/conversation.ts';

const MAX_TERMS = 32;

const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could did do does doing for from had has have how i if in into is it its ' +
    'me my of on or our so such than that the their them then there these they this those to too us was we were what ' +
    'when where which while who whom why will with would you your yours'
  ).split(' '),
);

export function questionTerms(question: string): string[] {
  const words = wordsOf(question);
  const content = words.filter((w) => !STOPWORDS.has(w) && (w.length > 1 || /\d/.test(w)));
  // A question made only of stopwords ("what is it?") still searches with what it has.
  return [...new Set(content.length > 0 ? content : words)].slice(0, MAX_TERMS);
}

export function toFtsAnyQuery(question: string): string | null {
  const terms = questionTerms(question);
  // The words hold no `"` (letters and digits only), so quoting makes each a plain term, never FTS5 syntax.
  return terms.length === 0 ? null : terms.map((t) => `"${t}"`).join(' OR ');
}
