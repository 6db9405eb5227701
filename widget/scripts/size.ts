/** Prints the bundle's raw, gzip and brotli sizes and fails the build when either exceeds its budget (issue 12). */
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { join } from 'node:path';

// Bytes as served: gzip -9 and brotli q11, the precompressed bodies server/src/embed/bundle.ts sends.
const BUDGET_GZIP = 26_000;
const BUDGET_BROTLI = 23_500;
const file = join(import.meta.dir, '..', 'dist', 'chat-widget.js');
const bytes = new Uint8Array(await Bun.file(file).arrayBuffer());
const gzip = gzipSync(bytes, { level: 9 }).length;
const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const n = (size: number) => `${size.toLocaleString('en')} B`;

console.log(`widget/dist/chat-widget.js  raw ${n(bytes.length)}  gzip ${n(gzip)}  brotli ${n(brotli)}  (budget: gzip ≤ ${n(BUDGET_GZIP)}, brotli ≤ ${n(BUDGET_BROTLI)})`);
if (gzip > BUDGET_GZIP || brotli > BUDGET_BROTLI) {
  console.error(`The widget bundle is ${n(gzip)} gzip / ${n(brotli)} brotli, over its budget (${n(BUDGET_GZIP)} / ${n(BUDGET_BROTLI)}): every host page pays for it.`);
  process.exit(1);
}
