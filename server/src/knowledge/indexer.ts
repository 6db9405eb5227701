/**
 * The background indexing worker: runs the persisted jobs one source at a time — fetch a sitemap's pages, split into
 * chunks, embed in batches, stage each batch, publish — and picks up where it stopped after a restart (pages already
 * fetched and chunks already staged are kept in the store; the chunker is deterministic, so chunk n is the same
 * chunk). A job overtaken by a re-fetch or a deletion notices at its next write and stops.
 */
import type { Logger } from '../logger.ts';
import { chunkDocuments, searchableText, type ChunkerOptions, DEFAULT_CHUNKER } from './chunker.ts';
import type { Embedder } from './embedder.ts';
import { extractFetched } from './extract.ts';
import type { Fetcher } from './fetcher.ts';
import { VectorSizeError, type KnowledgeStore } from './store/types.ts';

export interface IndexerDeps {
  store: KnowledgeStore;
  /** null: chunks are indexed for full-text search only. */
  embedder: Embedder | null;
  fetcher: Fetcher;
  logger: Logger;
  now?: () => number;
  batchSize?: number;
  chunker?: ChunkerOptions;
  /** Waits between attempts when the embeddings server fails; the job fails after the last one. */
  retryDelaysMs?: number[];
  /** Waits after the store itself failed, before trying the jobs again. */
  storeRetryMs?: number;
}

export interface Indexer {
  /** Starts the worker if it is not running (after a source was added, and at boot to resume). */
  kick(): void;
  /** Resolves when no job is left (for the benchmark and scripts; tests watch the API instead). */
  idle(): Promise<void>;
  /** Finishes the current batch and stops; unfinished jobs stay persisted for the next start. */
  stop(): Promise<void>;
}

class Overtaken extends Error {}

/** Sitemap pages fetched at once: a slow site does not take pages × timeout, nor is it flooded. */
const PAGE_FETCHES = 4;

/** Embedding requests in flight per job: overlaps the model server's latency without flooding it. */
export const EMBED_AHEAD = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createIndexer(deps: IndexerDeps): Indexer {
  const { store, embedder, fetcher, logger } = deps;
  const now = deps.now ?? Date.now;
  const batchSize = deps.batchSize ?? 64;
  const chunker = deps.chunker ?? DEFAULT_CHUNKER;
  const retryDelays = deps.retryDelaysMs ?? [1000, 4000, 15_000];
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function embedWithRetry(texts: string[]): Promise<Float32Array[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await embedder!.embed(texts);
      } catch (error) {
        if (attempt >= retryDelays.length || stopped) throw error;
        logger.warn('embeddings request failed; retrying', { attempt: attempt + 1, error: String(error) });
        await sleep(retryDelays[attempt]!);
      }
    }
  }

  /** Fetches a sitemap's pending pages, PAGE_FETCHES at a time; returns the first failure's reason, if any. */
  async function fetchPages(id: string): Promise<string | null> {
    const job = await store.loadJob(id);
    if (!job) throw new Overtaken();
    let firstFailure: string | null = null;
    const queue = [...job.pendingPages];
    let gone = false;
    const worker = async () => {
      for (let page = queue.shift(); page && !stopped && !gone; page = queue.shift()) {
        try {
          const resource = await fetcher.fetch(page.url, { sameSiteAs: job.source.url ?? page.url });
          await store.settlePage(id, job.generation, page.ord, await extractFetched(resource), null);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          firstFailure ??= reason;
          await store.settlePage(id, job.generation, page.ord, null, reason);
        }
        // A source deleted meanwhile: stop fetching pages nobody will index.
        if (!(await store.getSource(id))) gone = true;
      }
    };
    await Promise.all(Array.from({ length: PAGE_FETCHES }, worker));
    return firstFailure;
  }

  async function runJob(id: string): Promise<void> {
    const pageFailure = await fetchPages(id);
    if (stopped) return;
    const job = await store.loadJob(id);
    if (!job) return;
    const { generation } = job;
    if (job.pendingPages.length > 0) return; // settled by a newer generation meanwhile; the loop comes back
    const chunks = chunkDocuments(job.documents, chunker);
    if (chunks.length === 0) {
      const reason = job.documents.length === 0 && pageFailure ? `No page could be indexed: ${pageFailure}` : 'No text to index was found.';
      await store.failSource(id, generation, reason, now());
      return;
    }
    await store.startIndexing(id, generation, chunks.length, now());
    // Up to EMBED_AHEAD embedding requests in flight while batches are staged in order, so the model server's
    // latency overlaps instead of adding up; staging stays sequential, which is what a resume relies on.
    type Embedded = { batch: typeof chunks; vectors: Array<Float32Array | null> };
    const embedAt = (start: number): Promise<Embedded> => {
      const batch = chunks.slice(start, start + batchSize);
      const done = embedder ? embedWithRetry(batch.map(searchableText)).then((vectors) => ({ batch, vectors })) : Promise.resolve({ batch, vectors: batch.map(() => null) });
      done.catch(() => {}); // a request still in flight when the job stops must not become an unhandled rejection
      return done;
    };
    let next = job.stagedCount;
    const inFlight: Array<Promise<Embedded>> = [];
    const refill = () => {
      while (inFlight.length < EMBED_AHEAD && next < chunks.length) {
        inFlight.push(embedAt(next));
        next += batchSize;
      }
    };
    refill();
    while (inFlight.length > 0) {
      if (stopped) return;
      let embedded: Embedded;
      try {
        embedded = await inFlight.shift()!;
      } catch (error) {
        if (stopped) return;
        logger.error('indexing failed: embeddings server', { sourceId: id, error: String(error) });
        await store.failSource(id, generation, `The embeddings server could not be reached (${String(error).slice(0, 200)}). Once it answers, re-fetch a page or sitemap, or add a file or text again.`, now());
        return;
      }
      refill();
      let staged: number;
      try {
        staged = await store.stageChunks(id, generation, embedded.batch.map((chunk, i) => ({ ...chunk, embedding: embedded.vectors[i]! })), now());
      } catch (error) {
        // Vectors the store cannot hold (the model changed size) fail this source; anything else is the store's fault.
        if (!(error instanceof VectorSizeError)) throw error;
        await store.failSource(id, generation, error.message, now());
        return;
      }
      if (staged === 0) throw new Overtaken();
    }
    try {
      if (!(await store.publish(id, generation, now()))) return;
    } catch (error) {
      await store.failSource(id, generation, error instanceof Error ? error.message : String(error), now());
      return;
    }
    logger.info('knowledge source ready', { sourceId: id, chunks: chunks.length });
    while ((await store.purgeStale()) > 0 && !stopped) {}
  }

  /** Runs every unfinished job; passes again while jobs keep coming (added or re-queued meanwhile). */
  async function loop(): Promise<void> {
    let previousPass = '';
    do {
      again = false;
      try {
        const ids = await store.unfinishedSources();
        if (ids.length === 0) {
          while (!stopped && (await store.purgeStale()) > 0) {}
          return;
        }
        // A pass that meets exactly the same jobs in the same generations made no progress: stop instead of spinning.
        const pass = (await Promise.all(ids.map(async (id) => `${id}:${(await store.getSource(id))?.updatedAt}`))).join(',');
        if (pass === previousPass) {
          logger.warn('indexing jobs made no progress; waiting for the next change', { sources: ids.length });
          return;
        }
        previousPass = pass;
        for (const id of ids) {
          if (stopped) return;
          try {
            await runJob(id);
          } catch (error) {
            if (!(error instanceof Overtaken)) throw error;
          }
        }
        again = true;
      } catch (error) {
        logger.error('knowledge store failed during indexing; retrying later', { error: String(error) });
        await sleep(deps.storeRetryMs ?? 5000);
        again = true;
      }
    } while (again && !stopped);
  }

  return {
    kick() {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      running = loop().finally(() => {
        running = null;
        if (again && !stopped) this.kick();
      });
    },
    async idle() {
      while (running) await running;
    },
    async stop() {
      stopped = true;
      await running;
    },
  };
}
