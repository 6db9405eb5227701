/**
 * The knowledge base's value lists, written once with no imports so the TypeBox schemas (schemas.ts), the Convex
 * validators (convex/schema.ts) and the dashboard all build from the same list.
 */
export const SOURCE_KINDS = ['file', 'text', 'url', 'sitemap'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const SOURCE_STATUSES = ['queued', 'indexing', 'ready', 'failed'] as const;
export type SourceStatus = (typeof SOURCE_STATUSES)[number];

export const KNOWLEDGE_MODES = ['off', 'auto', 'strict'] as const;
export type KnowledgeMode = (typeof KNOWLEDGE_MODES)[number];

export const FILE_FORMATS = ['markdown', 'text', 'html', 'pdf'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/**
 * Convex vector indexes have a fixed size: vectors are stored at this many dimensions (shorter ones padded with
 * zeros, which leaves cosine similarity unchanged). 1536 is text-embedding-3-small's size.
 */
export const CONVEX_VECTOR_DIMENSIONS = 1536;
