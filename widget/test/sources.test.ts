import { describe, expect, it } from 'bun:test';
import { toSources } from '../src/lib/sources.ts';

describe('reply sources', () => {
  it('keeps the title of each citation and its http(s) link', () => {
    expect(
      toSources([
        { title: 'Returns policy', url: 'https://shop.example/returns', snippet: 'Returns within 30 days…' },
        { title: 'Handbook.pdf', url: null, snippet: 'Chapter 1' },
        { title: 'Plain', url: 'HTTP://shop.example/a', snippet: '' },
      ]),
    ).toEqual([
      { title: 'Returns policy', url: 'https://shop.example/returns' },
      { title: 'Handbook.pdf', url: null },
      { title: 'Plain', url: 'HTTP://shop.example/a' },
    ]);
  });

  it('shows any other link as a plain title: scripts, data, mailto, relative and smuggled schemes', () => {
    const urls = ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'mailto:a@b.example', '/relative', '//evil.example/x', 'java\nscript:alert(1)', 'https://', ' https://x.example', 'https://a b.example'];
    expect(toSources(urls.map((url) => ({ title: 'T', url, snippet: '' }))).map((source) => source.url)).toEqual(urls.map(() => null));
  });

  it('drops entries without a title and anything that is not a list (an older server sends none)', () => {
    expect(toSources([{ title: '', url: 'https://a.example' }, { url: 'https://b.example' }, null, 'x', 7, { title: 'Kept', url: 42 }])).toEqual([
      { title: 'Kept', url: null },
    ]);
    for (const value of [undefined, null, 'sources', { title: 'x' }]) expect(toSources(value)).toEqual([]);
  });
});
