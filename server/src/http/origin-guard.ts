/**
 * Browser origins: a request carrying an `Origin` that is not on the CORS allow-list is refused with 403 JSON before
 * any work is done (a missing CORS header alone only hides the answer; the chat would still run and cost money).
 * Requests without `Origin` (servers, curl) pass: the key and the rate limits still apply to them.
 */
import { cors } from '@elysiajs/cors';
import { Elysia } from 'elysia';
import type { AppConfig } from '../config.ts';
import { isOriginAllowed } from '../security/origins.ts';

/** Routes any page may load: the script tag of the widget, health probes, the API document. */
const PUBLIC_GET = /^\/(?:widget\/|health(?:\/|$)|v1\/openapi\.json$|$)/;

function sameHost(origin: string, request: Request): boolean {
  try {
    return new URL(origin).host === (request.headers.get('host') ?? new URL(request.url).host);
  } catch {
    return false;
  }
}

export function originGuard(config: AppConfig) {
  const allowed = (origin: string, request: Request) => isOriginAllowed(origin, config.corsOrigins) || sameHost(origin, request);
  return new Elysia({ name: 'origin-guard', seed: config })
    .onRequest(({ request, set }) => {
      const origin = request.headers.get('origin');
      if (origin === null || allowed(origin, request)) return;
      const path = new URL(request.url).pathname;
      if ((request.method === 'GET' || request.method === 'HEAD') && PUBLIC_GET.test(path)) return;
      set.status = 403;
      return Response.json(
        { error: 'This website is not allowed to use this chat server (add its origin to CORS_ORIGIN).', code: 'origin_not_allowed' },
        { status: 403, headers: set.headers as Record<string, string> },
      );
    })
    .use(
      cors({
        origin: (request: Request) => {
          const origin = request.headers.get('origin');
          return origin !== null && allowed(origin, request);
        },
        methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
        allowedHeaders: ['content-type', 'x-api-key', 'x-widget-api-key', 'x-request-id'],
        exposeHeaders: ['retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-request-id'],
        credentials: false,
        maxAge: 600,
      }),
    );
}
