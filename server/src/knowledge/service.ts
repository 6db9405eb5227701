/**
 * The knowledge base's operations for the admin API: add a file, a text, a page or a sitemap; re-fetch; delete;
 * list. Every refusal (bad file, SSRF target, sitemap loop…) happens before anything is stored, so a refused request
 * leaves the knowledge base as it was. Indexing itself runs in the background worker (indexer.ts).
 */
import type { KnowledgeConfig } from '../config.ts';
import type { SourceDocument } from './chunker.ts';
import { knowledgeError } from './errors.ts';
import { extractFetched, extractFile } from './extract.ts';
import { markdownText } from './extract-text.ts';
import type { Fetcher } from './fetcher.ts';
import type { Indexer } from './indexer.ts';
import type { KnowledgeSource } from './schemas.ts';
import { collectSitemapPages, looksLikeSitemap } from './sitemap.ts';
import type { KnowledgeStore } from './store/types.ts';

export interface KnowledgeServiceDeps {
  config: KnowledgeConfig;
  store: KnowledgeStore;
  fetcher: Fetcher;
  indexer: Indexer;
  now?: () => number;
}

/** What a URL turned out to be: one page to index now, or a sitemap's pages to fetch in the background. */
type Fetched = { kind: 'url'; title: string; document: SourceDocument } | { kind: 'sitemap'; title: string; pages: string[] };

const MAX_SITEMAP_FILES = 50;
const MAX_TITLE_CHARS = 200;

export function createKnowledgeService({ config, store, fetcher, indexer, now = Date.now }: KnowledgeServiceDeps) {
  async function fetchUrl(url: string, kind: 'page' | 'sitemap' | undefined): Promise<Fetched> {
    const resource = await fetcher.fetch(url);
    const pathIsXml = /\.xml$/i.test(new URL(resource.url).pathname);
    if (kind === 'sitemap' || (kind === undefined && (pathIsXml || looksLikeSitemap(resource.contentType, resource.bytes)))) {
      const pages = await collectSitemapPages(url, fetcher, { maxPages: config.fetch.maxPages, maxSitemaps: MAX_SITEMAP_FILES }, resource);
      return { kind: 'sitemap', title: `${new URL(resource.url).host} sitemap`, pages };
    }
    const document = await extractFetched(resource);
    return { kind: 'url', title: document.title, document };
  }

  /** Titles come from headings and <title>s of arbitrary length: cut for lists and citations. */
  const titleOf = (title: string) => (title.length > MAX_TITLE_CHARS ? `${title.slice(0, MAX_TITLE_CHARS - 1)}…` : title);

  async function added(source: KnowledgeSource): Promise<KnowledgeSource> {
    indexer.kick();
    return source;
  }

  return {
    list: () => store.listSources(),

    async get(id: string): Promise<KnowledgeSource> {
      const source = await store.getSource(id);
      if (!source) throw knowledgeError.notFound();
      return source;
    },

    async addFile(input: { fileName: string; bytes: Uint8Array; title?: string | null }): Promise<KnowledgeSource> {
      const { format, document } = await extractFile({ ...input, maxBytes: config.maxFileBytes });
      const title = titleOf(document.title);
      return added(await store.createSource({ kind: 'file', title, url: null, format, documents: [{ ...document, title }], pendingPages: [], now: now() }));
    },

    async addText(input: { title: string; text: string }): Promise<KnowledgeSource> {
      const title = input.title.trim();
      const text = markdownText(input.text);
      if (!title) throw knowledgeError.emptyText('The title');
      if (!text) throw knowledgeError.emptyText('The text');
      if (Buffer.byteLength(text) > config.maxFileBytes) throw knowledgeError.tooLarge(config.maxFileBytes);
      return added(await store.createSource({ kind: 'text', title, url: null, format: null, documents: [{ title, url: null, text }], pendingPages: [], now: now() }));
    },

    async addUrl(input: { url: string; kind?: 'page' | 'sitemap' }): Promise<KnowledgeSource> {
      const fetched = await fetchUrl(input.url, input.kind);
      const url = new URL(input.url.trim()).href;
      return added(
        await store.createSource({
          kind: fetched.kind,
          title: titleOf(fetched.title),
          url,
          format: null,
          documents: fetched.kind === 'url' ? [fetched.document] : [],
          pendingPages: fetched.kind === 'sitemap' ? fetched.pages : [],
          now: now(),
        }),
      );
    },

    /** Fetches the page or sitemap again; the current version stays searchable until the new one is ready. */
    async refetch(id: string): Promise<KnowledgeSource> {
      const source = await store.getSource(id);
      if (!source) throw knowledgeError.notFound();
      if ((source.kind !== 'url' && source.kind !== 'sitemap') || !source.url) throw knowledgeError.notRefetchable();
      const fetched = await fetchUrl(source.url, source.kind === 'sitemap' ? 'sitemap' : 'page');
      const requeued = await store.requeueSource(id, {
        documents: fetched.kind === 'url' ? [fetched.document] : [],
        pendingPages: fetched.kind === 'sitemap' ? fetched.pages : [],
        now: now(),
      });
      if (!requeued) throw knowledgeError.notFound();
      return added(requeued);
    },

    async remove(id: string): Promise<void> {
      if (!(await store.deleteSource(id))) throw knowledgeError.notFound();
      indexer.kick(); // lets a store that purges in batches (Convex) clear the rows
    },
  };
}

export type KnowledgeService = ReturnType<typeof createKnowledgeService>;
