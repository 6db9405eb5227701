/**
 * The parts of knowledge search that only act on large stores: the full-text plan (rank only rare words), the
 * sign-bit index's two-step comparison of long vectors and its handling of ties, and the plan on a real SQLite
 * store past the size where it starts.
 */
import { describe, expect, it } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BinaryIndex } from '../src/knowledge/store/binary-index.ts';
import { planTextSearch, type PlanOptions } from '../src/knowledge/store/fts-plan.ts';
import { openSqliteKnowledgeStore } from '../src/knowledge/store/sqlite.ts';

/** Counts matches the way FTS5 would for the plan's queries (`"a" AND "b"` / `"a" OR "b"`), over word sets. */
function fakeCorpus(docs: string[][]) {
  const sets = docs.map((d) => new Set(d));
  const asked: string[] = [];
  const matches = (query: string, cap: number) => {
    asked.push(query);
    const all = query.includes(' AND ');
    const words = query.split(all ? ' AND ' : ' OR ').map((w) => w.replaceAll('"', ''));
    const n = sets.filter((s) => (all ? words.every((w) => s.has(w)) : words.some((w) => s.has(w)))).length;
    return Math.min(n, cap);
  };
  const counts = (terms: string[], budget: number) => terms.map((term) => ({ term, n: matches(`"${term}"`, budget + 1) }));
  return { matches, counts, asked };
}

const small: PlanOptions = { rowBudget: 10, allWords: 3, maxAllWords: 4 };

describe('full-text plan for large stores', () => {
  it('ranks passages holding all of the rarest words first, and never ranks a common word', () => {
    const docs = [
      ...Array.from({ length: 50 }, () => ['the', 'server']), // "server" is common: 51 passages
      ['server', 'refund', 'policy'],
      ['refund'],
      ['policy', 'returns'],
    ];
    const corpus = fakeCorpus(docs);
    const plan = planTextSearch(corpus.counts(['server', 'refund', 'policy'], small.rowBudget), corpus.matches, 5, small);
    expect(plan).toEqual([
      { match: '"refund" AND "policy"', ranked: true },
      { match: '"refund" OR "policy"', ranked: true },
    ]);
    expect(plan.some((q) => q.match.includes('server'))).toBe(false);
  });

  it('leaves out the most common of the rare words when no passage holds them all', () => {
    const corpus = fakeCorpus([['alpha', 'beta'], ['alpha', 'beta'], ['gamma'], ['gamma'], ['gamma']]);
    const plan = planTextSearch(corpus.counts(['gamma', 'alpha', 'beta'], small.rowBudget), corpus.matches, 1, small);
    // alpha and beta (2 passages each) are rarer than gamma (3): together they match, so `any` is not needed.
    expect(plan).toEqual([{ match: '"alpha" AND "beta"', ranked: true }]);
  });

  it('keeps the any-query within the row budget, rarest words first', () => {
    const docs = [...Array.from({ length: 6 }, () => ['often']), ...Array.from({ length: 5 }, () => ['sometimes']), ['rarely']];
    const corpus = fakeCorpus(docs);
    const plan = planTextSearch(corpus.counts(['often', 'sometimes', 'rarely'], small.rowBudget), corpus.matches, 5, small);
    // rarely (1) + sometimes (5) fit 10 rows; often (6 more) would not.
    expect(plan.at(-1)).toEqual({ match: '"rarely" OR "sometimes"', ranked: true });
  });

  it('searches a question of common words only for passages holding all of them, unranked', () => {
    const docs = [...Array.from({ length: 30 }, () => ['cookie', 'header']), ...Array.from({ length: 30 }, () => ['cookie', 'parse'])];
    docs.push(['cookie', 'header', 'parse']);
    const corpus = fakeCorpus(docs);
    const terms = ['cookie', 'header', 'parse'];
    expect(planTextSearch(corpus.counts(terms, small.rowBudget), corpus.matches, 5, small)).toEqual([
      { match: '"cookie" AND "header" AND "parse"', ranked: false },
    ]);
    const none = fakeCorpus([...Array.from({ length: 30 }, () => ['cookie']), ...Array.from({ length: 30 }, () => ['header'])]);
    expect(planTextSearch(none.counts(['cookie', 'header'], small.rowBudget), none.matches, 5, small)).toEqual([]);
  });

  it('plans nothing for words no passage holds', () => {
    const corpus = fakeCorpus([['alpha']]);
    expect(planTextSearch(corpus.counts(['zeta', 'eta'], small.rowBudget), corpus.matches, 5, small)).toEqual([]);
  });
});

describe('sign-bit index at scale', () => {
  /** Deterministic dense vectors (as embedding models give) from a seed (mulberry32). */
  const dense = (seed: number, dimensions: number) => {
    let state = seed * 0x9e3779b9;
    return Float32Array.from({ length: dimensions }, () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
    });
  };

  it('compares long dense vectors in two steps and still finds a stored vector and its close copies first', () => {
    const index = new BinaryIndex(1536);
    for (let id = 0; id < 5000; id++) index.add(id, dense(id, 1536));
    const target = dense(4321, 1536);
    // A copy with a few signs flipped outside the first 256 dimensions, and one with flips inside them.
    const nearTail = Float32Array.from(target, (x, i) => (i > 1000 && i < 1010 ? -x : x));
    const nearHead = Float32Array.from(target, (x, i) => (i < 6 ? -x : x));
    index.add(9001, nearTail);
    index.add(9002, nearHead);
    expect(index.nearest(target, 3)).toEqual([4321, 9002, 9001]);
    index.remove([4321]);
    expect(index.nearest(target, 2)).toEqual([9002, 9001]);
    expect(index.count).toBe(5001);
  });

  it('returns exactly k entries, by position, when most entries tie with a sparse query', () => {
    const index = new BinaryIndex(64);
    for (let id = 0; id < 500; id++) index.add(id, Float32Array.from({ length: 64 }, (_, i) => (i === 5 ? 1 : (id + i) % 3 === 0 ? -1 : 1)));
    index.add(777, Float32Array.from({ length: 64 }, (_, i) => (i === 5 ? -1 : 1)));
    const sparse = Float32Array.from({ length: 64 }, (_, i) => (i === 5 ? -0.5 : 0));
    expect(index.nearest(sparse, 4)).toEqual([777, 0, 1, 2]);
  });
});

describe('SQLite full-text search past the planning size', () => {
  it('finds a passage by its rare words among thousands holding the common ones, and by all common words', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knowledge-scale-'));
    const store = openSqliteKnowledgeStore(join(dir, 'k.db'));
    try {
      const source = await store.createSource({ kind: 'text', title: 'Many', url: null, format: null, documents: [], pendingPages: [], now: 1 });
      // Each filler passage holds four of these five words (in 80% of 6,500 passages: more than the row budget).
      const filler = ['server', 'config', 'request', 'cookie', 'header'];
      const chunks = Array.from({ length: 6500 }, (_, ord) => ({
        ord, title: 'Page', url: null, headingPath: [`Part ${ord}`], embedding: null,
        text: `${filler.filter((_, i) => i !== ord % 5).join(' ')} notes number ${ord}`,
      }));
      chunks[4200]!.text = 'server config: the refund window is thirty days';
      chunks[5100]!.text = 'cookie header config request server';
      await store.stageChunks(source.id, 1, chunks, 1);
      await store.publish(source.id, 1, 1);
      // "server" and "config" are in most passages; "refund" and "window" only in one.
      expect((await store.searchText('How long is the server config refund window?', 5))[0]!.ord).toBe(4200);
      // Every word is common; one passage holds all five.
      const common = await store.searchText('cookie header config request server', 5);
      expect(common.map((hit) => hit.ord)).toEqual([5100]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
