/**
 * A small Markdown subset parsed into a tree that components render as elements and text nodes. Model text never
 * becomes HTML: there is no raw-HTML node type at all, and link targets are limited to http, https and mailto.
 */

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'strong' | 'em'; children: Inline[] }
  | { type: 'code'; text: string }
  | { type: 'link'; href: string; children: Inline[] }
  | { type: 'br' };

export type Block =
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'code'; lang: string; text: string }
  | { type: 'list'; ordered: boolean; start: number; items: Inline[][] };

/**
 * Browsers strip tabs and newlines inside URLs ("java\nscript:") and resolve scheme-less values against the page,
 * so only absolute http(s) URLs with a host, and mailto with an address, pass; anything with whitespace or control
 * characters is refused outright.
 */
export function safeHref(raw: string): string | null {
  const href = raw.trim();
  if (/[\u0000-\u0020\u007f-\u009f]/.test(href)) return null;
  if (/^https?:\/\/[^/\\?#@]/i.test(href)) return href;
  if (/^mailto:[^/\\:]+@/i.test(href)) return href;
  return null;
}

const AUTOLINK = /^https?:\/\/[^\s<>"'`()[\]{}]+/i;
const ESCAPABLE = /[\\`*_[\]()#+\-.!~>|{}]/;

/** Index of the closing delimiter for emphasis opened just before `from`, or -1. */
function findClosing(src: string, from: number, delim: string): number {
  for (let j = from; j < src.length; j++) {
    const c = src[j];
    if (c === '\\') {
      j++;
    } else if (c === '`') {
      const close = src.indexOf('`', j + 1);
      if (close > 0) j = close;
    } else if (src.startsWith(delim, j)) {
      // A single `*` must not close on half of a `**`; skip the pair.
      if (delim.length === 1 && src[j + 1] === delim) {
        j++;
        continue;
      }
      if (j > from && !/\s/.test(src[j - 1]!)) return j;
    }
  }
  return -1;
}

/** Finds `]` matching the `[` at `open`, then a `(url)` right after it. */
function matchLink(src: string, open: number): { label: string; url: string; end: number } | null {
  let depth = 0;
  for (let j = open; j < src.length; j++) {
    if (src[j] === '\\') j++;
    else if (src[j] === '[') depth++;
    else if (src[j] === ']' && --depth === 0) {
      if (src[j + 1] !== '(') return null;
      // Targets may hold balanced parentheses (Wikipedia URLs, `javascript:alert(1)` that must be dropped whole).
      for (let k = j + 2, parens = 1; k < src.length; k++) {
        if (src[k] === '(') parens++;
        else if (src[k] === ')' && --parens === 0) return { label: src.slice(open + 1, j), url: src.slice(j + 2, k), end: k + 1 };
      }
      return null;
    }
  }
  return null;
}

export function parseInline(src: string, inLink = false): Inline[] {
  const out: Inline[] = [];
  let text = '';
  const flush = () => {
    if (text) out.push({ type: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const rest = src.slice(i);
    if (c === '\\' && ESCAPABLE.test(src[i + 1] ?? '')) {
      text += src[i + 1];
      i += 2;
    } else if (c === '\n') {
      flush();
      out.push({ type: 'br' });
      i++;
    } else if (c === '`') {
      const run = /^`+/.exec(rest)![0];
      const close = src.indexOf(run, i + run.length);
      if (close < 0) {
        text += run;
        i += run.length;
      } else {
        flush();
        out.push({ type: 'code', text: src.slice(i + run.length, close) });
        i = close + run.length;
      }
    } else if (c === '*') {
      // Only `*` marks emphasis: `_` appears in identifiers (snake_case) far more often than as emphasis.
      const delim = src[i + 1] === c ? '**' : c;
      const start = i + delim.length;
      const end = /\s/.test(src[start] ?? ' ') ? -1 : findClosing(src, start, delim);
      if (end < 0) {
        text += delim;
        i = start;
      } else {
        flush();
        out.push({ type: delim.length === 2 ? 'strong' : 'em', children: parseInline(src.slice(start, end), inLink) });
        i = end + delim.length;
      }
    } else if (c === '[' && !inLink && matchLink(src, i)) {
      const link = matchLink(src, i)!;
      const href = safeHref(link.url);
      flush();
      const children = parseInline(link.label, true);
      // An unsafe target keeps its label as plain text: the reader still sees what the model wrote.
      if (href) out.push({ type: 'link', href, children });
      else out.push(...children);
      i = link.end;
    } else if (!inLink && (c === 'h' || c === 'H') && !/\w/.test(src[i - 1] ?? '') && AUTOLINK.test(rest)) {
      const url = AUTOLINK.exec(rest)![0].replace(/[.,;:!?]+$/, '');
      flush();
      const href = safeHref(url);
      out.push(href ? { type: 'link', href, children: [{ type: 'text', text: url }] } : { type: 'text', text: url });
      i += url.length;
    } else {
      text += c;
      i++;
    }
  }
  flush();
  return out;
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const HEADING = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/;
const LIST_ITEM = /^\s*(?:[-*+]|(\d{1,9})[.)])\s+(.*)$/;

export function parseMarkdown(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; start: number; items: string[] } | null = null;

  const flushParagraph = () => {
    if (paragraph.length) blocks.push({ type: 'paragraph', children: parseInline(paragraph.join('\n')) });
    paragraph = [];
  };
  const flushList = () => {
    if (list) blocks.push({ type: 'list', ordered: list.ordered, start: list.start, items: list.items.map((item) => parseInline(item)) });
    list = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      flushParagraph();
      flushList();
      const marker = fence[1]!;
      const body: string[] = [];
      // While a reply streams the closing fence has not arrived yet: the rest is code until it does.
      while (++i < lines.length && !new RegExp(`^\\s{0,3}${marker[0]}{${marker.length},}\\s*$`).test(lines[i]!)) body.push(lines[i]!);
      blocks.push({ type: 'code', lang: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    if (!line.trim()) {
      flushParagraph();
      flushList();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flushParagraph();
      flushList();
      // A chat bubble has no room for a heading hierarchy: a heading reads as a bold line.
      blocks.push({ type: 'paragraph', children: [{ type: 'strong', children: parseInline(heading[1]!) }] });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      flushParagraph();
      const ordered = item[1] !== undefined;
      if (!list || list.ordered !== ordered) {
        flushList();
        list = { ordered, start: ordered ? Number(item[1]) : 1, items: [] };
      }
      list.items.push(item[2]!);
      continue;
    }
    if (list && /^\s/.test(line)) {
      list.items[list.items.length - 1] += '\n' + line.trim();
      continue;
    }
    flushList();
    paragraph.push(line);
  }
  flushParagraph();
  flushList();
  return blocks;
}
