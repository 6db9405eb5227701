/**
 * Keeps the benchmark code from rotting: runs the smallest pieces of `bun run bench --quick` (first-token latency at
 * one stream, direct and through the real server process, and a tiny aging run) and checks that they produced numbers. It asserts nothing
 * about speed: benchmarks never fail the test suite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, startUpstreamProcess, type ServerProcess, type Upstream } from './processes.ts';
import { measureTtft, PACE_MS, ttftTable } from './ttft.ts';
import { agingTable, measureAging } from './aging.ts';

describe('benchmark smoke', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ocw-bench-'));
  let upstream: Upstream;
  let server: ServerProcess;

  beforeAll(async () => {
    upstream = await startUpstreamProcess();
    server = await startServerProcess({ upstreamUrl: upstream.url, databasePath: join(dir, 'chat.db'), name: 'server-smoke', logDir: dir });
  });

  afterAll(async () => {
    await server?.stop();
    await upstream?.child.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('measures first-token latency direct and through the server', async () => {
    const [row] = await measureTtft(upstream, server, [{ concurrency: 1, tokens: 2, warmupMs: 100, durationMs: 800, rounds: 1 }]);
    expect(row!.errors).toBe(0);
    expect(row!.direct.count).toBeGreaterThan(0);
    expect(row!.server.count).toBeGreaterThan(0);
    // The upstream waits PACE_MS before its first token, so a number below that would mean the clock was not read.
    expect(row!.server.p50).toBeGreaterThanOrEqual(PACE_MS);
    expect(ttftTable([row!]).rows[0]).toHaveLength(11);
  }, 20_000);

  it('measures throughput per window of stored turns (the aging run)', async () => {
    const result = await measureAging(upstream, server, { concurrency: 4, turns: 200, window: 100, tokens: 2 });
    expect(result.rows.map((row) => row.turnsSoFar)).toEqual([100, 200]);
    expect(result.rows.every((row) => row.errors === 0 && row.perSecond > 0)).toBe(true);
    expect(agingTable(result).rows).toHaveLength(2);
  }, 20_000);
});

describe('knowledge benchmark smoke', () => {
  it('indexes through the fake embeddings server and scores the question set', async () => {
    const { measureIndexing, measureQuality, indexingTable, qualityTable } = await import('./knowledge.ts');
    const indexing = await measureIndexing({ chunks: 128, batchSize: 64, delayMs: 0 });
    expect(indexing).toMatchObject({ chunks: 128, batches: 2 });
    expect(indexingTable(indexing).rows[0]).toHaveLength(6);
    const quality = await measureQuality();
    expect(quality.questions).toBeGreaterThanOrEqual(50);
    // Word-overlap retrieval on questions written for these docs finds most answers; a broken index finds none.
    expect(quality.hits.bm25).toBeGreaterThan(quality.questions / 2);
    expect(quality.hits.hybrid).toBeGreaterThan(0);
    expect(qualityTable(quality).rows[0]).toHaveLength(5);
  }, 30_000);
});
