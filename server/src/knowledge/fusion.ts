/**
 * Reciprocal rank fusion: each ranked list gives an item 1 / (k + rank); the sums order the fused list. Needs no
 * score calibration between BM25 and cosine distance, which is why hybrid search uses it. Pure.
 */
export const RRF_K = 60;

export interface Fused<T> {
  item: T;
  score: number;
}

export function reciprocalRankFusion<T>(lists: T[][], keyOf: (item: T) => string, k = RRF_K): Fused<T>[] {
  const scores = new Map<string, Fused<T>>();
  for (const list of lists) {
    list.forEach((item, index) => {
      const key = keyOf(item);
      const entry = scores.get(key) ?? { item, score: 0 };
      entry.score += 1 / (k + index + 1);
      scores.set(key, entry);
    });
  }
  // Ties keep first-seen order (Map order, then stable sort), so the result is deterministic.
  return [...scores.values()].sort((a, b) => b.score - a.score);
}
