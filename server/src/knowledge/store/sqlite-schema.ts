/** The SQLite knowledge store's tables, and rows → the contract's shapes. */
import type { KnowledgeSource } from '../schemas.ts';
import type { ChunkHit } from './types.ts';

export const KNOWLEDGE_SCHEMA = `
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

export interface SourceRow {
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

export interface ChunkRow {
  id: number;
  source_id: string;
  ord: number;
  title: string;
  url: string | null;
  heading_path: string;
  text: string;
}

export const toSource = (row: SourceRow): KnowledgeSource => ({
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

export const toHit = (row: ChunkRow): ChunkHit => ({
  id: String(row.id),
  sourceId: row.source_id,
  ord: row.ord,
  title: row.title,
  url: row.url,
  headingPath: JSON.parse(row.heading_path) as string[],
  text: row.text,
});

