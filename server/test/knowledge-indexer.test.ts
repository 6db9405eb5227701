/** The indexing worker against a real SQLite file and the fake embeddings server: what makes a source fail, and what does not. */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpenAiEmbedder, type Embedder } from '../src/knowledge/embedder.ts';
import { createFetcher } from '../src/knowledge/fetcher.ts';
import { createIndexer } from '../src/knowledge/indexer.ts';
import { openSqliteKnowledgeStore } from '../src/knowledge/store/sqlite.ts';
import type { KnowledgeStore } from '../src/knowledge/store/types.ts';
import { silentLogger } from '../src/logger.ts';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.ts';
import { textSource } from './support/knowledge-contract.ts';

let fakeLlm: FakeLlm;
let dir: string;
beforeAll(async () => {
  fakeLlm = await startFakeLlm();
  dir = mkdtempSync(join(tmpdir(), 'knowledge-indexer-'));
});
afterAll(async () => {
  await fakeLlm.stop();
  rmSync(dir, { recursive: true, force: true });
});

const fetcher = createFetcher({ timeoutMs: 1000, maxBytes: 1000, maxRedirects: 0, allowLoopback: false });
const embedderOf = (dimensions: number | null): Embedder =>
  createOpenAiEmbedder({ baseUrl: fakeLlm.url, apiKey: 'k', model: 'fake', dimensions, batchSize: 4, timeoutMs: 5000 });

async function run(store: KnowledgeStore, embedder: Embedder | null, text: string) {
  const indexer = createIndexer({ store, embedder, fetcher, logger: silentLogger, batchSize: 4, retryDelaysMs: [5] });
  const source = await store.createSource(textSource('Doc', text));
  indexer.kick();
  await indexer.idle();
  return (await store.getSource(source.id))!;
}

const sections = (n: number, word: string) => Array.from({ length: n }, (_, i) => `## ${word} ${i}\n\n${word} paragraph number ${i}.`).join('\n\n');

describe('indexing worker', () => {
  it('indexes every chunk in order through batches in flight, and the source is searchable by both searches', async () => {
    const store = openSqliteKnowledgeStore(join(dir, 'a.db'));
    const ready = await run(store, embedderOf(null), sections(23, 'kettle'));
    expect(ready).toMatchObject({ status: 'ready', chunkCount: 23, chunksDone: 23, chunksTotal: 23 });
    expect((await store.searchText('kettle paragraph number 17', 1))[0]!.headingPath).toEqual(['kettle 17']);
    expect(await store.searchVector(Float32Array.from((await embedderOf(null).embed(['kettle paragraph number 5']))[0]!), 3)).toHaveLength(3);
    await store.close();
  });

  it('indexes for full-text search only when no embeddings server is configured', async () => {
    const store = openSqliteKnowledgeStore(join(dir, 'b.db'));
    const ready = await run(store, null, sections(3, 'teapot'));
    expect(ready.status).toBe('ready');
    expect((await store.searchText('teapot', 5)).length).toBe(3);
    await store.close();
  });

  it('fails a source whose vectors no longer fit the index (the model changed size), naming the fix', async () => {
    const store = openSqliteKnowledgeStore(join(dir, 'c.db'));
    expect((await run(store, embedderOf(64), sections(2, 'first'))).status).toBe('ready');
    const second = await run(store, embedderOf(32), sections(2, 'second'));
    expect(second.status).toBe('failed');
    expect(second.error).toContain('dimensions');
    expect((await store.searchText('first', 5)).length).toBe(2); // the rest of the knowledge base is untouched
    await store.close();
  });
});

describe('indexing worker on Convex', () => {
  it('fails a source whose vectors are longer than the Convex index holds, naming the setting to change', async () => {
    const { configureDeploymentSecret, FAKE_CONVEX_SECRET, startFakeConvex } = await import('./support/fake-convex.ts');
    const { createConvexKnowledgeStore } = await import('../src/knowledge/store/convex.ts');
    const restore = configureDeploymentSecret();
    const deployment = await startFakeConvex();
    try {
      const store = createConvexKnowledgeStore({ url: deployment.url, secret: FAKE_CONVEX_SECRET });
      const failed = await run(store, embedderOf(2048), sections(2, 'long'));
      expect(failed.status).toBe('failed');
      expect(failed.error).toContain('OPENAI_EMBEDDING_DIMENSIONS=1536');
      expect((await run(store, embedderOf(256), sections(2, 'short'))).status).toBe('ready');
    } finally {
      await deployment.stop();
      restore();
    }
  });
});
