/**
 * Hybrid retrieval for a chat turn: BM25 full-text and vector similarity run side by side, fused by reciprocal rank,
 * and the best passages kept within a token budget. When the embeddings server fails, the turn goes on with
 * full-text results alone (logged), and when the store fails, with none: retrieval never fails a turn.
 */
import type { Logger } from '../logger.ts';
import type { Embedder } from './embedder.ts';
import { reciprocalRankFusion } from './fusion.ts';
import { fitToBudget } from './prompt.ts';
import type { RetrievedChunk } from './schemas.ts';
import type { ChunkHit, KnowledgeStore } from './store/types.ts';

export interface RetrieverOptions {
  /** Passages given to the model at most. */
  topK: number;
  /** Candidates taken from each of the two searches before fusion. */
  candidates: number;
  maxContextTokens: number;
  /** The longest a turn waits for the question's embedding before going on without it. */
  embeddingTimeoutMs: number;
}

export interface Retrieval {
  chunks: RetrievedChunk[];
  /** Which searches answered: `hybrid`, `text` (vectors failed or none), or `none` (no ready source, or the store failed). */
  method: 'hybrid' | 'text' | 'none';
}

export interface Retriever {
  retrieve(question: string): Promise<Retrieval>;
}

export function createRetriever(deps: { store: KnowledgeStore; embedder: Embedder | null; logger: Logger; options: RetrieverOptions }): Retriever {
  const { store, embedder, logger, options } = deps;

  async function vectorHits(question: string): Promise<ChunkHit[] | null> {
    if (!embedder) return null;
    try {
      const [vector] = await embedder.embed([question], AbortSignal.timeout(options.embeddingTimeoutMs));
      return await store.searchVector(vector!, options.candidates);
    } catch (error) {
      logger.warn('vector retrieval failed; answering with full-text retrieval only', { error: String(error).slice(0, 300) });
      return null;
    }
  }

  return {
    async retrieve(question) {
      try {
        if (!(await store.hasReadySources())) return { chunks: [], method: 'none' };
        const [textHits, vectors] = await Promise.all([store.searchText(question, options.candidates), vectorHits(question)]);
        const fused = reciprocalRankFusion(vectors ? [textHits, vectors] : [textHits], (hit) => hit.id).slice(0, options.topK * 2);
        const chunks = fused.map(({ item, score }) => ({
          sourceId: item.sourceId,
          title: item.title,
          url: item.url,
          headingPath: item.headingPath,
          text: item.text,
          score: Math.round(score * 1e6) / 1e6,
        }));
        return { chunks: fitToBudget(chunks, options.maxContextTokens).slice(0, options.topK), method: vectors ? 'hybrid' : 'text' };
      } catch (error) {
        logger.error('knowledge retrieval failed; answering without it', { error: String(error).slice(0, 300) });
        return { chunks: [], method: 'none' };
      }
    },
  };
}
