import { describe, expect, it } from 'bun:test';
import { KNOWLEDGE_ERROR_CODES } from '../../server/src/knowledge/errors.ts';
import { canRefetch, isSourceId, refusalHeadline, sourceState } from '../src/lib/knowledge.ts';
import { parseSourceForm, parseTextForm, parseUrlForm, refusal, refusalStatus } from '../src/lib/knowledge-forms.ts';

const source = (fields: Partial<Parameters<typeof sourceState>[0]> = {}) => ({
  status: 'ready' as const,
  error: null,
  chunksDone: 0,
  chunksTotal: null,
  chunkCount: 0,
  ...fields,
});

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
};

describe('source state', () => {
  it('reads queued, indexing n of N, ready and failed with the reason', () => {
    expect(sourceState(source({ status: 'queued' }))).toEqual({ label: 'Queued', tone: 'neutral', progress: null, detail: null });
    expect(sourceState(source({ status: 'indexing', chunksDone: 3, chunksTotal: 12 }))).toEqual({
      label: 'Indexing',
      tone: 'accent',
      progress: 0.25,
      detail: '3 of 12 chunks',
    });
    expect(sourceState(source({ status: 'indexing', chunksTotal: null })).detail).toBe('Reading and splitting the text…');
    expect(sourceState(source({ status: 'ready', chunkCount: 4 }))).toMatchObject({ label: 'Ready', tone: 'success' });
    expect(sourceState(source({ status: 'failed', error: 'The page answered 404.' }))).toMatchObject({ label: 'Failed', tone: 'danger', detail: 'The page answered 404.' });
  });

  it('says the previous version still answers while a re-fetch waits, and never shows more than N of N', () => {
    expect(sourceState(source({ status: 'queued', chunkCount: 9 })).detail).toBe('The previous version answers meanwhile.');
    expect(sourceState(source({ status: 'indexing', chunksDone: 14, chunksTotal: 1 }))).toMatchObject({ progress: 1, detail: '1 of 1 chunk' });
  });

  it('offers re-fetch for pages and sitemaps only', () => {
    expect(['file', 'text', 'url', 'sitemap'].filter((kind) => canRefetch({ kind: kind as 'file' }))).toEqual(['url', 'sitemap']);
  });
});

describe('source ids', () => {
  it('accepts the ids the server makes and nothing that could change an API path', () => {
    for (const id of ['0f8fbe6c-1f07-4a49-9b7e-5d7c3f1c2a10', 'k57b3f0g2m9x0n8c7v6b5n4m3', 'a']) expect(isSourceId(id)).toBe(true);
    for (const id of ['', '../export', 'a/b', 'a?b', 'a#b', '%2e%2e', 'a b', 'x'.repeat(65), 42, null]) expect(isSourceId(id)).toBe(false);
  });
});

describe('refusals', () => {
  it('has a headline for every refusal code the knowledge API answers', () => {
    for (const code of KNOWLEDGE_ERROR_CODES) expect(refusalHeadline(code), code).toBeTruthy();
  });

  it("keeps the server's sentence under the headline, and shows an unknown code's sentence as the headline", () => {
    expect(refusal('file_too_large', 'The file is larger than the 1024-byte limit (KNOWLEDGE_MAX_FILE_BYTES).')).toEqual({
      code: 'file_too_large',
      headline: 'That file is too large.',
      detail: 'The file is larger than the 1024-byte limit (KNOWLEDGE_MAX_FILE_BYTES).',
    });
    expect(refusal('api_unreachable', 'The chat server at http://x could not be reached.')).toEqual({
      code: 'api_unreachable',
      headline: 'The chat server at http://x could not be reached.',
      detail: null,
    });
  });

  it("answers the API's 4xx as is and anything else as 502", () => {
    expect([400, 404, 409, 413, 415, 500, 502, 503].map(refusalStatus)).toEqual([400, 404, 409, 413, 415, 502, 502, 502]);
  });
});

describe('knowledge forms', () => {
  it('takes a pasted text with its title, trimmed', () => {
    expect(parseTextForm(form({ title: ' Returns ', text: '\nWithin 30 days.\n' }))).toEqual({ ok: true, input: { title: 'Returns', text: 'Within 30 days.' } });
  });

  it('refuses a text without a title, with an overlong title, or without text, and gives the values back', () => {
    expect(parseTextForm(form({ title: ' ', text: 'x' }))).toMatchObject({ ok: false, refusal: { code: 'missing_title' }, values: { title: ' ', text: 'x' } });
    expect(parseTextForm(form({ title: 'x'.repeat(201), text: 'x' }))).toMatchObject({ ok: false, refusal: { code: 'title_too_long' } });
    expect(parseTextForm(form({ title: 'T', text: '  ' }))).toMatchObject({ ok: false, refusal: { code: 'missing_text' }, values: { title: 'T' } });
  });

  it('takes an http(s) address and an explicit kind; anything else in kind means "detect"', () => {
    expect(parseUrlForm(form({ url: ' https://docs.example/sitemap.xml ', kind: 'sitemap' }))).toEqual({ ok: true, input: { url: 'https://docs.example/sitemap.xml', kind: 'sitemap' } });
    expect(parseUrlForm(form({ url: 'http://docs.example/a', kind: '' }))).toEqual({ ok: true, input: { url: 'http://docs.example/a' } });
    expect(parseUrlForm(form({ url: 'http://docs.example/a', kind: 'everything' }))).toEqual({ ok: true, input: { url: 'http://docs.example/a' } });
  });

  it('refuses an empty, non-http or overlong address before asking the server', () => {
    expect(parseUrlForm(form({ url: '' }))).toMatchObject({ ok: false, refusal: { code: 'missing_url' } });
    expect(parseUrlForm(form({ url: 'ftp://docs.example/a' }))).toMatchObject({ ok: false, refusal: { code: 'invalid_url', detail: 'Start the address with http:// or https://.' }, values: { url: 'ftp://docs.example/a' } });
    expect(parseUrlForm(form({ url: `https://docs.example/${'a'.repeat(2048)}` }))).toMatchObject({ ok: false, refusal: { code: 'invalid_url' } });
  });

  it('takes a source id only when it can be one', () => {
    expect(parseSourceForm(form({ id: 'abc-123', title: 'Guide' }))).toEqual({ ok: true, input: { id: 'abc-123', title: 'Guide' } });
    expect(parseSourceForm(form({ id: '../conversations' }))).toMatchObject({ ok: false, refusal: { code: 'source_not_found' } });
    expect(parseSourceForm(new FormData())).toMatchObject({ ok: false });
  });
});
