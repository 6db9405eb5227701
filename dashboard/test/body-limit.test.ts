import { describe, expect, it } from 'bun:test';
import { checkBody, FORM_BODY_LIMIT, isUploadAction } from '../src/lib/server/body-limit.ts';
import { parseConfig } from '../src/lib/server/config.ts';

const headers = (fields: Record<string, string>) => new Headers(fields);

describe('request body limits', () => {
  it('lets a declared body up to the limit through, and refuses a larger one before it is read', () => {
    expect(checkBody('POST', headers({ 'content-length': String(FORM_BODY_LIMIT) }), FORM_BODY_LIMIT)).toEqual({ ok: true });
    expect(checkBody('POST', headers({ 'content-length': String(FORM_BODY_LIMIT + 1) }), FORM_BODY_LIMIT)).toMatchObject({ ok: false, status: 413, code: 'body_too_large' });
  });

  it('refuses a chunked body (its size is known only by reading it) and a malformed length', () => {
    expect(checkBody('POST', headers({ 'transfer-encoding': 'chunked' }), FORM_BODY_LIMIT)).toMatchObject({ ok: false, status: 411 });
    for (const length of ['-1', '1e9', 'abc', '12 34', '9'.repeat(20)]) {
      expect(checkBody('POST', headers({ 'content-length': length }), FORM_BODY_LIMIT), length).toMatchObject({ ok: false, status: 411 });
    }
  });

  it('has nothing to check on requests without a body', () => {
    expect(checkBody('GET', headers({ 'content-length': '999999999' }), FORM_BODY_LIMIT)).toEqual({ ok: true });
    expect(checkBody('POST', headers({}), FORM_BODY_LIMIT)).toEqual({ ok: true });
  });

  it('gives the larger limit to the Knowledge upload action only', () => {
    expect(isUploadAction(new URL('http://d.example/knowledge?/upload'))).toBe(true);
    for (const url of ['http://d.example/knowledge?/text', 'http://d.example/knowledge', 'http://d.example/login?/upload', 'http://d.example/knowledge/x?/upload']) {
      expect(isUploadAction(new URL(url)), url).toBe(false);
    }
  });

  it('reads the upload limit from KNOWLEDGE_MAX_FILE_BYTES, as the chat server does (default 10 MiB)', () => {
    const config = (env: Record<string, string>) => {
      const result = parseConfig(env);
      if (!result.ok) throw new Error(result.problems.join('\n'));
      return result.config;
    };
    expect(config({}).knowledgeMaxFileBytes).toBe(10 * 1024 * 1024);
    expect(config({ KNOWLEDGE_MAX_FILE_BYTES: '2000000' }).knowledgeMaxFileBytes).toBe(2_000_000);
    expect(parseConfig({ KNOWLEDGE_MAX_FILE_BYTES: 'lots' })).toMatchObject({ ok: false });
  });
});
