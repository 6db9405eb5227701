/**
 * The knowledge base as the dashboard shows it: what a source's state reads as, which ids may name a source, and the
 * headline for each refusal the admin API can answer. Pure; used on both sides (links: links.ts).
 */
import type { KnowledgeErrorCode } from '../../../server/src/knowledge/errors.ts';
import type { KnowledgeSource, KnowledgeSourceList } from '../../../server/src/knowledge/schemas.ts';

export type { KnowledgeMode, KnowledgeSource, RetrievedChunk, SourceKind, SourceStatus } from '../../../server/src/knowledge/schemas.ts';

/** `GET /v1/admin/knowledge`: the sources, the server's KNOWLEDGE_MODE and whether vector search is on. */
export type KnowledgeOverview = typeof KnowledgeSourceList.static;

/**
 * The server makes source ids (a UUID in SQLite, a Convex document id); its schema allows up to 64 characters.
 * Anything else cannot name a source, so it never becomes part of an admin API path.
 */
const SOURCE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isSourceId(value: unknown): value is string {
  return typeof value === 'string' && SOURCE_ID.test(value);
}

export type StateTone = 'neutral' | 'accent' | 'success' | 'danger';

export interface SourceState {
  /** One or two words for the badge. */
  label: string;
  tone: StateTone;
  /** The progress of the current run, 0…1, while indexing with a known total. */
  progress: number | null;
  /** A sentence under the badge: progress, or why it failed. */
  detail: string | null;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

export function sourceState(source: Pick<KnowledgeSource, 'status' | 'error' | 'chunksDone' | 'chunksTotal' | 'chunkCount'>): SourceState {
  switch (source.status) {
    case 'queued':
      return { label: 'Queued', tone: 'neutral', progress: null, detail: source.chunkCount > 0 ? 'The previous version answers meanwhile.' : null };
    case 'indexing': {
      const total = source.chunksTotal;
      if (total === null || total === 0) return { label: 'Indexing', tone: 'accent', progress: null, detail: 'Reading and splitting the text…' };
      const done = Math.min(source.chunksDone, total);
      return { label: 'Indexing', tone: 'accent', progress: done / total, detail: `${done.toLocaleString('en')} of ${plural(total, 'chunk')}` };
    }
    case 'ready':
      return { label: 'Ready', tone: 'success', progress: null, detail: null };
    case 'failed':
      return { label: 'Failed', tone: 'danger', progress: null, detail: source.error ?? 'Indexing failed.' };
  }
}

export const KIND_LABELS: Record<KnowledgeSource['kind'], string> = {
  file: 'File',
  text: 'Text',
  url: 'Page',
  sitemap: 'Sitemap',
};

/** What can be fetched again: the server refuses the rest with `not_refetchable`. */
export const canRefetch = (source: Pick<KnowledgeSource, 'kind'>) => source.kind === 'url' || source.kind === 'sitemap';

/** A headline per refusal; the server's own sentence (which names the file, URL or limit) goes under it. */
export const REFUSAL_HEADLINES: Record<KnowledgeErrorCode, string> = {
  source_not_found: 'This source no longer exists (it may have just been deleted).',
  empty_file: 'That file is empty.',
  unsupported_file_type: 'That file type is not supported: upload Markdown, plain text, HTML or PDF.',
  not_text: 'That file is not text.',
  file_too_large: 'That file is too large.',
  invalid_pdf: 'That PDF could not be read.',
  empty_text: 'There is no text to index.',
  invalid_url: 'That is not an http(s) address the server can fetch.',
  url_refused: 'The server refused to fetch that address.',
  fetch_failed: 'The page could not be fetched.',
  sitemap_loop: 'That sitemap loops back on itself.',
  sitemap_invalid: 'That is not a sitemap the server can read.',
  not_refetchable: 'Only pages and sitemaps can be fetched again.',
  knowledge_disabled: 'The knowledge base is turned off on the chat server (KNOWLEDGE_MODE=off).',
};

/** Codes the dashboard itself gives a form, before or instead of the admin API. */
const LOCAL_HEADLINES: Record<string, string> = {
  missing_file: 'Choose a file to upload first.',
  missing_title: 'Give the text a title: it is shown as the citation.',
  missing_text: 'Paste some text to add.',
  title_too_long: 'Use a title of at most 200 characters.',
  missing_url: 'Enter the address of a page or a sitemap.xml.',
  body_too_large: 'That file is larger than the dashboard accepts (BODY_SIZE_LIMIT).',
  validation_failed: 'The chat server refused the request as invalid.',
};

export function refusalHeadline(code: string): string | null {
  return (REFUSAL_HEADLINES as Record<string, string>)[code] ?? LOCAL_HEADLINES[code] ?? null;
}
