/**
 * The widget bundle, read once and kept with its ETag and pre-compressed forms: every host page of every site
 * asks for it, so it is served from memory. Reloaded when the file on disk changes (a rebuild during development).
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { statSync } from 'node:fs';

export interface BundleVariant {
  body: Uint8Array<ArrayBuffer>;
  encoding: 'br' | 'gzip' | null;
}

export interface LoadedBundle {
  etag: string;
  raw: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
  brotli: Uint8Array<ArrayBuffer>;
}

export function createBundleCache(path: string) {
  let cached: { mtimeMs: number; size: number; bundle: LoadedBundle } | null = null;

  return {
    path,
    /** null when no bundle has been built yet. */
    async load(): Promise<LoadedBundle | null> {
      let stat;
      try {
        stat = statSync(path);
      } catch {
        return null;
      }
      if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.bundle;
      const raw = new Uint8Array(await Bun.file(path).arrayBuffer());
      const bundle: LoadedBundle = {
        etag: `"${new Bun.CryptoHasher('sha256').update(raw).digest('base64url').slice(0, 27)}"`,
        raw,
        gzip: new Uint8Array(gzipSync(raw, { level: 9 })),
        brotli: new Uint8Array(brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })),
      };
      cached = { mtimeMs: stat.mtimeMs, size: stat.size, bundle };
      return bundle;
    },
  };
}

/** Picks the smallest encoding the client accepts (q=0 means refused). */
export function pickEncoding(acceptEncoding: string | null, bundle: LoadedBundle): BundleVariant {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return { body: bundle.brotli, encoding: 'br' };
  if (ok('gzip')) return { body: bundle.gzip, encoding: 'gzip' };
  return { body: bundle.raw, encoding: null };
}
