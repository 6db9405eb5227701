/**
 * The knowledge store on SQLite: sources and job state in tables, searchable chunks in FTS5 (BM25, porter stemming)
 * and their vectors in a table, searched by an in-memory sign-bit index (binary-index.ts) whose candidates are
 * re-ranked exactly with sqlite-vec's cosine distance. Staged chunks live in their own table until `publish` swaps a
 * whole generation in inside one transaction, so no reader ever sees half a source. Shares the chat store's file
 * (one backup) through its own connection and its own tables (`knowledge_*`).
 */
import { Database } from 'bun:sqlite';
import { randomBytes } from 'node:crypto';
import * as sqliteVec from 'sqlite-vec';
import type { SourceDocument } from '../chunker.ts';
import { searchableText } from '../chunker.ts';
import type { KnowledgeSource, RetrievedChunk } from '../schemas.ts';
import { BinaryIndex } from './binary-index.ts';
import { questionTerms } from './fts-query.ts';
import { VectorSizeError, type ChunkHit, type IndexJob, type KnowledgeStore, type NewSourceInput, type StagedChunk } from './types.ts';

const SCHEMA = `
create table if not exists knowledge_meta (key text primary key, value text not null);
create table if not exists knowledge_sources (
  id text primary key,
  seq integer not null,
  kind text not null,
  title text not null,
  url text,
  format text,
  status text not null,
  error text,
  generation integer not null,
  chunks_done integer not null default 0,
  chunks_total integer,
  chunk_count integer not null default 0,
  page_count integer not null default 0,
  bytes integer not null default 0,
  created_at integer not null,
  updated_at integer not null,
  indexed_at integer
);
create index if not exists knowledge_sources_status on knowledge_sources(status, seq);
create table if not exists knowledge_pages (
  source_id text not null, generation integer not null, ord integer not null, url text not null,
  state text not null, reason text,
  primary key (source_id, generation, ord)
);
create table if not exists knowledge_documents (
  source_id text not null, generation integer not null, ord integer not null,
  title text not null, url text, text text not null,
  primary key (source_id, generation, ord)
);
create table if not exists knowledge_staged (
  source_id text not null, generation integer not null, ord integer not null,
  title text not null, url text, heading_path text not null, text text not null, embedding blob,
  primary key (source_id, generation, ord)
);
create table if not exists knowledge_chunks (
  id integer primary key,
  source_id text not null, ord integer not null,
  title text not null, url text, heading_path text not null, text text not null
);
create index if not exists knowledge_chunks_source on knowledge_chunks(source_id);
create virtual table if not exists knowledge_fts using fts5(body, tokenize = 'porter unicode61');
create table if not exists knowledge_vectors (chunk_id integer primary key, embedding blob not null);
create table if not exists knowledge_retrievals (message_id text primary key, chunks text not null);
`;

/** Candidates the coarse (sign-bit) index hands to the exact cosine re-ranking, per result asked for. */
const OVERSAMPLE = 10;
const MIN_CANDIDATES = 200;
/** Up to this many vectors an exact scan is cheap enough (a few ms), and exact. */
const EXACT_SCAN_UP_TO = 2_000;
/**
 * Past this many chunks, a question's most common words are left out of the full-text query (see `searchTerms`):
 * below it every word is kept, as scoring every matching row is cheap.
 */
const PRUNE_FROM_CHUNKS = 5000;
const COMMON_FRACTION = 0.02;
const MAX_RARE_TERMS = 5;

interface SourceRow {
  id: string;
  kind: KnowledgeSource['kind'];
  title: string;
  url: string | null;
  format: KnowledgeSource['format'];
  status: KnowledgeSource['status'];
  error: string | null;
  generation: number;
  chunks_done: number;
  chunks_total: number | null;
  chunk_count: number;
  page_count: number;
  bytes: number;
  created_at: number;
  updated_at: number;
  indexed_at: number | null;
}

interface ChunkRow {
  id: number;
  source_id: string;
  ord: number;
  title: string;
  url: string | null;
  heading_path: string;
  text: string;
}

const toSource = (row: SourceRow): KnowledgeSource => ({
  id: row.id,
  kind: row.kind,
  title: row.title,
  url: row.url,
  format: row.format,
  status: row.status,
  error: row.error,
  chunksDone: row.chunks_done,
  chunksTotal: row.chunks_total,
  chunkCount: row.chunk_count,
  pageCount: row.page_count,
  bytes: row.bytes,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  indexedAt: row.indexed_at,
});

const toHit = (row: ChunkRow): ChunkHit => ({
  id: String(row.id),
  sourceId: row.source_id,
  ord: row.ord,
  title: row.title,
  url: row.url,
  headingPath: JSON.parse(row.heading_path) as string[],
  text: row.text,
});

const textBytes = (documents: SourceDocument[]) => documents.reduce((n, d) => n + Buffer.byteLength(d.text), 0);

export function openSqliteKnowledgeStore(path: string): KnowledgeStore {
  const db = new Database(path, { create: true, readwrite: true });
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  sqliteVec.load(db);
  db.exec(SCHEMA);

  let dimensions = Number((db.query("select value from knowledge_meta where key = 'dimensions'").get() as { value: string } | null)?.value ?? 0);
  // The coarse index lives in memory, rebuilt from the stored vectors at open; only this process writes the file.
  let coarse: BinaryIndex | null = dimensions ? new BinaryIndex(dimensions) : null;
  for (const row of db.query<{ chunk_id: number; embedding: Uint8Array }, []>('select chunk_id, embedding from knowledge_vectors').iterate()) {
    coarse!.add(row.chunk_id, new Float32Array(row.embedding.buffer, row.embedding.byteOffset, row.embedding.byteLength / 4));
  }

  /** The vector size is fixed by the first vectors stored (it depends on the embedding model). */
  function checkDimensions(size: number): void {
    if (dimensions === size) return;
    if (dimensions !== 0) {
      throw new VectorSizeError(`The embedding model changed: its vectors have ${size} dimensions, the index holds ${dimensions}. Delete and add the sources again.`);
    }
    db.query("insert or replace into knowledge_meta (key, value) values ('dimensions', ?)").run(String(size));
    dimensions = size;
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
  const chunksChanged = () => {
    frequency.clear();
    chunkTotal = null;
  };

  const getRow = db.query<SourceRow, [string]>('select * from knowledge_sources where id = ?');
  const isCurrent = (id: string, generation: number) => {
    const row = getRow.get(id);
    return row !== null && row.generation === generation ? row : null;
  };

  /** Deletes a source's searchable rows; returns their ids for the in-memory index (updated after the commit). */
  function removeLiveChunks(sourceId: string): number[] {
    const ids = db.query<{ id: number }, [string]>('select id from knowledge_chunks where source_id = ?').all(sourceId).map((r) => r.id);
    const deleteFts = db.query('delete from knowledge_fts where rowid = ?');
    const deleteVector = db.query('delete from knowledge_vectors where chunk_id = ?');
    for (const id of ids) {
      deleteFts.run(id);
      deleteVector.run(id);
    }
    db.query('delete from knowledge_chunks where source_id = ?').run(sourceId);
    return ids;
  }

  function removeJobRows(sourceId: string, upToGeneration: number): void {
    for (const table of ['knowledge_pages', 'knowledge_documents', 'knowledge_staged']) {
      db.query(`delete from ${table} where source_id = ? and generation <= ?`).run(sourceId, upToGeneration);
    }
  }

  function writeGeneration(id: string, generation: number, documents: SourceDocument[], pendingPages: string[]): void {
    const insertDocument = db.query('insert into knowledge_documents (source_id, generation, ord, title, url, text) values (?, ?, ?, ?, ?, ?)');
    documents.forEach((d, ord) => insertDocument.run(id, generation, ord, d.title, d.url, d.text));
    const insertPage = db.query("insert into knowledge_pages (source_id, generation, ord, url, state) values (?, ?, ?, ?, 'pending')");
    pendingPages.forEach((url, index) => insertPage.run(id, generation, documents.length + index, url));
  }

  const store: KnowledgeStore = {
    kind: 'sqlite',

    async createSource(input) {
      const id = `ks_${randomBytes(12).toString('hex')}`;
      db.transaction(() => {
        const seq = (db.query('select coalesce(max(seq), 0) + 1 as n from knowledge_sources').get() as { n: number }).n;
        db.query(
          `insert into knowledge_sources (id, seq, kind, title, url, format, status, generation, page_count, bytes, created_at, updated_at)
           values (?, ?, ?, ?, ?, ?, 'queued', 1, ?, ?, ?, ?)`,
        ).run(id, seq, input.kind, input.title, input.url, input.format, input.documents.length, textBytes(input.documents), input.now, input.now);
        writeGeneration(id, 1, input.documents, input.pendingPages);
      })();
      return toSource(getRow.get(id)!);
    },

    async listSources() {
      return db.query<SourceRow, []>('select * from knowledge_sources order by seq desc').all().map(toSource);
    },

    async getSource(id) {
      const row = getRow.get(id);
      return row ? toSource(row) : null;
    },

    async deleteSource(id) {
      const removed = db.transaction(() => {
        if (!getRow.get(id)) return null;
        const ids = removeLiveChunks(id);
        removeJobRows(id, Number.MAX_SAFE_INTEGER);
        db.query('delete from knowledge_sources where id = ?').run(id);
        return ids;
      })();
      if (removed === null) return false;
      // Synchronous right after the commit: no search runs in between, so no search sees a deleted chunk.
      coarse?.remove(removed);
      chunksChanged();
      return true;
    },

    async requeueSource(id, input) {
      return db.transaction(() => {
        const row = getRow.get(id);
        if (!row) return null;
        const generation = row.generation + 1;
        removeJobRows(id, row.generation);
        writeGeneration(id, generation, input.documents, input.pendingPages);
        db.query(
          `update knowledge_sources set generation = ?, status = 'queued', error = null, chunks_done = 0, chunks_total = null,
           updated_at = ? where id = ?`,
        ).run(generation, input.now, id);
        return toSource(getRow.get(id)!);
      })();
    },

    async unfinishedSources() {
      return db
        .query<{ id: string }, []>("select id from knowledge_sources where status in ('queued', 'indexing') order by seq")
        .all()
        .map((r) => r.id);
    },

    async loadJob(id) {
      const row = getRow.get(id);
      if (!row) return null;
      const documents = db
        .query<{ title: string; url: string | null; text: string }, [string, number]>(
          'select title, url, text from knowledge_documents where source_id = ? and generation = ? order by ord',
        )
        .all(id, row.generation);
      const pendingPages = db
        .query<{ ord: number; url: string }, [string, number]>(
          "select ord, url from knowledge_pages where source_id = ? and generation = ? and state = 'pending' order by ord",
        )
        .all(id, row.generation);
      const { n } = db.query('select count(*) as n from knowledge_staged where source_id = ? and generation = ?').get(id, row.generation) as { n: number };
      return { source: toSource(row), generation: row.generation, documents, pendingPages, stagedCount: n } satisfies IndexJob;
    },

    async settlePage(id, generation, ord, document, reason) {
      db.transaction(() => {
        if (!isCurrent(id, generation)) return;
        const changed = db
          .query("update knowledge_pages set state = ?, reason = ? where source_id = ? and generation = ? and ord = ? and state = 'pending'")
          .run(document ? 'done' : 'skipped', reason, id, generation, ord).changes;
        if (!changed || !document) return;
        db.query('insert or replace into knowledge_documents (source_id, generation, ord, title, url, text) values (?, ?, ?, ?, ?, ?)').run(
          id, generation, ord, document.title, document.url, document.text,
        );
        db.query('update knowledge_sources set page_count = page_count + 1, bytes = bytes + ? where id = ?').run(Buffer.byteLength(document.text), id);
      })();
    },

    async startIndexing(id, generation, chunksTotal, now) {
      db.query("update knowledge_sources set status = 'indexing', chunks_total = ?, updated_at = ? where id = ? and generation = ?").run(
        chunksTotal, now, id, generation,
      );
    },

    async stageChunks(id, generation, chunks, now) {
      return db.transaction(() => {
        if (!isCurrent(id, generation)) return 0;
        const insert = db.query(
          'insert or replace into knowledge_staged (source_id, generation, ord, title, url, heading_path, text, embedding) values (?, ?, ?, ?, ?, ?, ?, ?)',
        );
        for (const c of chunks) {
          insert.run(id, generation, c.ord, c.title, c.url, JSON.stringify(c.headingPath), c.text, c.embedding ? new Uint8Array(c.embedding.buffer, c.embedding.byteOffset, c.embedding.byteLength) : null);
        }
        const { n } = db.query('select count(*) as n from knowledge_staged where source_id = ? and generation = ?').get(id, generation) as { n: number };
        db.query('update knowledge_sources set chunks_done = ?, updated_at = ? where id = ?').run(n, now, id);
        return n;
      })();
    },

    async publish(id, generation, now) {
      const change = db.transaction(() => {
        const row = isCurrent(id, generation);
        // Already published (a second worker, or a repeat): the staged rows are gone, so doing it again would empty it.
        if (!row || row.status === 'ready') return null;
        const removed = removeLiveChunks(id);
        const staged = db
          .query<{ ord: number; title: string; url: string | null; heading_path: string; text: string; embedding: Uint8Array | null }, [string, number]>(
            'select ord, title, url, heading_path, text, embedding from knowledge_staged where source_id = ? and generation = ? order by ord',
          )
          .all(id, generation);
        const insertChunk = db.query('insert into knowledge_chunks (source_id, ord, title, url, heading_path, text) values (?, ?, ?, ?, ?, ?) returning id');
        const insertFts = db.query('insert into knowledge_fts (rowid, body) values (?, ?)');
        const insertVector = db.query('insert into knowledge_vectors (chunk_id, embedding) values (?, ?)');
        const added: Array<[number, Float32Array]> = [];
        for (const chunk of staged) {
          const { id: rowid } = insertChunk.get(id, chunk.ord, chunk.title, chunk.url, chunk.heading_path, chunk.text) as { id: number };
          insertFts.run(rowid, searchableText({ title: chunk.title, headingPath: JSON.parse(chunk.heading_path), text: chunk.text }));
          if (chunk.embedding) {
            const vector = new Float32Array(chunk.embedding.buffer, chunk.embedding.byteOffset, chunk.embedding.byteLength / 4);
            checkDimensions(vector.length);
            insertVector.run(rowid, chunk.embedding);
            added.push([rowid, vector]);
          }
        }
        removeJobRows(id, generation);
        db.query(
          `update knowledge_sources set status = 'ready', error = null, chunk_count = ?, chunks_done = ?, chunks_total = ?,
           indexed_at = ?, updated_at = ? where id = ?`,
        ).run(staged.length, staged.length, staged.length, now, now, id);
        return { removed, added };
      })();
      if (!change) return false;
      // Synchronous right after the commit, so searches see the old version or the new one, never a mix.
      if (change.added.length > 0) coarse ??= new BinaryIndex(dimensions);
      coarse?.remove(change.removed);
      for (const [rowid, vector] of change.added) coarse!.add(rowid, vector);
      chunksChanged();
      return true;
    },

    async failSource(id, generation, reason, now) {
      db.transaction(() => {
        if (!isCurrent(id, generation)) return;
        db.query("update knowledge_sources set status = 'failed', error = ?, updated_at = ? where id = ?").run(reason, now, id);
        db.query('delete from knowledge_staged where source_id = ? and generation = ?').run(id, generation);
      })();
    },

    async purgeStale() {
      return 0; // publish and delete remove everything in their own transaction
    },

    async hasReadySources() {
      return db.query('select 1 from knowledge_chunks limit 1').get() !== null;
    },

    async searchText(query, limit) {
      // The words hold no `"` (letters and digits only), so quoting makes each a plain term, never FTS5 syntax.
      for (const match of searchQueries(query)) {
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

    async searchVector(vector, limit) {
      if (!coarse || vector.length !== dimensions || coarse.count === 0) return [];
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

    async saveRetrieval(messageId, chunks) {
      db.query('insert or replace into knowledge_retrievals (message_id, chunks) values (?, ?)').run(messageId, JSON.stringify(chunks));
    },

    async retrievalsFor(messageIds) {
      const result = new Map<string, RetrievedChunk[]>();
      const select = db.query<{ chunks: string }, [string]>('select chunks from knowledge_retrievals where message_id = ?');
      for (const id of messageIds) {
        const row = select.get(id);
        if (row) result.set(id, JSON.parse(row.chunks) as RetrievedChunk[]);
      }
      return result;
    },

    async close() {
      db.close();
    },
  };
  return store;
}
