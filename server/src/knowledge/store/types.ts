/**
 * The knowledge store contract: one interface, two implementations (SQLite with FTS5 + sqlite-vec, Convex with a
 * searchIndex + vectorIndex), one contract suite (server/test/support/knowledge-contract.ts).
 *
 * Visibility rules every implementation keeps:
 * - A source's chunks become searchable all at once, when `publish` marks it ready; until then they are staged.
 * - A re-fetch (`requeueSource`) starts a new generation; the previous generation stays searchable until the new
 *   one is published, then is replaced in the same step.
 * - `deleteSource` removes every chunk from retrieval in one step.
 * - Every job call names its generation; calls for a generation that is no longer current do nothing, so a job
 *   overtaken by a re-fetch or a deletion cannot write into the new state.
 */
import type { Chunk, SourceDocument } from '../chunker.ts';
import type { FileFormat, KnowledgeSource, RetrievedChunk, SourceKind } from '../schemas.ts';

export interface NewSourceInput {
  kind: SourceKind;
  title: string;
  url: string | null;
  format: FileFormat | null;
  /** Documents ready to index (a file, a text, a fetched page). */
  documents: SourceDocument[];
  /** Page URLs still to fetch (a sitemap's pages), fetched by the indexing job. */
  pendingPages: string[];
  now: number;
}

export interface RequeueInput {
  documents: SourceDocument[];
  pendingPages: string[];
  now: number;
}

/** Everything an indexing job needs to (re)start: the current generation's documents and the pages still to fetch. */
export interface IndexJob {
  source: KnowledgeSource;
  generation: number;
  documents: SourceDocument[];
  pendingPages: Array<{ ord: number; url: string }>;
  /** Chunks of this generation already embedded and staged (a resumed job starts after them). */
  stagedCount: number;
}

export interface StagedChunk extends Chunk {
  /** null when no embeddings server is configured: the chunk is found by full-text search only. */
  embedding: Float32Array | null;
}

export interface ChunkHit {
  id: string;
  sourceId: string;
  ord: number;
  title: string;
  url: string | null;
  headingPath: string[];
  text: string;
}

export interface KnowledgeStore {
  readonly kind: 'sqlite' | 'convex';

  createSource(input: NewSourceInput): Promise<KnowledgeSource>;
  /** Newest first. */
  listSources(): Promise<KnowledgeSource[]>;
  getSource(id: string): Promise<KnowledgeSource | null>;
  /** Removes the source and all its chunks from retrieval at once; false when it did not exist. */
  deleteSource(id: string): Promise<boolean>;
  /** Starts a new generation (status `queued`) with new documents; null when the source does not exist. */
  requeueSource(id: string, input: RequeueInput): Promise<KnowledgeSource | null>;

  /** Ids of sources `queued` or `indexing`, oldest first: the jobs to run (or resume after a restart). */
  unfinishedSources(): Promise<string[]>;
  loadJob(id: string): Promise<IndexJob | null>;
  /** A page of a sitemap was fetched (`document`) or skipped (null, with `reason`). */
  settlePage(id: string, generation: number, ord: number, document: SourceDocument | null, reason: string | null): Promise<void>;
  /** Status `indexing` with `chunksTotal`. */
  startIndexing(id: string, generation: number, chunksTotal: number, now: number): Promise<void>;
  /** Stages chunks (with consecutive `ord`s following the staged ones); returns the chunks staged so far. */
  stageChunks(id: string, generation: number, chunks: StagedChunk[], now: number): Promise<number>;
  /** Swaps the staged generation in as the searchable one and marks the source ready; false if overtaken. */
  publish(id: string, generation: number, now: number): Promise<boolean>;
  failSource(id: string, generation: number, reason: string, now: number): Promise<void>;
  /**
   * Deletes rows no longer visible (replaced generations, deleted sources) in small batches, for stores that cannot
   * do it in the publishing step; returns how many were removed (0 when nothing is left).
   */
  purgeStale(): Promise<number>;

  hasReadySources(): Promise<boolean>;
  /** Full-text (BM25) search over searchable chunks, best first. */
  searchText(query: string, limit: number): Promise<ChunkHit[]>;
  /** Nearest searchable chunks by cosine similarity, best first; [] when no chunk has an embedding. */
  searchVector(vector: Float32Array, limit: number): Promise<ChunkHit[]>;

  /** Keeps what the model was shown for an assistant message (for the dashboard's thread). */
  saveRetrieval(messageId: string, chunks: RetrievedChunk[]): Promise<void>;
  retrievalsFor(messageIds: string[]): Promise<Map<string, RetrievedChunk[]>>;

  close(): Promise<void>;
}

/** The embedding vectors do not fit the store's vector index (the model changed): the source fails with this reason. */
export class VectorSizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VectorSizeError';
  }
}
