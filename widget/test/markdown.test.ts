import { describe, expect, it } from 'bun:test';
import { parseInline, parseMarkdown, safeHref } from '../src/lib/markdown.ts';

const text = (t: string) => ({ type: 'text' as const, text: t });

describe('markdown blocks', () => {
  it('splits paragraphs on blank lines and keeps single line breaks', () => {
    expect(parseMarkdown('One\ntwo\n\nThree')).toEqual([
      { type: 'paragraph', children: [text('One'), { type: 'br' }, text('two')] },
      { type: 'paragraph', children: [text('Three')] },
    ]);
  });

  it('reads fenced code verbatim, with its language, and keeps an unclosed fence open while streaming', () => {
    expect(parseMarkdown('```ts\nconst a = **1**;\n<b>x</b>\n```\nAfter')).toEqual([
      { type: 'code', lang: 'ts', text: 'const a = **1**;\n<b>x</b>' },
      { type: 'paragraph', children: [text('After')] },
    ]);
    expect(parseMarkdown('Look:\n```\nhalf')).toEqual([
      { type: 'paragraph', children: [text('Look:')] },
      { type: 'code', lang: '', text: 'half' },
    ]);
  });

  it('reads bulleted and numbered lists, with their start number and continuation lines', () => {
    expect(parseMarkdown('- a\n* b\n  more\n\n3. x\n4) y')).toEqual([
      { type: 'list', ordered: false, start: 1, items: [[text('a')], [text('b'), { type: 'br' }, text('more')]] },
      { type: 'list', ordered: true, start: 3, items: [[text('x')], [text('y')]] },
    ]);
  });

  it('renders a heading as a bold line', () => {
    expect(parseMarkdown('## Steps ##')).toEqual([{ type: 'paragraph', children: [{ type: 'strong', children: [text('Steps')] }] }]);
  });
});

describe('markdown inline', () => {
  it('reads bold, italic and inline code, nested', () => {
    expect(parseInline('a **b *c* d** `e*f*` g')).toEqual([
      text('a '),
      { type: 'strong', children: [text('b '), { type: 'em', children: [text('c')] }, text(' d')] },
      text(' '),
      { type: 'code', text: 'e*f*' },
      text(' g'),
    ]);
  });

  it('leaves unmatched markers, snake_case and escaped characters as text', () => {
    expect(parseInline('2 * 3 = 6, snake_case_name, \\*not em\\*, **open')).toEqual([text('2 * 3 = 6, snake_case_name, *not em*, **open')]);
  });

  it('makes links and bare URLs, trimming trailing punctuation', () => {
    expect(parseInline('[docs](https://example.com/a?b=1) and https://example.com/x.')).toEqual([
      { type: 'link', href: 'https://example.com/a?b=1', children: [text('docs')] },
      text(' and '),
      { type: 'link', href: 'https://example.com/x', children: [text('https://example.com/x')] },
      text('.'),
    ]);
    expect(parseInline('[Tulip](https://en.wikipedia.org/wiki/Tulip_(plant))')).toEqual([
      { type: 'link', href: 'https://en.wikipedia.org/wiki/Tulip_(plant)', children: [text('Tulip')] },
    ]);
    expect(parseInline('[mail me](mailto:team@example.com)')).toEqual([{ type: 'link', href: 'mailto:team@example.com', children: [text('mail me')] }]);
  });

  it('keeps the label but drops the link for any other target', () => {
    for (const target of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'java\tscript:alert(1)', ' javascript:x', 'data:text/html,x', 'vbscript:x', '//evil.example', '/relative', 'https:evil', 'mailto:no-at-sign']) {
      expect(parseInline(`[label](${target})`), target).toEqual([text('label')]);
    }
  });

  it('never nests a link inside a link', () => {
    expect(parseInline('[[in](https://a.example)](https://b.example)')).toEqual([
      { type: 'link', href: 'https://b.example', children: [text('[in](https://a.example)')] },
    ]);
  });
});

describe('safe link targets', () => {
  it('accepts only absolute http(s) with a host and mailto with an address', () => {
    expect(safeHref('https://example.com')).toBe('https://example.com');
    expect(safeHref(' http://example.com/x ')).toBe('http://example.com/x');
    expect(safeHref('mailto:a@b.example')).toBe('mailto:a@b.example');
    for (const bad of ['https://', 'https:///x', 'http://exa mple.com', 'https://ok.example/\u0000', 'ftp://x', 'javascript:alert(1)']) {
      expect(safeHref(bad), bad).toBeNull();
    }
  });
});
