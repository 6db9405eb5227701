/**
 * Fetches owner-given pages and sitemaps for the knowledge base without becoming an SSRF proxy: http(s) only, every
 * hop's host resolved and refused when any address is loopback/private/link-local/reserved, redirects followed by
 * hand (each re-checked, at most `maxRedirects`, same site only), a whole-fetch timeout and a byte limit enforced
 * while reading. DNS is injected so tests can make any name resolve anywhere.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { isAllowedAddress, classifyAddress } from './address-policy.ts';
import { KnowledgeError, knowledgeError } from './errors.ts';

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  /** Lets loopback addresses through (tests, or a site served on the same machine). Private ranges stay refused. */
  allowLoopback: boolean;
}

export type Resolve = (hostname: string) => Promise<string[]>;

export const systemResolve: Resolve = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export interface FetchedResource {
  /** The URL after redirects. */
  url: string;
  contentType: string;
  bytes: Uint8Array;
}

export interface Fetcher {
  fetch(url: string, options?: { sameSiteAs?: string }): Promise<FetchedResource>;
}

export function parseHttpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw knowledgeError.invalidUrl(`"${raw.slice(0, 200)}" is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw knowledgeError.invalidUrl('Only http and https URLs can be fetched.');
  if (url.username || url.password) throw knowledgeError.invalidUrl('URLs with a user name or password are not fetched.');
  url.hash = '';
  return url;
}

/** Same site: the same host name, ignoring a leading `www.`, any port and scheme (http → https upgrades are common). */
export function sameSite(a: URL, b: URL): boolean {
  const host = (url: URL) => url.hostname.toLowerCase().replace(/^www\./, '');
  return host(a) === host(b);
}

/** Resolves the host and returns the address to connect to, refusing when any of its addresses is not allowed. */
async function checkHost(url: URL, resolve: Resolve, allowLoopback: boolean): Promise<string> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(hostname)) addresses = [hostname];
  else {
    try {
      addresses = await resolve(hostname);
    } catch {
      throw knowledgeError.fetchFailed(`The host name ${hostname} could not be resolved.`);
    }
  }
  if (addresses.length === 0) throw knowledgeError.fetchFailed(`The host name ${hostname} has no address.`);
  // Every address must pass: a name with one public and one private address could be connected to either.
  const refused = addresses.find((address) => !isAllowedAddress(address, allowLoopback));
  if (refused) {
    throw knowledgeError.urlRefused(`${url.host} resolves to a ${classifyAddress(refused)} address (${refused}); only public addresses are fetched.`);
  }
  return addresses[0]!;
}

/**
 * The request goes to the address that was checked, not to a second DNS answer (DNS rebinding): the URL carries the
 * IP, the Host header and TLS server name carry the host, and the certificate is checked against the host.
 */
function pinnedRequest(url: URL, address: string, signal: AbortSignal): { target: string; init: RequestInit } {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const headers: Record<string, string> = {
    'user-agent': 'OpenChatWidget-KnowledgeFetcher/1.0',
    accept: 'text/html,application/xhtml+xml,application/xml,text/xml,text/plain,text/markdown,application/pdf;q=0.9,*/*;q=0.5',
  };
  const init: RequestInit & { tls?: unknown } = { redirect: 'manual', signal, headers };
  if (isIP(hostname)) return { target: url.href, init };
  const pinned = new URL(url.href);
  pinned.hostname = isIP(address) === 6 ? `[${address}]` : address;
  headers.host = url.host;
  if (url.protocol === 'https:') {
    init.tls = { serverName: hostname, checkServerIdentity: (_: string, cert: PeerCertificate) => checkServerIdentity(hostname, cert) };
  }
  return { target: pinned.href, init };
}

async function readLimited(response: Response, maxBytes: number, url: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw knowledgeError.fetchFailed(`${url} is larger than the ${maxBytes}-byte fetch limit.`);
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw knowledgeError.fetchFailed(`${url} is larger than the ${maxBytes}-byte fetch limit.`);
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

export function createFetcher(limits: FetchLimits, resolve: Resolve = systemResolve): Fetcher {
  return {
    async fetch(raw, options = {}) {
      let url = parseHttpUrl(raw);
      const site = options.sameSiteAs ? parseHttpUrl(options.sameSiteAs) : url;
      if (!sameSite(url, site)) throw knowledgeError.urlRefused(`${url.href} is not on the same site as ${site.href}.`);
      const signal = AbortSignal.timeout(limits.timeoutMs);
      try {
        for (let hop = 0; ; hop++) {
          const address = await checkHost(url, resolve, limits.allowLoopback);
          const { target, init } = pinnedRequest(url, address, signal);
          const response = await fetch(target, init);
          if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
            await response.body?.cancel();
            if (hop >= limits.maxRedirects) throw knowledgeError.fetchFailed(`${raw} redirects more than ${limits.maxRedirects} times.`);
            const next = parseHttpUrl(new URL(response.headers.get('location')!, url).href);
            if (!sameSite(next, site)) throw knowledgeError.urlRefused(`${url.href} redirects to another site (${next.host}); only the same site is fetched.`);
            url = next;
            continue;
          }
          if (!response.ok) {
            await response.body?.cancel();
            throw knowledgeError.fetchFailed(`${url.href} answered HTTP ${response.status}.`);
          }
          const bytes = await readLimited(response, limits.maxBytes, url.href);
          return { url: url.href, contentType: (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase(), bytes };
        }
      } catch (error) {
        if (error instanceof KnowledgeError) throw error;
        if (signal.aborted) throw knowledgeError.fetchFailed(`${raw} did not answer within ${limits.timeoutMs} ms.`);
        throw knowledgeError.fetchFailed(`${url.href} could not be fetched (${(error as { code?: string }).code ?? 'connection failed'}).`);
      }
    },
  };
}
