/** A visitor's question → a safe FTS5 query: every word quoted, any of them may match (BM25 ranks by how many and how rare). Pure. */
const MAX_TERMS = 32;

export function questionTerms(question: string): string[] {
  const words = question.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words.filter((w) => w.length > 1 || /\d/.test(w)))].slice(0, MAX_TERMS);
}

export function toFtsAnyQuery(question: string): string | null {
  const terms = questionTerms(question);
  // The words hold no `"` (letters and digits only), so quoting makes each a plain term, never FTS5 syntax.
  return terms.length === 0 ? null : terms.map((t) => `"${t}"`).join(' OR ');
}
