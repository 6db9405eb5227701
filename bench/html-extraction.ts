/**
 * HTML main-content extraction, measured: each shipped README rendered into a site-like page (a menu of 30 links and
 * a cookie banner in plain <div>s, a sidebar, a footer), then extracted three ways — Readability on linkedom (what
 * the server uses), the page body without <nav>/<header>/<footer>/<aside>/<script>, and the raw text. Scores: the
 * share of the article's sentences kept, the share of boilerplate words let through, and the time per page.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractHtml } from '../server/src/knowledge/extract-html.ts';
import type { Table } from './report.ts';

const DOCS_DIR = new URL('./knowledge-docs/', import.meta.url).pathname;
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A crude Markdown → HTML (headings, fenced code, lists, paragraphs): enough to build article markup. */
function articleHtml(markdown: string): string {
  const out: string[] = [];
  for (const block of markdown.split(/\n{2,}/)) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(block.trim());
    if (heading) out.push(`<h${heading[1]!.length}>${escape(heading[2]!)}</h${heading[1]!.length}>`);
    else if (block.trim().startsWith('```')) out.push(`<pre><code>${escape(block.replace(/```\w*/g, ''))}</code></pre>`);
    else if (/^\s*[-*]\s/.test(block)) out.push(`<ul>${block.split('\n').map((line) => `<li>${escape(line.replace(/^\s*[-*]\s/, ''))}</li>`).join('')}</ul>`);
    else if (block.trim()) out.push(`<p>${escape(block.trim())}</p>`);
  }
  return out.join('\n');
}

const MENU = Array.from({ length: 30 }, (_, i) => `<a href="/section-${i}">Menuitem${i} Catalogue</a>`).join(' ');
const BOILERPLATE = 'Menuitem Catalogue Newsletter subscribe Cookiebanner Copyright Sidebarlink Trending';

function page(title: string, article: string): string {
  return `<!doctype html><html><head><title>${escape(title)} | Example Docs</title><script>window.analytics = 1;</script></head><body>
<div class="site-header"><div class="menu">${MENU}</div><div class="search">Search the Catalogue</div></div>
<div class="layout"><div class="sidebar">${Array.from({ length: 12 }, (_, i) => `<a href="/t${i}">Sidebarlink Trending ${i}</a>`).join('<br>')}</div>
<div class="content"><div class="post">${article}</div></div></div>
<div class="cookie-consent">Cookiebanner: we use cookies. Accept all Cookiebanner settings.</div>
<div class="site-footer">Newsletter subscribe for updates. Copyright 2026 Example Inc. ${MENU}</div>
</body></html>`;
}

interface Scores {
  kept: number;
  boilerplate: number;
  ms: number;
}

function score(text: string, sentences: string[], ms: number): Scores {
  const flat = text.replace(/\s+/g, ' ');
  const kept = sentences.filter((s) => flat.includes(s)).length / sentences.length;
  const words = flat.split(' ').length;
  const noise = (flat.match(new RegExp(`\\b(${BOILERPLATE.split(' ').join('|')})`, 'g')) ?? []).length;
  return { kept, boilerplate: noise / words, ms };
}

export function measureHtmlExtraction(): Table {
  const strategies = {
    'Readability on linkedom (used)': (html: string) => extractHtml(html, 'readability').text,
    'Body minus nav/header/footer/aside': (html: string) => extractHtml(html, 'body').text,
    'Raw text of the page (tags stripped)': (html: string) =>
      html.replace(/<(script|style|title)[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'),
  };
  const totals = Object.fromEntries(Object.keys(strategies).map((name) => [name, { kept: 0, boilerplate: 0, ms: 0 }])) as Record<string, Scores>;
  const files = readdirSync(DOCS_DIR).filter((f) => f.endsWith('.md') && f !== 'LICENSES.md');
  for (const file of files) {
    const markdown = readFileSync(join(DOCS_DIR, file), 'utf8');
    const html = page(file, articleHtml(markdown));
    // Plain prose sentences of the article (no code, no links): what extraction must keep.
    const sentences = [...markdown.matchAll(/^[A-Z][a-z][^`[\]<>|*_#\n]{40,160}\./gm)].map((m) => m[0].replace(/\s+/g, ' '));
    for (const [name, run] of Object.entries(strategies)) {
      run(html); // warm-up
      const started = performance.now();
      const text = run(html);
      const result = score(text, sentences, performance.now() - started);
      totals[name]!.kept += result.kept / files.length;
      totals[name]!.boilerplate += result.boilerplate / files.length;
      totals[name]!.ms += result.ms / files.length;
    }
  }
  return {
    title: `HTML main-content extraction (${files.length} doc pages in a site template)`,
    columns: ['Extractor', 'Article sentences kept', 'Boilerplate words in the text', 'Time per page'],
    rows: Object.entries(totals).map(([name, t]) => [name, `${(t.kept * 100).toFixed(0)}%`, `${(t.boilerplate * 100).toFixed(1)}%`, `${t.ms.toFixed(1)} ms`]),
    notes: [
      'Each README of bench/knowledge-docs/ rendered into a page whose menu, sidebar, cookie banner and footer are plain <div>s with class names, as on many real sites. Boilerplate left in the text lands in every chunk of every page of a sitemap and crowds out real passages in BM25 and vector search.',
    ],
  };
}

if (import.meta.main) {
  const { renderTable } = await import('./report.ts');
  console.log(renderTable(measureHtmlExtraction()));
}
