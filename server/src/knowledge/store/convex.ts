/**
 * `KnowledgeStore` over a Convex deployment (convex/knowledge.ts): one function call per method, each carrying the
 * server secret. Vectors are padded to the deployment's fixed index size; vector search runs as an action.
 */
import type { ConvexHttpClient } from 'convex/browser';
import { getFunctionName, type FunctionReference } from 'convex/server';
import { api } from '../../../../convex/_generated/api.js';
import { DEFAULT_CONVEX_TIMEOUT_MS } from '../../shared/conversation.ts';
import { createConvexClient, toStoreError } from '../../store/convex/calls.ts';
import { searchableText } from '../chunker.ts';
import type { RetrievedChunk } from '../schemas.ts';
import { CONVEX_VECTOR_DIMENSIONS } from '../values.ts';
import { questionTerms } from './fts-query.ts';
import { VectorSizeError, type KnowledgeStore } from './types.ts';

/** Convex full-text search takes at most 16 terms. */
const MAX_SEARCH_TERMS = 16;
/**
 * Every chat turn asks whether any source is ready; on Convex that is a round trip, so the answer is kept this long
 * (and dropped at once when this process publishes or deletes a source; another server instance sees it within it).
 */
const READY_CACHE_MS = 2000;

export function padVector(vector: Float32Array | number[]): number[] {
  if (vector.length > CONVEX_VECTOR_DIMENSIONS) {
    throw new VectorSizeError(
      `The embedding model returns ${vector.length}-dimension vectors; the Convex index holds ${CONVEX_VECTOR_DIMENSIONS}. Set OPENAI_EMBEDDING_DIMENSIONS=${CONVEX_VECTOR_DIMENSIONS}.`,
    );
  }
  const padded = Array.from(vector);
  while (padded.length < CONVEX_VECTOR_DIMENSIONS) padded.push(0);
  return padded;
}

export function createConvexKnowledgeStore(opts: { url: string; secret: string; client?: ConvexHttpClient; timeoutMs?: number }): KnowledgeStore {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONVEX_TIMEOUT_MS;
  const client = opts.client ?? createConvexClient(opts.url, timeoutMs);
  const untyped = client as unknown as {
    query(ref: unknown, args: unknown): Promise<never>;
    mutation(ref: unknown, args: unknown, options: { skipQueue: boolean }): Promise<never>;
    action(ref: unknown, args: unknown): Promise<never>;
  };
  async function call<T>(kind: 'query' | 'mutation' | 'action', ref: FunctionReference<typeof kind>, args: Record<string, unknown>): Promise<T> {
    const withSecret = { ...args, secret: opts.secret };
    try {
      if (kind === 'mutation') return await untyped.mutation(ref, withSecret, { skipQueue: true });
      return await untyped[kind](ref, withSecret);
    } catch (error) {
      throw toStoreError(error, getFunctionName(ref));
    }
  }
  const q = <T>(ref: FunctionReference<'query'>, args: Record<string, unknown> = {}) => call<T>('query', ref, args);
  const m = <T>(ref: FunctionReference<'mutation'>, args: Record<string, unknown> = {}) => call<T>('mutation', ref, args);
  const k = api.knowledge;
  let ready: { value: boolean; at: number } | null = null;
  const forgetReady = <T>(result: T): T => {
    ready = null;
    return result;
  };

  return {
    kind: 'convex',
    createSource: (input) => m(k.createSource, { ...input }),
    listSources: () => q(k.listSources),
    getSource: (id) => q(k.getSource, { id }),
    deleteSource: async (id) => forgetReady(await m<boolean>(k.deleteSource, { id })),
    requeueSource: (id, input) => m(k.requeueSource, { id, ...input }),
    unfinishedSources: () => q(k.unfinishedSources),
    loadJob: (id) => q(k.loadJob, { id }),
    settlePage: (id, generation, ord, document, reason) => m(k.settlePage, { id, generation, ord, document, reason }),
    startIndexing: (id, generation, chunksTotal, now) => m(k.startIndexing, { id, generation, chunksTotal, now }),
    stageChunks: (id, generation, chunks, now) =>
      m(k.stageChunks, {
        id,
        generation,
        now,
        chunks: chunks.map(({ embedding, ...chunk }) => ({ ...chunk, searchText: searchableText(chunk), embedding: embedding ? padVector(embedding) : null })),
      }),
    publish: async (id, generation, now) => forgetReady(await m<boolean>(k.publish, { id, generation, now })),
    failSource: (id, generation, reason, now) => m(k.failSource, { id, generation, reason, now }),
    purgeStale: () => m(k.purgeStale),
    async hasReadySources() {
      if (ready && Date.now() - ready.at < READY_CACHE_MS) return ready.value;
      const value = await q<boolean>(k.hasReadySources);
      ready = { value, at: Date.now() };
      return value;
    },
    searchText: (query, limit) => q(k.searchText, { terms: questionTerms(query).slice(0, MAX_SEARCH_TERMS).join(' '), limit }),
    async searchVector(vector, limit) {
      if (vector.length > CONVEX_VECTOR_DIMENSIONS) return [];
      return await call('action', k.searchVector, { vector: padVector(vector), limit });
    },
    saveRetrieval: (messageId, chunks) => m(k.saveRetrieval, { messageId, chunks }),
    async retrievalsFor(messageIds) {
      const rows = await q<Array<{ messageId: string; chunks: RetrievedChunk[] }>>(k.retrievalsFor, { messageIds });
      return new Map(rows.map((row) => [row.messageId, row.chunks]));
    },
    async close() {},
  };
}
