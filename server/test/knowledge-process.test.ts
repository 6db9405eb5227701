/**
 * Indexing survives a crash: the real server process is SIGKILLed in the middle of indexing a source, and after a
 * restart on the same SQLite file it resumes where it stopped (it does not embed the staged chunks again) and
 * reaches `ready`; while half indexed, no chunk of the source is searchable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KnowledgeSource } from '../src/knowledge/schemas.ts';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.ts';
import { settled } from './support/knowledge-http.ts';
import { freePort, spawnServer, untilHealthy } from './support/server-process.ts';

const ADMIN_KEY = 'process-admin-key-0123456789abcdef';
const WIDGET_KEY = 'process-widget-key-0123456789abcdef';
let dir: string;
let fakeLlm: FakeLlm;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ocw-knowledge-process-'));
  fakeLlm = await startFakeLlm({ kind: 'reply', tokens: ['From the guide [1].'] });
});
afterAll(async () => {
  await fakeLlm.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startServer() {
  const port = await freePort();
  const child = spawnServer(
    dir,
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_PATH: join(dir, 'chat.db'),
      ADMIN_API_KEY: ADMIN_KEY,
      WIDGET_API_KEY: WIDGET_KEY,
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: fakeLlm.url,
      KNOWLEDGE_EMBEDDING_BATCH: '1',
      LOG_REQUESTS: 'false',
    },
    'ignore',
  );
  const url = `http://127.0.0.1:${port}`;
  await untilHealthy(url, child);
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(url + path, { ...init, headers: { 'x-admin-api-key': ADMIN_KEY, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
  const ask = async (message: string) =>
    (await (
      await fetch(`${url}/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': WIDGET_KEY }, body: JSON.stringify({ sessionId: crypto.randomUUID(), message }) })
    ).json()) as { sources: Array<{ title: string }> };
  return { child, admin, ask };
}

const GUIDE = Array.from({ length: 24 }, (_, i) => `## Step ${i + 1}\n\nTurn valve number ${i + 1} of the copper boiler clockwise.`).join('\n\n');

describe('indexing across a crash', () => {
  it('resumes after SIGKILL mid-indexing and never shows a half-indexed source', async () => {
    fakeLlm.embeddings.delayMs = 60;
    const first = await startServer();
    let observedDone = 0;
    let total = 0;
    let id = '';
    try {
      const created = (await (await first.admin('/v1/admin/knowledge/texts', { method: 'POST', body: JSON.stringify({ title: 'Boiler guide', text: GUIDE }) })).json()) as KnowledgeSource;
      id = created.id;
      for (;;) {
        const source = (await (await first.admin(`/v1/admin/knowledge/${id}`)).json()) as KnowledgeSource;
        if (source.status === 'indexing' && source.chunksDone >= 3) {
          observedDone = source.chunksDone;
          total = source.chunksTotal!;
          break;
        }
        expect(source.status).not.toBe('ready');
        await Bun.sleep(10);
      }
      expect(total).toBe(24);
      // Half indexed: nothing of it is searchable yet.
      expect((await first.ask('copper boiler valve')).sources).toEqual([]);
    } finally {
      first.child.kill('SIGKILL');
      await first.child.exited;
    }

    fakeLlm.embeddings.delayMs = 0;
    const batchesBefore = fakeLlm.embeddings.batches.length;
    const second = await startServer();
    try {
      const ready = await settled(second, id);
      expect(ready).toMatchObject({ status: 'ready', chunkCount: total, chunksDone: total, chunksTotal: total, error: null });
      const reembedded = fakeLlm.embeddings.batches.slice(batchesBefore).filter((batch) => batch.some((text) => text.includes('Boiler guide')));
      // Chunks staged before the kill are not embedded again (one chunk per batch here).
      expect(reembedded.length).toBeLessThanOrEqual(total - observedDone);
      expect(reembedded.length).toBeGreaterThan(0);
      expect((await second.ask('copper boiler valve number 7')).sources.map((s) => s.title)).toEqual(['Boiler guide']);
    } finally {
      second.child.kill('SIGTERM');
      await second.child.exited;
    }
  });
});
