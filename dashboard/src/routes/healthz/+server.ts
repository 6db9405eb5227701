import type { RequestHandler } from './$types';

/** Liveness of the dashboard process itself (Docker's healthcheck); it does not call the chat server. */
export const GET: RequestHandler = () => new Response('ok', { headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' } });
