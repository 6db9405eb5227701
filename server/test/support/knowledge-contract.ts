/**
 * The shared contract suite for `KnowledgeStore`: SQLite and Convex register it from their own test files with
 * `describeKnowledgeStoreContract(name, open)`. Vectors come from the deterministic test embedder, so vector
 * rankings are real rankings.
 */
import { afterEach, beforeEach, describe, expect, it } from 'bun:test';
import { chunkDocuments, searchableText, type SourceDocument } from '../../src/knowledge/chunker.ts';
import type { KnowledgeStore, NewSourceInput, StagedChunk } from '../../src/knowledge/store/types.ts';
import { hashEmbedding } from './hash-embedding.ts';

export interface OpenedKnowledgeStore {
  store: KnowledgeStore;
  cleanup: () => Promise<void>;
}

const vector = (text: string) => Float32Array.from(hashEmbedding(text));

export function textSource(title: string, text: string, over: Partial<NewSourceInput> = {}): NewSourceInput {
  return { kind: 'text', title, url: null, format: null, documents: [{ title, url: null, text }], pendingPages: [], now: 1000, ...over };
}

export function stagedChunksOf(documents: SourceDocument[], embed = true): StagedChunk[] {
  return chunkDocuments(documents).map((chunk) => ({ ...chunk, embedding: embed ? vector(searchableText(chunk)) : null }));
}

/** Runs a whole job by hand: stage every chunk of the current documents and publish. */
export async function indexNow(store: KnowledgeStore, id: string, now = 2000): Promise<void> {
  const job = (await store.loadJob(id))!;
  const chunks = stagedChunksOf(job.documents);
  await store.startIndexing(id, job.generation, chunks.length, now);
  await store.stageChunks(id, job.generation, chunks, now);
  expect(await store.publish(id, job.generation, now)).toBe(true);
  while ((await store.purgeStale()) > 0) {}
}

const REFUNDS = '# Refunds\n\nYou can return any item within thirty days for a full refund.\n\n# Shipping\n\nParcels to Europe take five working days.';
const PASSWORDS = '# Accounts\n\nTo reset a forgotten password, open Settings and choose Reset password.';

export function describeKnowledgeStoreContract(name: string, open: () => Promise<OpenedKnowledgeStore>) {
  describe(`KnowledgeStore contract: ${name}`, () => {
    let store: KnowledgeStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('creates a queued source whose job holds its documents and pending pages', async () => {
      const source = await store.createSource(
        textSource('Site', 'unused', { kind: 'sitemap', url: 'https://a.test/sitemap.xml', documents: [], pendingPages: ['https://a.test/1', 'https://a.test/2'] }),
      );
      expect(source).toMatchObject({ kind: 'sitemap', status: 'queued', chunkCount: 0, chunksDone: 0, chunksTotal: null, indexedAt: null, error: null });
      expect(await store.unfinishedSources()).toEqual([source.id]);
      const job = (await store.loadJob(source.id))!;
      expect(job.pendingPages).toEqual([{ ord: 0, url: 'https://a.test/1' }, { ord: 1, url: 'https://a.test/2' }]);
      expect(job.stagedCount).toBe(0);

      await store.settlePage(source.id, job.generation, 1, { title: 'Two', url: 'https://a.test/2', text: 'page two' }, null);
      await store.settlePage(source.id, job.generation, 0, null, 'HTTP 404');
      const after = (await store.loadJob(source.id))!;
      expect(after.pendingPages).toEqual([]);
      expect(after.documents).toEqual([{ title: 'Two', url: 'https://a.test/2', text: 'page two' }]);
      expect(after.source.pageCount).toBe(1);
    });

    it('lists sources newest first and gets one by id', async () => {
      const a = await store.createSource(textSource('A', 'alpha'));
      const b = await store.createSource(textSource('B', 'beta', { now: 1001 }));
      expect((await store.listSources()).map((s) => s.id)).toEqual([b.id, a.id]);
      expect((await store.getSource(a.id))!.title).toBe('A');
      expect(await store.getSource('ks_missing')).toBeNull();
    });

    it('keeps staged chunks out of retrieval until the source is published, then shows all of them at once', async () => {
      const source = await store.createSource(textSource('Policies', REFUNDS));
      const job = (await store.loadJob(source.id))!;
      const chunks = stagedChunksOf(job.documents);
      expect(chunks.length).toBe(2);
      await store.startIndexing(source.id, job.generation, chunks.length, 1500);
      expect(await store.stageChunks(source.id, job.generation, chunks.slice(0, 1), 1500)).toBe(1);
      expect(await store.getSource(source.id)).toMatchObject({ status: 'indexing', chunksDone: 1, chunksTotal: 2, chunkCount: 0 });
      expect(await store.hasReadySources()).toBe(false);
      expect(await store.searchText('refund', 5)).toEqual([]);
      expect(await store.searchVector(vector('refund'), 5)).toEqual([]);
      expect((await store.loadJob(source.id))!.stagedCount).toBe(1);

      await store.stageChunks(source.id, job.generation, chunks.slice(1), 1600);
      expect(await store.publish(source.id, job.generation, 1700)).toBe(true);
      expect(await store.getSource(source.id)).toMatchObject({ status: 'ready', chunkCount: 2, chunksDone: 2, chunksTotal: 2, indexedAt: 1700 });
      expect(await store.hasReadySources()).toBe(true);
      expect(await store.unfinishedSources()).toEqual([]);
      const hits = await store.searchText('refund thirty days', 5);
      expect(hits[0]).toMatchObject({ sourceId: source.id, title: 'Policies', headingPath: ['Refunds'], url: null });
      expect(hits[0]!.text).toContain('thirty days');
    });

    it('ranks full-text hits by BM25 and vector hits by similarity', async () => {
      const policies = await store.createSource(textSource('Policies', REFUNDS));
      const accounts = await store.createSource(textSource('Accounts', PASSWORDS));
      await indexNow(store, policies.id);
      await indexNow(store, accounts.id);
      expect((await store.searchText('how do I reset my password', 5))[0]!.sourceId).toBe(accounts.id);
      expect((await store.searchText('shipping to Europe', 5))[0]!.headingPath).toEqual(['Shipping']);
      const nearest = await store.searchVector(vector('reset forgotten password settings'), 3);
      expect(nearest[0]!.sourceId).toBe(accounts.id);
      expect((await store.searchVector(vector('parcels Europe working days'), 3))[0]!.headingPath).toEqual(['Shipping']);
      expect(await store.searchText('"quoted" NEAR(x) OR *', 5)).toBeArray();
    });

    it('keeps the previous version searchable during a re-fetch and swaps it out when the new one is ready', async () => {
      const source = await store.createSource(textSource('Doc', '# Old\n\nThe office opens at nine.'));
      await indexNow(store, source.id);
      const requeued = (await store.requeueSource(source.id, { documents: [{ title: 'Doc', url: null, text: '# New\n\nThe office opens at ten.' }], pendingPages: [], now: 3000 }))!;
      expect(requeued).toMatchObject({ status: 'queued', chunkCount: 1, chunksDone: 0 });
      expect((await store.searchText('office opens', 5)).map((h) => h.text)).toEqual(['The office opens at nine.']);

      await indexNow(store, source.id, 4000);
      expect((await store.searchText('office opens', 5)).map((h) => h.text)).toEqual(['The office opens at ten.']);
      expect((await store.searchVector(vector('office opens'), 5)).map((h) => h.text)).toEqual(['The office opens at ten.']);
    });

    it('changes nothing when the same generation is published twice (a repeated or parallel job)', async () => {
      const source = await store.createSource(textSource('Policies', REFUNDS));
      await indexNow(store, source.id);
      const generation = (await store.loadJob(source.id))!.generation;
      await store.publish(source.id, generation, 9000);
      while ((await store.purgeStale()) > 0) {}
      expect(await store.getSource(source.id)).toMatchObject({ status: 'ready', chunkCount: 2, indexedAt: 2000 });
      expect(await store.searchText('refund', 5)).toHaveLength(1);
      expect(await store.searchVector(vector('parcels Europe'), 5)).toHaveLength(2);
    });

    it('ignores the writes of a job overtaken by a re-fetch', async () => {
      const source = await store.createSource(textSource('Doc', 'first version text'));
      const old = (await store.loadJob(source.id))!;
      await store.requeueSource(source.id, { documents: [{ title: 'Doc', url: null, text: 'second version text' }], pendingPages: [], now: 1100 });
      expect(await store.stageChunks(source.id, old.generation, stagedChunksOf(old.documents), 1200)).toBe(0);
      expect(await store.publish(source.id, old.generation, 1200)).toBe(false);
      await store.failSource(source.id, old.generation, 'stale', 1200);
      expect(await store.getSource(source.id)).toMatchObject({ status: 'queued', error: null });
      expect(await store.searchText('version', 5)).toEqual([]);
    });

    it('removes every chunk of a deleted source from retrieval at once, and ignores its job afterwards', async () => {
      const keep = await store.createSource(textSource('Keep', PASSWORDS));
      const gone = await store.createSource(textSource('Gone', REFUNDS));
      await indexNow(store, keep.id);
      await indexNow(store, gone.id);
      expect(await store.deleteSource(gone.id)).toBe(true);
      expect(await store.deleteSource(gone.id)).toBe(false);
      expect(await store.getSource(gone.id)).toBeNull();
      expect((await store.searchText('refund shipping password', 10)).every((h) => h.sourceId === keep.id)).toBe(true);
      expect((await store.searchVector(vector('refund thirty days'), 10)).every((h) => h.sourceId === keep.id)).toBe(true);
      while ((await store.purgeStale()) > 0) {}
      expect((await store.listSources()).map((s) => s.id)).toEqual([keep.id]);

      const midway = await store.createSource(textSource('Midway', REFUNDS));
      const job = (await store.loadJob(midway.id))!;
      await store.deleteSource(midway.id);
      expect(await store.stageChunks(midway.id, job.generation, stagedChunksOf(job.documents), 1)).toBe(0);
      expect(await store.publish(midway.id, job.generation, 1)).toBe(false);
      expect(await store.searchText('refund', 10)).toEqual([]);
      expect((await store.searchText('password', 10)).map((h) => h.sourceId)).toEqual([keep.id]);
    });

    it('records a failure with its reason, leaving the other sources searchable', async () => {
      const ok = await store.createSource(textSource('Ok', PASSWORDS));
      await indexNow(store, ok.id);
      const bad = await store.createSource(textSource('Bad', REFUNDS));
      const job = (await store.loadJob(bad.id))!;
      await store.stageChunks(bad.id, job.generation, stagedChunksOf(job.documents).slice(0, 1), 1);
      await store.failSource(bad.id, job.generation, 'The embeddings server could not be reached.', 5000);
      expect(await store.getSource(bad.id)).toMatchObject({ status: 'failed', error: 'The embeddings server could not be reached.', chunkCount: 0, updatedAt: 5000 });
      expect(await store.unfinishedSources()).toEqual([]);
      expect((await store.searchText('refund password', 10)).map((h) => h.sourceId)).toEqual([ok.id]);
    });

    it('finds chunks indexed without embeddings by full text only', async () => {
      const source = await store.createSource(textSource('Plain', PASSWORDS));
      const job = (await store.loadJob(source.id))!;
      await store.stageChunks(source.id, job.generation, stagedChunksOf(job.documents, false), 1);
      await store.publish(source.id, job.generation, 1);
      expect(await store.searchText('password', 5)).toHaveLength(1);
      expect(await store.searchVector(vector('password'), 5)).toEqual([]);
    });

    it('keeps what the model was shown for each reply', async () => {
      const chunk = { sourceId: 'ks_1', title: 'Doc', url: 'https://a.test/', headingPath: ['A', 'B'], text: 'passage', score: 0.0327 };
      await store.saveRetrieval('m1', [chunk]);
      await store.saveRetrieval('m2', []);
      const found = await store.retrievalsFor(['m1', 'm2', 'm3']);
      expect(found.get('m1')).toEqual([chunk]);
      expect(found.get('m2')).toEqual([]);
      expect(found.has('m3')).toBe(false);
    });
  });
}
