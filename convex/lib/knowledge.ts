import type { Doc } from '../_generated/dataModel';
import type { MutationCtx, QueryCtx } from '../_generated/server';

/** The knowledge functions' shared parts: document → wire shapes, generation writes, and the visibility filter. */

/** Writes per purge call, well under Convex's per-transaction limits; the server repeats until nothing is left. */
export const PURGE_BATCH = 256;
/** Characters per stored document part (a Convex document holds at most 1 MiB). */
export const DOCUMENT_PART_CHARS = 200_000;

export function toSource(doc: Doc<'knowledgeSources'>) {
  return {
    id: doc._id as string,
    kind: doc.kind,
    title: doc.title,
    url: doc.url,
    format: doc.format,
    status: doc.status,
    error: doc.error,
    chunksDone: doc.chunksDone,
    chunksTotal: doc.chunksTotal,
    chunkCount: doc.chunkCount,
    pageCount: doc.pageCount,
    bytes: doc.bytes,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    indexedAt: doc.indexedAt,
  };
}

export function toHit(doc: Doc<'knowledgeChunks'>) {
  return { id: doc._id as string, sourceId: doc.sourceId, ord: doc.ord, title: doc.title, url: doc.url, headingPath: doc.headingPath, text: doc.text };
}

export async function sourceOf(ctx: QueryCtx, id: string): Promise<Doc<'knowledgeSources'> | null> {
  const normalized = ctx.db.normalizeId('knowledgeSources', id);
  return normalized ? await ctx.db.get(normalized) : null;
}

export async function currentSource(ctx: QueryCtx, id: string, generation: number) {
  const source = await sourceOf(ctx, id);
  return source && source.generation === generation ? source : null;
}

export const utf8Length = (text: string) => new TextEncoder().encode(text).length;

/** One document, split in parts under Convex's document size limit. */
export async function writeDocument(
  ctx: MutationCtx,
  sourceId: string,
  generation: number,
  ord: number,
  document: { title: string; url: string | null; text: string },
) {
  for (let part = 0; part * DOCUMENT_PART_CHARS < Math.max(1, document.text.length); part++) {
    const text = document.text.slice(part * DOCUMENT_PART_CHARS, (part + 1) * DOCUMENT_PART_CHARS);
    await ctx.db.insert('knowledgeDocuments', { sourceId, generation, ord, part, title: document.title, url: document.url, text });
  }
}

/** A generation's documents, then its pages still to fetch (numbered after the documents). */
export async function writeGeneration(
  ctx: MutationCtx,
  sourceId: string,
  generation: number,
  documents: Array<{ title: string; url: string | null; text: string }>,
  pendingPages: string[],
) {
  for (const [ord, document] of documents.entries()) await writeDocument(ctx, sourceId, generation, ord, document);
  for (const [index, url] of pendingPages.entries()) {
    await ctx.db.insert('knowledgePages', { sourceId, generation, ord: documents.length + index, url, state: 'pending', reason: null });
  }
}

/** Visible chunks among `docs`, in the given order. */
export async function visible(ctx: QueryCtx, docs: Array<Doc<'knowledgeChunks'> | null>) {
  const live = new Map<string, number | null>();
  const hits = [];
  for (const doc of docs) {
    if (!doc) continue;
    if (!live.has(doc.sourceId)) live.set(doc.sourceId, (await sourceOf(ctx, doc.sourceId))?.liveGeneration ?? null);
    if (live.get(doc.sourceId) === doc.generation) hits.push(toHit(doc));
  }
  return hits;
}

