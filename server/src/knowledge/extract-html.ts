/**
 * HTML → Markdown-like text with headings, keeping the page's main content only. `@mozilla/readability` (Firefox
 * Reader View's algorithm) on a `linkedom` document picks the article; when it finds none (short or unusual pages)
 * the body minus navigation, headers, footers, scripts and forms is used. Chosen by measurement, see the commit
 * and BENCHMARKS.md: Readability drops menus and footers that otherwise land in every chunk of a site.
 */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';

export interface ExtractedPage {
  title: string | null;
  text: string;
}

const BLOCK_TAGS = new Set(['P', 'DIV', 'SECTION', 'ARTICLE', 'MAIN', 'UL', 'OL', 'TABLE', 'TR', 'BLOCKQUOTE', 'PRE', 'DL', 'DT', 'DD', 'FIGURE', 'FIGCAPTION', 'HEADER', 'FOOTER', 'ASIDE', 'NAV']);
const DROP_TAGS = ['script', 'style', 'noscript', 'template', 'svg', 'iframe', 'form', 'nav', 'header', 'footer', 'aside'];

interface DomNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
}

/** Walks the DOM writing `#` headings, paragraphs separated by blank lines, `- ` list items and fenced code. */
function toText(root: DomNode): string {
  const out: string[] = [];
  let line = '';
  const breakBlock = () => {
    if (line.trim()) out.push(line.replace(/[ \t]+/g, ' ').trim());
    line = '';
  };
  const walk = (node: DomNode) => {
    if (node.nodeType === 3) {
      line += (node.textContent ?? '').replace(/\s+/g, ' ');
      return;
    }
    if (node.nodeType !== 1) return;
    const tag = node.nodeName.toUpperCase();
    const heading = /^H([1-6])$/.exec(tag);
    if (heading) {
      breakBlock();
      const text = (node.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (text) out.push(`${'#'.repeat(Number(heading[1]))} ${text}`);
      return;
    }
    if (tag === 'PRE') {
      breakBlock();
      out.push('```\n' + (node.textContent ?? '').replace(/\n+$/, '') + '\n```');
      return;
    }
    if (tag === 'BR') {
      line += '\n';
      return;
    }
    if (tag === 'LI') {
      breakBlock();
      line = '- ';
    } else if (BLOCK_TAGS.has(tag)) {
      breakBlock();
    }
    for (let i = 0; i < node.childNodes.length; i++) walk(node.childNodes[i]!);
    if (tag === 'LI' || BLOCK_TAGS.has(tag)) breakBlock();
    if (tag === 'TD' || tag === 'TH') line += ' | ';
  };
  walk(root);
  breakBlock();
  return out.join('\n\n').replace(/\n{3,}/g, '\n\n').trim();
}

export type HtmlStrategy = 'readability' | 'body';

export function extractHtml(html: string, strategy: HtmlStrategy = 'readability'): ExtractedPage {
  const { document } = parseHTML(html);
  const pageTitle = document.querySelector('title')?.textContent?.replace(/\s+/g, ' ').trim() || null;
  if (strategy === 'readability') {
    // Readability mutates the document it reads; the fallback below parses a fresh copy.
    const article = new Readability(document as unknown as Document, { charThreshold: 200 }).parse();
    if (article?.content) {
      const { document: articleDocument } = parseHTML(`<!doctype html><html><body>${article.content}</body></html>`);
      const text = toText(articleDocument.body as unknown as DomNode);
      if (text.length >= 200) return { title: article.title?.trim() || pageTitle, text };
    }
  }
  const { document: fresh } = parseHTML(html);
  for (const tag of DROP_TAGS) for (const element of [...fresh.querySelectorAll(tag)]) element.remove();
  const body = (fresh.querySelector('main') ?? fresh.querySelector('article') ?? fresh.body) as unknown as DomNode | null;
  return { title: pageTitle, text: body ? toText(body) : '' };
}
