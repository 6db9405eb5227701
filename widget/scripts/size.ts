/** Prints the bundle's raw, gzip and brotli sizes and fails the build when gzip exceeds the budget. */
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { join } from 'node:path';

const BUDGET_GZIP = 25 * 1024;
const file = join(import.meta.dir, '..', 'dist', 'chat-widget.js');
const bytes = new Uint8Array(await Bun.file(file).arrayBuffer());
const gzip = gzipSync(bytes, { level: 9 }).length;
const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

console.log(`widget/dist/chat-widget.js  raw ${kb(bytes.length)}  gzip ${kb(gzip)}  brotli ${kb(brotli)}  (budget: gzip ≤ ${kb(BUDGET_GZIP)})`);
if (gzip > BUDGET_GZIP) {
  console.error(`The widget bundle is ${kb(gzip)} gzip, over the ${kb(BUDGET_GZIP)} budget: every host page pays for it.`);
  process.exit(1);
}
