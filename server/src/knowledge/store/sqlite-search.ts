/**
 * Search over the SQLite knowledge store's searchable chunks. Full text: FTS5 BM25, where a large store ranks only
 * a question's rare words (fts-plan.ts: common words have little weight in BM25 but make FTS5 score every row).
 * Vectors: an in-memory sign-bit index (binary-index.ts) picks candidates, re-ranked exactly by sqlite-vec's cosine
 * distance; a small store is scanned exactly.
 */
import type { Database } from 'bun:sqlite';
import { BinaryIndex } from './binary-index.ts';
import { anyOf, DEFAULT_PLAN, planTextSearch, type PlannedQuery } from './fts-plan.ts';
import { questionTerms } from './fts-query.ts';
import { toHit, type ChunkRow } from './sqlite-schema.ts';
import type { ChunkHit } from './types.ts';

/** Candidates the coarse (sign-bit) index hands to the exact cosine re-ranking, per result asked for. */
const OVERSAMPLE = 10;
const MIN_CANDIDATES = 200;
/** Up to this many vectors an exact scan is cheap enough (a few ms), and exact. */
const EXACT_SCAN_UP_TO = 2_000;
/**
 * Past this many chunks, the full-text search follows a plan that bounds the rows BM25 scores (fts-plan.ts); below
 * it, "any of the question's words" is ranked whole, as scoring every matching row is cheap.
 */
const PLAN_FROM_CHUNKS = 5000;
/** Words whose match counts are remembered (reset whenever chunks change). */
const MAX_COUNTED_WORDS = 10_000;

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

  // Matching rows per word (capped at the row budget + 1), for planning large searches; reset when chunks change.
  const frequency = new Map<string, number>();
  let chunkTotal: number | null = null;
  const countMatches = db.query<{ n: number }, [string, number]>('select count(*) as n from (select 1 from knowledge_fts where knowledge_fts match ? limit ?)');
  const matches = (query: string, cap: number) => countMatches.get(query, cap)!.n;
  // bm25() sorted by SQLite with a LIMIT keeps a heap of `limit` rows; FTS5's own `order by rank` sorts every match
  // (measured 1.7-2x slower over large matches). Rank and cut first, then read only the rows kept.
  const rankedRows = db.query<ChunkRow, [string, number]>(
    `select c.* from (select rowid, bm25(knowledge_fts) as score from knowledge_fts where knowledge_fts match ? order by score limit ?) f
     join knowledge_chunks c on c.id = f.rowid order by f.score`,
  );
  const unrankedRows = db.query<ChunkRow, [string, number]>(
    'select c.* from (select rowid from knowledge_fts where knowledge_fts match ? limit ?) f join knowledge_chunks c on c.id = f.rowid',
  );

  // The words hold no `"` (letters and digits only), so quoting makes each a plain term, never FTS5 syntax.
  function searchQueries(question: string, limit: number): PlannedQuery[] {
    const terms = questionTerms(question);
    if (terms.length === 0) return [];
    chunkTotal ??= (db.query('select count(*) as n from knowledge_chunks').get() as { n: number }).n;
    if (chunkTotal < PLAN_FROM_CHUNKS) return [{ match: anyOf(terms), ranked: true }];
    const cap = DEFAULT_PLAN.rowBudget + 1;
    const counts = terms.map((term) => {
      let n = frequency.get(term);
      if (n === undefined) {
        n = matches(`"${term}"`, cap);
        if (frequency.size >= MAX_COUNTED_WORDS) frequency.clear();
        frequency.set(term, n);
      }
      return { term, n };
    });
    return planTextSearch(counts, matches, limit);
  }

  return {
    text(question, limit) {
      const hits: ChunkHit[] = [];
      const seen = new Set<number>();
      for (const { match, ranked } of searchQueries(question, limit)) {
        for (const row of (ranked ? rankedRows : unrankedRows).all(match, limit)) {
          if (hits.length === limit) break;
          if (seen.has(row.id)) continue;
          seen.add(row.id);
          hits.push(toHit(row));
        }
      }
      return hits;
    },

    vector(vector, limit) {
      if (!coarse || vector.length !== coarse.dimensions || coarse.count === 0) return [];
      if (coarse.count <= EXACT_SCAN_UP_TO) {
        return db
          .query<ChunkRow, [Float32Array, number]>(
            `select c.* from (select chunk_id, vec_distance_cosine(embedding, ?1) as distance from knowledge_vectors order by distance limit ?2) v
             join knowledge_chunks c on c.id = v.chunk_id order by v.distance`,
          )
          .all(vector, limit)
          .map(toHit);
      }
      const candidates = coarse.nearest(vector, Math.max(MIN_CANDIDATES, limit * OVERSAMPLE));
      return db
        .query<ChunkRow, [Float32Array, string, number]>(
          // Rank the candidates by id first, then read the text of the few kept (joining first sorted every
          // candidate's text along: 0.45 -> 0.15 ms at 256-d).
          `select c.* from (select chunk_id, vec_distance_cosine(embedding, ?1) as distance from knowledge_vectors
             where chunk_id in (select value from json_each(?2)) order by distance limit ?3) v
           join knowledge_chunks c on c.id = v.chunk_id order by v.distance`,
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
