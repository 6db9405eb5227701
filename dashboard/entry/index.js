// The dashboard's process entry, copied to build/index.js at build time. Plain JavaScript so that both
// `bun build/index.js` and `node build/index.js` run it.
//
// Why not adapter-node's own entry: Kit 3 assumes https when no protocol header is configured, so every form
// post over plain http (a local try on http://localhost:3000) fails its CSRF origin check with 403. Here the
// protocol comes from X-Forwarded-Proto when a proxy (Caddy) sets it, else from the socket itself. The check
// stays on: a cross-site form cannot set these headers, so its Origin still never matches ours.
import http from 'node:http';
import process from 'node:process';

process.env.PROTOCOL_HEADER ||= 'x-forwarded-proto';
// adapter-node's one BODY_SIZE_LIMIT would cap file uploads at 512 KB: hooks.server.ts checks each request's
// declared length instead (src/lib/server/body-limit.ts), 512 KB for every route but the Knowledge upload.
process.env.BODY_SIZE_LIMIT ||= 'Infinity';
process.env.HOST_HEADER ||= 'x-forwarded-host';
const protocolHeader = process.env.PROTOCOL_HEADER.toLowerCase();

// adapter-node reads the variables above when it loads, and loads the app (hooks validate the config there).
const { handler } = await import('./handler.js');

const host = process.env.HOST || '0.0.0.0';
const port = Number(process.env.PORT || 3000);
const shutdownTimeoutMs = Number(process.env.SHUTDOWN_TIMEOUT || 30) * 1000;

const server = http.createServer((req, res) => {
  if (!req.headers[protocolHeader]) {
    req.headers[protocolHeader] = /** @type {import('node:tls').TLSSocket} */ (req.socket).encrypted ? 'https' : 'http';
  }
  handler(req, res, () => {
    res.statusCode = 404;
    res.end('Not found');
  });
});

server.listen(port, host, () => {
  const address = server.address();
  const shown = typeof address === 'object' && address ? `${address.address}:${address.port}` : `${host}:${port}`;
  console.log(`Dashboard listening on http://${shown}`);
});

let stopping = false;
/** @param {string} signal */
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`Dashboard stopping (${signal})`);
  server.closeIdleConnections?.();
  server.close(() => process.exit(0));
  setTimeout(() => {
    server.closeAllConnections?.();
    process.exit(0);
  }, shutdownTimeoutMs).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
