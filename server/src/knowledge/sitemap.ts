/**
 * sitemap.xml → the page URLs to index: follows sitemap indexes (depth-first, at most `maxSitemaps` files), refuses a
 * loop (an index listing a sitemap already being read) and keeps only same-site http(s) pages, up to `maxPages`.
 */
import { knowledgeError } from './errors.ts';
import { parseHttpUrl, sameSite, type Fetcher } from './fetcher.ts';

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };

export interface ParsedSitemap {
  kind: 'urlset' | 'sitemapindex';
  locations: string[];
}

/** Pure: the `<loc>` entries of a sitemap or a sitemap index, or null when the XML is neither. */
export function parseSitemap(xml: string): ParsedSitemap | null {
  const kind = /<sitemapindex[\s>]/i.test(xml) ? 'sitemapindex' : /<urlset[\s>]/i.test(xml) ? 'urlset' : null;
  if (!kind) return null;
  const locations = [...xml.matchAll(/<loc>\s*(?:<!\[CDATA\[)?([\s\S]*?)(?:\]\]>)?\s*<\/loc>/gi)].map((m) =>
    m[1]!.trim().replace(/&(amp|lt|gt|quot|apos);/g, (entity) => ENTITIES[entity]!),
  );
  return { kind, locations };
}

export function looksLikeSitemap(contentType: string, bytes: Uint8Array): boolean {
  if (!/xml/.test(contentType) && contentType !== '') return false;
  const head = new TextDecoder().decode(bytes.subarray(0, 2048));
  return /<(urlset|sitemapindex)[\s>]/i.test(head);
}

export interface SitemapLimits {
  maxPages: number;
  maxSitemaps: number;
}

/** Reads the sitemap at `url` (already fetched as `first` when given) and every sitemap it lists. */
export async function collectSitemapPages(
  url: string,
  fetcher: Fetcher,
  limits: SitemapLimits,
  first?: { url: string; bytes: Uint8Array },
): Promise<string[]> {
  const root = parseHttpUrl(url);
  const pages = new Set<string>();
  const reading = new Set<string>();
  const done = new Set<string>();
  let files = 0;

  const key = (u: string) => parseHttpUrl(u).href;
  async function read(sitemapUrl: string, prefetched?: { url: string; bytes: Uint8Array }): Promise<void> {
    const id = key(sitemapUrl);
    if (reading.has(id)) throw knowledgeError.sitemapLoop(sitemapUrl);
    if (done.has(id) || pages.size >= limits.maxPages) return;
    if (++files > limits.maxSitemaps) throw knowledgeError.sitemapInvalid(`The sitemap lists more than ${limits.maxSitemaps} sitemap files.`);
    reading.add(id);
    const resource = prefetched ?? (await fetcher.fetch(sitemapUrl, { sameSiteAs: root.href }));
    // A redirect to a sitemap already being read is the same loop.
    const finalId = key(resource.url);
    if (finalId !== id && reading.has(finalId)) throw knowledgeError.sitemapLoop(sitemapUrl);
    reading.add(finalId);
    const parsed = parseSitemap(new TextDecoder().decode(resource.bytes));
    if (!parsed) throw knowledgeError.sitemapInvalid(`${sitemapUrl} is not a sitemap (no <urlset> or <sitemapindex>).`);
    for (const location of parsed.locations) {
      let page: URL;
      try {
        page = parseHttpUrl(new URL(location, resource.url).href);
      } catch {
        continue; // one bad entry does not spoil the sitemap
      }
      if (!sameSite(page, root)) continue;
      if (parsed.kind === 'sitemapindex') await read(page.href);
      else if (pages.size < limits.maxPages) pages.add(page.href);
    }
    reading.delete(id);
    reading.delete(finalId);
    done.add(id);
    done.add(finalId);
  }

  await read(url, first);
  if (pages.size === 0) throw knowledgeError.sitemapInvalid(`The sitemap at ${url} lists no pages of this site.`);
  return [...pages];
}
