/**
 * The deterministic "embedding model" of the fake model server: hashed word counts (feature hashing with a sign
 * bit), L2-normalised. Texts sharing words are close, so retrieval tests and the quality benchmark assert real
 * rankings without any model weights. Also used directly by the benchmarks.
 */

export const HASH_EMBEDDING_DIMENSIONS = 256;

const STOPWORDS = new Set(
  'a an and are as at be by can do does for from how i if in is it its of on or that the this to was what when where which who why will with you your'.split(' '),
);

function fnv1a(word: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    hash ^= word.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Lower-cased words minus stopwords, with a crude plural strip so "limits" meets "limit". */
export function hashEmbeddingWords(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.filter((w) => !STOPWORDS.has(w)).map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w));
}

export function hashEmbedding(text: string, dimensions = HASH_EMBEDDING_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of hashEmbeddingWords(text)) {
    const hash = fnv1a(word);
    vector[hash % dimensions]! += hash & 0x80000000 ? -1 : 1;
  }
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((x) => x / norm);
}
