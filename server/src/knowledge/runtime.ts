/**
 * Assembles the knowledge base from configuration and a store: embedder, fetcher, indexing worker, retriever, the
 * admin service and the chat turn's part. `index.ts` and the test server call it; nothing here reads the environment.
 */
import type { AppConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createOpenAiEmbedder, type Embedder } from './embedder.ts';
import { createFetcher, systemResolve, type Resolve } from './fetcher.ts';
import { createIndexer, type Indexer, type IndexerDeps } from './indexer.ts';
import { createRetriever } from './retriever.ts';
import { createKnowledgeService, type KnowledgeService } from './service.ts';
import type { KnowledgeStore } from './store/types.ts';
import { createTurnKnowledge, type TurnKnowledge } from './turn.ts';

export interface Knowledge {
  store: KnowledgeStore;
  embedder: Embedder | null;
  indexer: Indexer;
  service: KnowledgeService;
  turn: TurnKnowledge;
}

/** Candidates taken from each search before fusion: enough for RRF to reorder, few enough to stay fast. */
const CANDIDATES = 20;

export function createKnowledge(deps: {
  config: AppConfig;
  store: KnowledgeStore;
  logger: Logger;
  now?: () => number;
  /** DNS for the URL fetcher (tests make names resolve where they want). */
  resolve?: Resolve;
  indexer?: Pick<IndexerDeps, 'retryDelaysMs' | 'storeRetryMs'>;
}): Knowledge {
  const { config, store, logger, now = Date.now } = deps;
  const settings = config.knowledge;
  const embedder = settings.embedding ? createOpenAiEmbedder(settings.embedding) : null;
  const fetcher = createFetcher(settings.fetch, deps.resolve ?? systemResolve);
  const indexer = createIndexer({ store, embedder, fetcher, logger, now, batchSize: settings.embedding?.batchSize, ...deps.indexer });
  const retriever = createRetriever({
    store,
    embedder,
    logger,
    options: { topK: settings.topK, candidates: CANDIDATES, maxContextTokens: settings.maxContextTokens, embeddingTimeoutMs: settings.embedding?.timeoutMs ?? 10_000 },
  });
  return {
    store,
    embedder,
    indexer,
    service: createKnowledgeService({ config: settings, store, fetcher, indexer, now }),
    turn: createTurnKnowledge({ mode: settings.mode, retriever, store, logger }),
  };
}

/** The knowledge store beside the chat store: Convex when CONVEX_URL is set, otherwise the same SQLite file. */
export async function openKnowledgeStore(config: AppConfig): Promise<KnowledgeStore> {
  if (config.convex) {
    const { createConvexKnowledgeStore } = await import('./store/convex.ts');
    return createConvexKnowledgeStore({ url: config.convex.url, secret: config.convex.secret, timeoutMs: config.convex.timeoutMs });
  }
  const { openSqliteKnowledgeStore } = await import('./store/sqlite.ts');
  return openSqliteKnowledgeStore(config.databasePath);
}
