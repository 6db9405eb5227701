/**
 * Search over the SQLite knowledge store's searchable chunks. Full text: FTS5 BM25, where a large store leaves a
 * question's most common words out (they have little weight in BM25 but make FTS5 score every row holding them).
 * Vectors: an in-memory sign-bit index (binary-index.ts) picks candidates, re-ranked exactly by sqlite-vec's cosine
 * distance; a small store is scanned exactly.
 */
import type { Database } from 'bun:sqlite';
import { BinaryIndex } from './binary-index.ts';
import { questionTerms } from './fts-query.ts';
import { toHit, type ChunkRow } from './sqlite-schema.ts';
import type { ChunkHit } from './types.ts';

/** Candidates the coarse (sign-bit) index hands to the exact cosine re-ranking, per result asked for. */
const OVERSAMPLE = 10;
const MIN_CANDIDATES = 200;
/** Up to this many vectors an exact scan is cheap enough (a few ms), and exact. */
const EXACT_SCAN_UP_TO = 2_000;
/**
 * Past this many chunks, a question's most common words are left out of the full-text query (see `searchQueries`):
 * below it every word is kept, as scoring every matching row is cheap.
 */
const PRUNE_FROM_CHUNKS = 5000;
const COMMON_FRACTION = 0.02;
const MAX_RARE_TERMS = 5;

export interface SqliteSearch {
  text(question: string, limit: number): ChunkHit[];
  vector(vector: Float32Array, limit: number): ChunkHit[];
  /** The in-memory index follows the committed chunks: called right after each commit that changes them. */
  chunksChanged(change: { removed: number[]; added: Array<[number, Float32Array]>; dimensions: number }): void;
}

export function createSqliteSearch(db: Database, dimensions: number): SqliteSearch {
  // The coarse index lives in memory, rebuilt from the stored vectors at open; only this process writes the file.
  let coarse: BinaryIndex | null = dimensions ? new BinaryIndex(dimensions) : null;
  for (const row of db.query<{ chunk_id: number; embedding: Uint8Array }, []>('select chunk_id, embedding from knowledge_vectors').iterate()) {
    coarse!.add(row.chunk_id, new Float32Array(row.embedding.buffer, row.embedding.byteOffset, row.embedding.byteLength / 4));
  }

  // Document frequency of words, for leaving the most common ones out of large searches; reset when chunks change.
  const frequency = new Map<string, number>();
  let chunkTotal: number | null = null;
  const countMatches = db.query<{ n: number }, [string, number]>('select count(*) as n from (select 1 from knowledge_fts where knowledge_fts match ? limit ?)');
  /**
   * The FTS5 queries to try in turn: usually one, "any of these words". When every word of a large search is common,
   * first "all of the rarest three" (its rows are few), then "any of the rarest two".
   */
  function searchQueries(question: string): string[] {
    const quoted = (terms: string[], joiner: string) => terms.map((term) => `"${term}"`).join(joiner);
    const terms = questionTerms(question);
    if (terms.length === 0) return [];
    chunkTotal ??= (db.query('select count(*) as n from knowledge_chunks').get() as { n: number }).n;
    if (chunkTotal < PRUNE_FROM_CHUNKS || terms.length <= 2) return [quoted(terms, ' OR ')];
    // A word in more than 5% of passages adds little to BM25 (low IDF) but makes FTS5 score all those rows.
    const common = Math.floor(chunkTotal * COMMON_FRACTION);
    const counted = terms.map((term) => {
      let n = frequency.get(term);
      if (n === undefined) {
        n = countMatches.get(`"${term}"`, common + 1)!.n;
        if (frequency.size > 10_000) frequency.clear();
        frequency.set(term, n);
      }
      return { term, n };
    });
    counted.sort((a, b) => a.n - b.n);
    const rare = counted.filter((c) => c.n > 0 && c.n <= common).slice(0, MAX_RARE_TERMS);
    if (rare.length > 0) return [quoted(rare.map((c) => c.term), ' OR ')];
    const found = counted.filter((c) => c.n > 0).map((c) => c.term);
    return [quoted(found.slice(0, 3), ' AND '), quoted(found.slice(0, 2), ' OR ')].filter((query) => query !== '');
  }


  return {
    text(question, limit) {
      // The words hold no `"` (letters and digits only), so quoting makes each a plain term, never FTS5 syntax.
      for (const match of searchQueries(question)) {
        const rows = db
          .query<ChunkRow, [string, number]>(
            // Rank and cut inside FTS5 first (its `rank` is BM25), then read only the rows kept.
            `select c.* from (select rowid, rank from knowledge_fts where knowledge_fts match ? order by rank limit ?) f
             join knowledge_chunks c on c.id = f.rowid order by f.rank`,
          )
          .all(match, limit);
        if (rows.length > 0) return rows.map(toHit);
      }
      return [];
    },

    vector(vector, limit) {
      if (!coarse || vector.length !== coarse.dimensions || coarse.count === 0) return [];
      if (coarse.count <= EXACT_SCAN_UP_TO) {
        return db
          .query<ChunkRow, [Float32Array, number]>(
            `select c.* from knowledge_vectors v join knowledge_chunks c on c.id = v.chunk_id
             order by vec_distance_cosine(v.embedding, ?1) limit ?2`,
          )
          .all(vector, limit)
          .map(toHit);
      }
      const candidates = coarse.nearest(vector, Math.max(MIN_CANDIDATES, limit * OVERSAMPLE));
      return db
        .query<ChunkRow, [Float32Array, string, number]>(
          `select c.* from knowledge_vectors v join knowledge_chunks c on c.id = v.chunk_id
           where v.chunk_id in (select value from json_each(?2)) order by vec_distance_cosine(v.embedding, ?1) limit ?3`,
        )
        .all(vector, JSON.stringify(candidates), limit)
        .map(toHit);
    },

    chunksChanged({ removed, added, dimensions: size }) {
      if (added.length > 0) coarse ??= new BinaryIndex(size);
      coarse?.remove(removed);
      for (const [rowid, vector] of added) coarse!.add(rowid, vector);
      frequency.clear();
      chunkTotal = null;
    },
  };
}
