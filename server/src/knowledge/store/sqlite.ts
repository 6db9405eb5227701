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
import type { RetrievedChunk } from '../schemas.ts';
import { KNOWLEDGE_SCHEMA, toSource, type SourceRow } from './sqlite-schema.ts';
import { createSqliteSearch } from './sqlite-search.ts';
import { VectorSizeError, type IndexJob, type KnowledgeStore } from './types.ts';

const textBytes = (documents: SourceDocument[]) => documents.reduce((n, d) => n + Buffer.byteLength(d.text), 0);

export function openSqliteKnowledgeStore(path: string): KnowledgeStore {
  const db = new Database(path, { create: true, readwrite: true });
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  sqliteVec.load(db);
  db.exec(KNOWLEDGE_SCHEMA);

  let dimensions = Number((db.query("select value from knowledge_meta where key = 'dimensions'").get() as { value: string } | null)?.value ?? 0);
  /** The vector size is fixed by the first vectors stored (it depends on the embedding model). */
  function checkDimensions(size: number): void {
    if (dimensions === size) return;
    if (dimensions !== 0) {
      throw new VectorSizeError(`The embedding model changed: its vectors have ${size} dimensions, the index holds ${dimensions}. Delete and add the sources again.`);
    }
    db.query("insert or replace into knowledge_meta (key, value) values ('dimensions', ?)").run(String(size));
    dimensions = size;
  }

  const search = createSqliteSearch(db, dimensions);

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
      search.chunksChanged({ removed, added: [], dimensions });
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
      search.chunksChanged({ ...change, dimensions });
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
      return search.text(query, limit);
    },

    async searchVector(vector, limit) {
      return search.vector(vector, limit);
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
