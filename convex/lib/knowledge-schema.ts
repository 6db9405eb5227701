import { defineTable } from 'convex/server';
import { v } from 'convex/values';
import { CONVEX_VECTOR_DIMENSIONS, FILE_FORMATS, SOURCE_KINDS, SOURCE_STATUSES } from '../../server/src/knowledge/values';

/**
 * The knowledge base's tables (server/src/knowledge/store/types.ts). A chunk is searchable only while its source's
 * `liveGeneration` equals the chunk's `generation`: publishing or deleting a source is one write to the source,
 * so no reader sees half a source; rows no longer visible are listed in `knowledgePurges` and removed in batches.
 */

const nullableString = v.union(v.string(), v.null());
const nullableNumber = v.union(v.number(), v.null());

export const retrievedChunkValidator = v.object({
  sourceId: v.string(),
  title: v.string(),
  url: nullableString,
  headingPath: v.array(v.string()),
  text: v.string(),
  score: v.number(),
});

export const knowledgeTables = {
  knowledgeSources: defineTable({
    kind: v.union(...SOURCE_KINDS.map((kind) => v.literal(kind))),
    title: v.string(),
    url: nullableString,
    format: v.union(...FILE_FORMATS.map((format) => v.literal(format)), v.null()),
    status: v.union(...SOURCE_STATUSES.map((status) => v.literal(status))),
    error: nullableString,
    /** The generation being indexed (or last indexed); bumped by each re-fetch. */
    generation: v.number(),
    /** The searchable generation, null before the first is ready. */
    liveGeneration: nullableNumber,
    chunksDone: v.number(),
    chunksTotal: nullableNumber,
    chunkCount: v.number(),
    pageCount: v.number(),
    bytes: v.number(),
    createdAt: v.number(),
    updatedAt: v.number(),
    indexedAt: nullableNumber,
  })
    .index('by_createdAt', ['createdAt'])
    .index('by_status', ['status', 'createdAt']),

  knowledgePages: defineTable({
    sourceId: v.string(),
    generation: v.number(),
    ord: v.number(),
    url: v.string(),
    state: v.union(v.literal('pending'), v.literal('done'), v.literal('skipped')),
    reason: nullableString,
  }).index('by_source', ['sourceId', 'generation', 'ord']),

  /** Document text split in parts, since one Convex document holds at most 1 MiB. */
  knowledgeDocuments: defineTable({
    sourceId: v.string(),
    generation: v.number(),
    ord: v.number(),
    part: v.number(),
    title: v.string(),
    url: nullableString,
    text: v.string(),
  }).index('by_source', ['sourceId', 'generation', 'ord', 'part']),

  knowledgeChunks: defineTable({
    sourceId: v.string(),
    generation: v.number(),
    ord: v.number(),
    title: v.string(),
    url: nullableString,
    headingPath: v.array(v.string()),
    text: v.string(),
    searchText: v.string(),
  })
    .index('by_source', ['sourceId', 'generation', 'ord'])
    .searchIndex('search_text', { searchField: 'searchText' }),

  /**
   * Embeddings apart from the chunks (Convex's advice: reading a chunk then does not load 1536 numbers), and only for
   * chunks that have one (indexed without an embeddings server, a chunk has no row here).
   */
  knowledgeVectors: defineTable({
    chunkId: v.id('knowledgeChunks'),
    sourceId: v.string(),
    generation: v.number(),
    embedding: v.array(v.float64()),
  })
    .index('by_source', ['sourceId', 'generation'])
    .vectorIndex('by_embedding', { vectorField: 'embedding', dimensions: CONVEX_VECTOR_DIMENSIONS }),

  /** Rows to remove: a source's rows of one generation, or all of them (`generation` null, after a delete). */
  knowledgePurges: defineTable({ sourceId: v.string(), generation: nullableNumber }),

  knowledgeRetrievals: defineTable({ messageId: v.string(), chunks: v.array(retrievedChunkValidator) }).index('by_message', ['messageId']),
};
