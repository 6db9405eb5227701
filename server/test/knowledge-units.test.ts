import { describe, expect, it } from 'bun:test';
import { classifyAddress, isAllowedAddress } from '../src/knowledge/address-policy.ts';
import { chunkDocument, chunkDocuments, toBlocks } from '../src/knowledge/chunker.ts';
import { extractFile } from '../src/knowledge/extract.ts';
import { extractHtml } from '../src/knowledge/extract-html.ts';
import { looksBinary } from '../src/knowledge/extract-text.ts';
import { reciprocalRankFusion } from '../src/knowledge/fusion.ts';
import { citationsFor, fitToBudget, knowledgeInstruction, safeLink } from '../src/knowledge/prompt.ts';
import type { RetrievedChunk } from '../src/knowledge/schemas.ts';
import { parseSitemap } from '../src/knowledge/sitemap.ts';
import { toFtsAnyQuery } from '../src/knowledge/store/fts-query.ts';
import { hashEmbedding } from './support/hash-embedding.ts';
import { makePdf } from './support/pdf-fixture.ts';

const words = (n: number, word = 'lorem') => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');
const retrieved = (over: Partial<RetrievedChunk> = {}): RetrievedChunk => ({
  sourceId: 's1', title: 'Guide', url: 'https://example.com/guide', headingPath: ['Setup'], text: 'Install with bun add.', score: 0.03, ...over,
});

describe('chunker', () => {
  it('keeps the heading path of every chunk and never mixes two sections', () => {
    const chunks = chunkDocument({ title: 'Doc', url: null, text: '# Guide\n\nIntro text.\n\n## Install\n\nRun the installer.\n\n### Linux\n\nUse apt.\n\n## Usage\n\nCall it.' });
    expect(chunks.map((c) => [c.headingPath, c.text])).toEqual([
      [['Guide'], 'Intro text.'],
      [['Guide', 'Install'], 'Run the installer.'],
      [['Guide', 'Install', 'Linux'], 'Use apt.'],
      [['Guide', 'Usage'], 'Call it.'],
    ]);
  });

  it('splits a long section into chunks near the target size, each starting with the tail of the previous one', () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => words(60, `p${i}w`)).join('\n\n');
    const chunks = chunkDocument({ title: 'Doc', url: 'https://example.com/a', text: `# Long\n\n${paragraphs}` }, { targetTokens: 300, overlapTokens: 50 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk.text.length / 4).toBeLessThanOrEqual(300 + 60);
    for (let i = 1; i < chunks.length; i++) {
      const previousTail = chunks[i - 1]!.text.slice(-40);
      expect(chunks[i]!.text.includes(previousTail.split(' ').slice(1).join(' '))).toBe(true);
    }
    expect(chunks.every((c) => c.url === 'https://example.com/a' && c.headingPath[0] === 'Long')).toBe(true);
  });

  it('cuts a single huge paragraph at sentence and word boundaries', () => {
    const chunks = chunkDocument({ title: 'Doc', url: null, text: words(2000) }, { targetTokens: 200, overlapTokens: 20 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(200 * 4 + 100);
  });

  it('is deterministic and numbers chunks across documents', () => {
    const docs = [{ title: 'A', url: null, text: 'one\n\ntwo' }, { title: 'B', url: null, text: '# H\n\nthree' }];
    expect(chunkDocuments(docs)).toEqual(chunkDocuments(docs));
    expect(chunkDocuments(docs).map((c) => c.ord)).toEqual([0, 1]);
  });

  it('keeps a fenced code block whole, even with # lines inside', () => {
    const blocks = toBlocks('text\n\n```sh\n# not a heading\n\necho hi\n```\n\nafter');
    expect(blocks).toEqual([
      { kind: 'paragraph', text: 'text' },
      { kind: 'paragraph', text: '```sh\n# not a heading\n\necho hi\n```' },
      { kind: 'paragraph', text: 'after' },
    ]);
  });
});

describe('reciprocal rank fusion', () => {
  it('ranks an item found by both searches above items found by one', () => {
    const fused = reciprocalRankFusion([['a', 'b', 'c'], ['c', 'd']], (x) => x);
    expect(fused[0]!.item).toBe('c');
    expect(fused.map((f) => f.item)).toEqual(['c', 'a', 'b', 'd']);
    expect(fused[0]!.score).toBeCloseTo(1 / 63 + 1 / 61, 10);
  });
});

describe('prompt and citations', () => {
  it('numbers the passages and tells the model to say so when they do not hold the answer', () => {
    const text = knowledgeInstruction('auto', [retrieved(), retrieved({ title: 'FAQ', headingPath: [], url: null, text: 'Refunds within 30 days.' })])!;
    expect(text).toContain('[1] Guide › Setup (https://example.com/guide)\nInstall with bun add.');
    expect(text).toContain('[2] FAQ\nRefunds within 30 days.');
    expect(text).toContain('do not hold the answer');
  });

  it('strict mode forbids general knowledge, even with no passage; off and auto-without-passages say nothing', () => {
    expect(knowledgeInstruction('strict', [])).toContain('cannot find it');
    expect(knowledgeInstruction('strict', [retrieved()])).toContain('ONLY');
    expect(knowledgeInstruction('off', [retrieved()])).toBeNull();
    expect(knowledgeInstruction('auto', [])).toBeNull();
  });

  it('caps the passages in tokens, skipping one that does not fit', () => {
    const big = retrieved({ text: 'x'.repeat(4000) });
    const small = retrieved({ text: 'small' });
    expect(fitToBudget([big, small], 200)).toEqual([small]);
  });

  it('cites the passages the reply marked [n], else those whose words it repeats, one per page, http(s) links only', () => {
    const chunks = [retrieved(), retrieved({ sourceId: 's2', title: 'Other', url: 'javascript:alert(1)' }), retrieved({ text: 'same page again' })];
    expect(citationsFor('Use bun [2].', chunks)).toEqual([{ title: 'Other', url: null, snippet: 'Install with bun add.' }]);
    expect(citationsFor('No markers.', chunks)).toEqual([]);
    expect(citationsFor('The documents do not cover this question.', chunks)).toEqual([]);
    const unmarked = [retrieved({ text: 'Refunds are processed within fourteen working days of the return.' }), retrieved({ sourceId: 's2', title: 'Other', text: 'Shipping is free above fifty euros.' })];
    expect(citationsFor('Your refund is processed within fourteen working days.', unmarked).map((c) => c.title)).toEqual(['Guide']);
    expect(safeLink('https://example.com/x')).toBe('https://example.com/x');
    expect(safeLink('data:text/html,hi')).toBeNull();
  });
});

describe('address policy (SSRF)', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'], ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'], ['192.168.1.1', 'private'], ['100.64.0.1', 'private'], ['fd00::1', 'private'],
    ['169.254.169.254', 'link-local'], ['fe80::1', 'link-local'], ['0.0.0.0', 'reserved'], ['::', 'reserved'],
    ['224.0.0.1', 'reserved'], ['::ffff:10.0.0.1', 'private'], ['64:ff9b::a00:1', 'private'], ['93.184.216.34', 'public'],
    ['2606:4700::1111', 'public'],
  ])('%s is %s', (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind as ReturnType<typeof classifyAddress>);
  });

  it('lets loopback through only with the switch, and private ranges never', () => {
    expect(isAllowedAddress('127.0.0.1', false)).toBe(false);
    expect(isAllowedAddress('127.0.0.1', true)).toBe(true);
    expect(isAllowedAddress('10.0.0.1', true)).toBe(false);
  });
});

describe('sitemap parsing', () => {
  it('reads urlset and sitemapindex locations, decoding entities', () => {
    expect(parseSitemap('<?xml version="1.0"?><urlset><url><loc>https://a.test/x?a=1&amp;b=2</loc></url><url><loc> https://a.test/y </loc></url></urlset>')).toEqual({
      kind: 'urlset', locations: ['https://a.test/x?a=1&b=2', 'https://a.test/y'],
    });
    expect(parseSitemap('<sitemapindex><sitemap><loc>https://a.test/s1.xml</loc></sitemap></sitemapindex>')!.kind).toBe('sitemapindex');
    expect(parseSitemap('<html></html>')).toBeNull();
  });
});

describe('extraction', () => {
  const file = (fileName: string, content: string | Uint8Array, maxBytes = 1_000_000) =>
    extractFile({ fileName, bytes: typeof content === 'string' ? new TextEncoder().encode(content) : content, maxBytes });

  it('takes Markdown as is, titled by its first heading', async () => {
    const { format, document } = await file('guide.md', '---\nx: 1\n---\n# Install guide\n\nRun it.');
    expect(format).toBe('markdown');
    expect(document).toEqual({ title: 'Install guide', url: null, text: '# Install guide\n\nRun it.' });
  });

  it('refuses empty, oversized, binary-as-text, unknown and broken-PDF files with their own codes', async () => {
    await expect(file('a.md', '')).rejects.toMatchObject({ code: 'empty_file' });
    await expect(file('a.txt', 'x'.repeat(101), 100)).rejects.toMatchObject({ code: 'file_too_large' });
    await expect(file('a.md', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 0xff, 0xfe]))).rejects.toMatchObject({ code: 'not_text' });
    await expect(file('a.exe', 'hello')).rejects.toMatchObject({ code: 'unsupported_file_type' });
    await expect(file('a.pdf', '%PDF-1.4\n garbage that is not a pdf')).rejects.toMatchObject({ code: 'invalid_pdf' });
    await expect(file('a.pdf', 'not even a header')).rejects.toMatchObject({ code: 'invalid_pdf' });
    await expect(file('a.md', '   \n\n ')).rejects.toMatchObject({ code: 'empty_text' });
  });

  it('reads the text of every page of a PDF', async () => {
    const { format, document } = await file('policy.pdf', makePdf(['Refund policy: thirty days.', 'Shipping takes five days.']));
    expect(format).toBe('pdf');
    expect(document.text).toContain('Refund policy: thirty days.');
    expect(document.text).toContain('Shipping takes five days.');
  });

  it('keeps the main content of an HTML page as headings and paragraphs, without menus and footers', () => {
    const html = `<html><head><title>Shop FAQ</title></head><body><nav><a href="/">Home</a> <a href="/shop">Shop</a></nav>
      <article><h1>Frequently asked questions</h1><p>${words(40, 'intro')}</p><h2>Returns</h2><p>You can return any item within thirty days of delivery for a full refund, no questions asked. ${words(20, 'ret')}</p>
      <ul><li>Keep the receipt</li><li>Use the original box</li></ul></article><footer>© Shop Inc. All rights reserved. Cookie settings.</footer></body></html>`;
    const page = extractHtml(html);
    expect(page.title).toBe('Shop FAQ');
    expect(page.text).toContain('## Returns');
    expect(page.text).toContain('- Keep the receipt');
    expect(page.text).not.toContain('Cookie settings');
    expect(page.text).not.toContain('Home');
  });

  it('spots binary content', () => {
    expect(looksBinary(new TextEncoder().encode('plain text é ü'))).toBe(false);
    expect(looksBinary(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00]))).toBe(true);
  });
});

describe('full-text query and test embedder', () => {
  it('turns any question into quoted OR terms, never FTS5 syntax', () => {
    expect(toFtsAnyQuery('How do I "reset" NEAR(password)*?')).toBe('"reset" OR "near" OR "password"');
    expect(toFtsAnyQuery('What is it?')).toBe('"what" OR "is" OR "it"');
    expect(toFtsAnyQuery('?!')).toBeNull();
  });

  it('gives texts sharing words closer vectors', () => {
    const dot = (a: number[], b: number[]) => a.reduce((n, x, i) => n + x * b[i]!, 0);
    const q = hashEmbedding('refund policy for returns');
    expect(dot(q, hashEmbedding('Our refund policy covers returns'))).toBeGreaterThan(dot(q, hashEmbedding('Shipping times to Europe')));
    expect(Math.hypot(...q)).toBeCloseTo(1, 6);
  });
});

describe('binary (sign-bit) vector index', () => {
  const { BinaryIndex } = require('../src/knowledge/store/binary-index.ts') as typeof import('../src/knowledge/store/binary-index.ts');
  const v = (...xs: number[]) => Float32Array.from(xs);

  it('returns the entries with the fewest differing signs first, and forgets removed ones', () => {
    const index = new BinaryIndex(4);
    index.add(1, v(1, 1, 1, 1));
    index.add(2, v(1, 1, -1, -1));
    index.add(3, v(-1, -1, -1, -1));
    index.add(4, v(1, 1, 1, -1));
    expect(index.nearest(v(0.9, 0.5, 0.2, 0.1), 2)).toEqual([1, 4]);
    index.remove([1]);
    expect(index.nearest(v(0.9, 0.5, 0.2, 0.1), 2)).toEqual([4, 2]);
    expect(index.count).toBe(3);
    index.add(4, v(-1, -1, -1, 1)); // re-adding replaces
    expect(index.count).toBe(3);
    expect(index.nearest(v(1, 1, 1, 1), 1)).toEqual([2]);
  });

  it('grows past its first capacity and keeps every id findable', () => {
    // Dense vectors, as embedding models give: the stored vector itself is its own nearest entry.
    const dense = (id: number) => Float32Array.from({ length: 64 }, (_, i) => Math.sin(id * 7.3 + i * 1.7 + id * i * 0.01));
    const big = new BinaryIndex(64);
    for (let id = 0; id < 3000; id++) big.add(id, dense(id));
    expect(big.count).toBe(3000);
    expect(big.nearest(dense(1234), 1)).toEqual([1234]);
  });
});
