import { v } from 'convex/values';
import { internal } from './_generated/api';
import type { Doc, Id } from './_generated/dataModel';
import { action, internalQuery, mutation, query } from './_generated/server';
import { requireServerSecret } from './lib/guard';
import { currentSource, PURGE_BATCH, sourceOf, toHit, toSource, utf8Length, visible, writeDocument, writeGeneration } from './lib/knowledge';
import { retrievedChunkValidator } from './lib/knowledge-schema';
import { FILE_FORMATS, SOURCE_KINDS } from '../server/src/knowledge/values';

/**
 * The knowledge base (server/src/knowledge/store/types.ts): sources, indexing jobs, hybrid search and what each
 * reply was shown. Visibility: a chunk is searchable while `source.liveGeneration === chunk.generation`.
 */

const nullableString = v.union(v.string(), v.null());
const documentValidator = v.object({ title: v.string(), url: nullableString, text: v.string() });
const chunkValidator = v.object({
  ord: v.number(),
  title: v.string(),
  url: nullableString,
  headingPath: v.array(v.string()),
  text: v.string(),
  searchText: v.string(),
  embedding: v.union(v.array(v.float64()), v.null()),
});

export const createSource = mutation({
  args: {
    secret: v.string(),
    kind: v.union(...SOURCE_KINDS.map((kind) => v.literal(kind))),
    title: v.string(),
    url: nullableString,
    format: v.union(...FILE_FORMATS.map((format) => v.literal(format)), v.null()),
    documents: v.array(documentValidator),
    pendingPages: v.array(v.string()),
    now: v.number(),
  },
  handler: async (ctx, { secret, documents, pendingPages, now, ...input }) => {
    requireServerSecret(secret);
    const id = await ctx.db.insert('knowledgeSources', {
      ...input,
      status: 'queued',
      error: null,
      generation: 1,
      liveGeneration: null,
      chunksDone: 0,
      chunksTotal: null,
      chunkCount: 0,
      pageCount: documents.length,
      bytes: documents.reduce((n, d) => n + utf8Length(d.text), 0),
      createdAt: now,
      updatedAt: now,
      indexedAt: null,
    });
    await writeGeneration(ctx, id, 1, documents, pendingPages);
    return toSource((await ctx.db.get(id))!);
  },
});

export const listSources = query({
  args: { secret: v.string() },
  handler: async (ctx, { secret }) => {
    requireServerSecret(secret);
    const sources = await ctx.db.query('knowledgeSources').withIndex('by_createdAt').order('desc').collect();
    return sources.map(toSource);
  },
});

export const getSource = query({
  args: { secret: v.string(), id: v.string() },
  handler: async (ctx, { secret, id }) => {
    requireServerSecret(secret);
    const source = await sourceOf(ctx, id);
    return source ? toSource(source) : null;
  },
});

/** Removes the source in one write (its chunks leave retrieval with it); the rows follow through `purgeStale`. */
export const deleteSource = mutation({
  args: { secret: v.string(), id: v.string() },
  handler: async (ctx, { secret, id }) => {
    requireServerSecret(secret);
    const source = await sourceOf(ctx, id);
    if (!source) return false;
    await ctx.db.delete(source._id);
    await ctx.db.insert('knowledgePurges', { sourceId: id, generation: null });
    return true;
  },
});

export const requeueSource = mutation({
  args: { secret: v.string(), id: v.string(), documents: v.array(documentValidator), pendingPages: v.array(v.string()), now: v.number() },
  handler: async (ctx, { secret, id, documents, pendingPages, now }) => {
    requireServerSecret(secret);
    const source = await sourceOf(ctx, id);
    if (!source) return null;
    // The generation being replaced is dropped unless it is the searchable one (which stays until the new is ready).
    if (source.generation !== source.liveGeneration) await ctx.db.insert('knowledgePurges', { sourceId: id, generation: source.generation });
    const generation = source.generation + 1;
    await writeGeneration(ctx, id, generation, documents, pendingPages);
    await ctx.db.patch(source._id, { generation, status: 'queued', error: null, chunksDone: 0, chunksTotal: null, updatedAt: now });
    return toSource((await ctx.db.get(source._id))!);
  },
});

export const unfinishedSources = query({
  args: { secret: v.string() },
  handler: async (ctx, { secret }) => {
    requireServerSecret(secret);
    const queued = await ctx.db.query('knowledgeSources').withIndex('by_status', (q) => q.eq('status', 'queued')).collect();
    const indexing = await ctx.db.query('knowledgeSources').withIndex('by_status', (q) => q.eq('status', 'indexing')).collect();
    return [...queued, ...indexing].sort((a, b) => a.createdAt - b.createdAt || a._creationTime - b._creationTime).map((s) => s._id as string);
  },
});

export const loadJob = query({
  args: { secret: v.string(), id: v.string() },
  handler: async (ctx, { secret, id }) => {
    requireServerSecret(secret);
    const source = await sourceOf(ctx, id);
    if (!source) return null;
    const generation = source.generation;
    const parts = await ctx.db
      .query('knowledgeDocuments')
      .withIndex('by_source', (q) => q.eq('sourceId', id).eq('generation', generation))
      .collect();
    const documents: Array<{ title: string; url: string | null; text: string }> = [];
    let lastOrd = -1;
    for (const part of parts) {
      if (part.ord !== lastOrd) documents.push({ title: part.title, url: part.url, text: '' });
      documents.at(-1)!.text += part.text;
      lastOrd = part.ord;
    }
    const pages = await ctx.db
      .query('knowledgePages')
      .withIndex('by_source', (q) => q.eq('sourceId', id).eq('generation', generation))
      .collect();
    return {
      source: toSource(source),
      generation,
      documents,
      pendingPages: pages.filter((p) => p.state === 'pending').map((p) => ({ ord: p.ord, url: p.url })),
      stagedCount: source.chunksDone,
    };
  },
});

export const settlePage = mutation({
  args: { secret: v.string(), id: v.string(), generation: v.number(), ord: v.number(), document: v.union(documentValidator, v.null()), reason: nullableString },
  handler: async (ctx, { secret, id, generation, ord, document, reason }) => {
    requireServerSecret(secret);
    const source = await currentSource(ctx, id, generation);
    if (!source) return null;
    const page = await ctx.db
      .query('knowledgePages')
      .withIndex('by_source', (q) => q.eq('sourceId', id).eq('generation', generation).eq('ord', ord))
      .unique();
    if (!page || page.state !== 'pending') return null;
    await ctx.db.patch(page._id, { state: document ? 'done' : 'skipped', reason });
    if (document) {
      await writeDocument(ctx, id, generation, ord, document);
      await ctx.db.patch(source._id, { pageCount: source.pageCount + 1, bytes: source.bytes + utf8Length(document.text) });
    }
    return null;
  },
});

export const startIndexing = mutation({
  args: { secret: v.string(), id: v.string(), generation: v.number(), chunksTotal: v.number(), now: v.number() },
  handler: async (ctx, { secret, id, generation, chunksTotal, now }) => {
    requireServerSecret(secret);
    const source = await currentSource(ctx, id, generation);
    if (source) await ctx.db.patch(source._id, { status: 'indexing', chunksTotal, updatedAt: now });
    return null;
  },
});

/** Idempotent per `ord`: a batch sent again after a lost reply is not staged twice. */
export const stageChunks = mutation({
  args: { secret: v.string(), id: v.string(), generation: v.number(), chunks: v.array(chunkValidator), now: v.number() },
  handler: async (ctx, { secret, id, generation, chunks, now }) => {
    requireServerSecret(secret);
    const source = await currentSource(ctx, id, generation);
    if (!source) return 0;
    let added = 0;
    for (const { embedding, ...chunk } of chunks) {
      const existing = await ctx.db
        .query('knowledgeChunks')
        .withIndex('by_source', (q) => q.eq('sourceId', id).eq('generation', generation).eq('ord', chunk.ord))
        .first();
      if (existing) continue;
      const chunkId = await ctx.db.insert('knowledgeChunks', { ...chunk, sourceId: id, generation });
      if (embedding) await ctx.db.insert('knowledgeVectors', { chunkId, sourceId: id, generation, embedding });
      added++;
    }
    const chunksDone = source.chunksDone + added;
    await ctx.db.patch(source._id, { chunksDone, updatedAt: now });
    return chunksDone;
  },
});

/** One write makes the staged generation searchable and the previous one invisible. */
export const publish = mutation({
  args: { secret: v.string(), id: v.string(), generation: v.number(), now: v.number() },
  handler: async (ctx, { secret, id, generation, now }) => {
    requireServerSecret(secret);
    const source = await currentSource(ctx, id, generation);
    if (!source) return false;
    // Already published (another server instance ran the same job): nothing to swap, and the live rows must stay.
    if (source.liveGeneration === generation) return source.status === 'ready';
    if (source.liveGeneration !== null) await ctx.db.insert('knowledgePurges', { sourceId: id, generation: source.liveGeneration });
    await ctx.db.patch(source._id, {
      status: 'ready',
      error: null,
      liveGeneration: generation,
      chunkCount: source.chunksDone,
      chunksTotal: source.chunksDone,
      indexedAt: now,
      updatedAt: now,
    });
    return true;
  },
});

export const failSource = mutation({
  args: { secret: v.string(), id: v.string(), generation: v.number(), reason: v.string(), now: v.number() },
  handler: async (ctx, { secret, id, generation, reason, now }) => {
    requireServerSecret(secret);
    const source = await currentSource(ctx, id, generation);
    if (!source) return null;
    await ctx.db.patch(source._id, { status: 'failed', error: reason, updatedAt: now });
    if (source.liveGeneration !== generation) await ctx.db.insert('knowledgePurges', { sourceId: id, generation });
    return null;
  },
});

/** Deletes up to PURGE_BATCH invisible rows; returns how many (0 when nothing is left). */
export const purgeStale = mutation({
  args: { secret: v.string() },
  handler: async (ctx, { secret }) => {
    requireServerSecret(secret);
    const purge = await ctx.db.query('knowledgePurges').first();
    if (!purge) return 0;
    const { sourceId, generation } = purge;
    let removed = 0;
    for (const table of ['knowledgeVectors', 'knowledgeChunks', 'knowledgeDocuments', 'knowledgePages'] as const) {
      const rows = await ctx.db
        .query(table)
        .withIndex('by_source', (q) => (generation === null ? q.eq('sourceId', sourceId) : q.eq('sourceId', sourceId).eq('generation', generation)))
        .take(PURGE_BATCH - removed);
      for (const row of rows) await ctx.db.delete(row._id as Id<typeof table>);
      removed += rows.length;
      if (removed >= PURGE_BATCH) return removed;
    }
    await ctx.db.delete(purge._id);
    return removed + 1;
  },
});

export const hasReadySources = query({
  args: { secret: v.string() },
  handler: async (ctx, { secret }) => {
    requireServerSecret(secret);
    const ready = await ctx.db.query('knowledgeSources').filter((q) => q.neq(q.field('liveGeneration'), null)).first();
    return ready !== null;
  },
});

export const searchText = query({
  args: { secret: v.string(), terms: v.string(), limit: v.number() },
  handler: async (ctx, { secret, terms, limit }) => {
    requireServerSecret(secret);
    if (!terms.trim()) return [];
    // Over-fetch: hits of staged or replaced generations are filtered out after the search.
    const docs = await ctx.db
      .query('knowledgeChunks')
      .withSearchIndex('search_text', (q) => q.search('searchText', terms))
      .take(Math.min(256, limit * 4));
    return (await visible(ctx, docs)).slice(0, limit);
  },
});

export const chunksOfVectors = internalQuery({
  args: { ids: v.array(v.id('knowledgeVectors')) },
  handler: async (ctx, { ids }) => {
    const vectors = await Promise.all(ids.map((id) => ctx.db.get(id)));
    return visible(ctx, await Promise.all(vectors.map((vector) => (vector ? ctx.db.get(vector.chunkId) : null))));
  },
});

/** Vector search runs only in actions on Convex; the documents are then read (and filtered) by a query. */
export const searchVector = action({
  args: { secret: v.string(), vector: v.array(v.float64()), limit: v.number() },
  handler: async (ctx, { secret, vector, limit }): Promise<ReturnType<typeof toHit>[]> => {
    requireServerSecret(secret);
    const results = await ctx.vectorSearch('knowledgeVectors', 'by_embedding', { vector, limit: Math.min(256, limit * 4) });
    const hits: ReturnType<typeof toHit>[] = await ctx.runQuery(internal.knowledge.chunksOfVectors, { ids: results.map((r) => r._id) });
    return hits.slice(0, limit);
  },
});

export const saveRetrieval = mutation({
  args: { secret: v.string(), messageId: v.string(), chunks: v.array(retrievedChunkValidator) },
  handler: async (ctx, { secret, messageId, chunks }) => {
    requireServerSecret(secret);
    const existing = await ctx.db.query('knowledgeRetrievals').withIndex('by_message', (q) => q.eq('messageId', messageId)).unique();
    if (existing) await ctx.db.patch(existing._id, { chunks });
    else await ctx.db.insert('knowledgeRetrievals', { messageId, chunks });
    return null;
  },
});

export const retrievalsFor = query({
  args: { secret: v.string(), messageIds: v.array(v.string()) },
  handler: async (ctx, { secret, messageIds }) => {
    requireServerSecret(secret);
    const found: Array<{ messageId: string; chunks: Doc<'knowledgeRetrievals'>['chunks'] }> = [];
    for (const messageId of messageIds.slice(0, 1000)) {
      const row = await ctx.db.query('knowledgeRetrievals').withIndex('by_message', (q) => q.eq('messageId', messageId)).unique();
      if (row) found.push({ messageId, chunks: row.chunks });
    }
    return found;
  },
});
