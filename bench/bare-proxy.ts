/**
 * The throughput baseline: the least a chat server can do with Bun — take `POST /v1/chat`, make the same streaming
 * request to the same upstream with `fetch`, and pass the upstream's body through untouched. No validation, no
 * store, no SSE parsing, no logging: the ratio against it is what the real server's work costs.
 *
 *   UPSTREAM_URL=http://127.0.0.1:<port>/v1 bun bench/bare-proxy.ts      prints `READY {"port":…}`
 */
import { readyLine } from './protocol.ts';

export function startBareProxy(upstreamUrl: string, port = 0) {
  const target = `${upstreamUrl}/chat/completions`;
  return Bun.serve({
    hostname: '127.0.0.1',
    port,
    idleTimeout: 0,
    async fetch(request) {
      const { message } = (await request.json()) as { message: string };
      const upstream = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
        body: JSON.stringify({ model: 'bench-model', stream: true, messages: [{ role: 'user', content: message }] }),
        signal: request.signal,
      });
      return new Response(upstream.body, { status: upstream.status, headers: { 'content-type': upstream.headers.get('content-type') ?? 'text/event-stream' } });
    },
  });
}

if (import.meta.main) {
  const upstreamUrl = process.env.UPSTREAM_URL;
  if (!upstreamUrl) throw new Error('UPSTREAM_URL is required');
  const server = startBareProxy(upstreamUrl, Number(process.env.PORT ?? 0));
  console.log(readyLine({ port: server.port }));
}
