/**
 * Browser origins: a request carrying an `Origin` that is not on the CORS allow-list is refused with 403 JSON before
 * any work is done (a missing CORS header alone only hides the answer; the chat would still run and cost money).
 * Requests without `Origin` (servers, curl) pass: the key and the rate limits still apply to them.
 *
 * Beyond the list, one origin is this server's own: the demo page it serves at `/` embeds the widget, which calls back
 * here. That origin is PUBLIC_URL's when set. Without PUBLIC_URL it can only be read from the Host header, and a Host
 * header proves nothing: a page on any domain that a DNS-rebinding attack points at this server sends `Origin` and
 * `Host` naming that same domain. So an Origin equal to the Host is let through only while the demo page is on (off by
 * default in production); otherwise list the origin in CORS_ORIGIN or set PUBLIC_URL.
 */
import { cors } from '@elysiajs/cors';
import { Elysia } from 'elysia';
import type { AppConfig } from '../config.ts';
import { HttpError } from './http-error.ts';
import { isOriginAllowed } from '../security/origins.ts';
import { pathOf, urlOf } from './request-guard.ts';

/** Routes any page may load: the script tag of the widget, health probes, the API document. */
const PUBLIC_GET = /^\/(?:widget\/|health(?:\/|$)|v1\/openapi\.json$|$)/;

function sameHost(origin: string, request: Request): boolean {
  try {
    return new URL(origin).host === (request.headers.get('host') ?? urlOf(request)?.host);
  } catch {
    return false;
  }
}

function originOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export function originGuard(config: AppConfig) {
  const ownOrigin = originOf(config.publicUrl);
  const isOwnOrigin = (origin: string, request: Request) =>
    ownOrigin !== null ? origin === ownOrigin : config.widget.demoPage && sameHost(origin, request);
  const allowed = (origin: string, request: Request) => isOriginAllowed(origin, config.corsOrigins) || isOwnOrigin(origin, request);
  return new Elysia({ name: 'origin-guard', seed: config })
    .onRequest(({ request }) => {
      const origin = request.headers.get('origin');
      if (origin === null || allowed(origin, request)) return;
      if ((request.method === 'GET' || request.method === 'HEAD') && PUBLIC_GET.test(pathOf(request) ?? '')) return;
      throw new HttpError(403, 'origin_not_allowed', 'This website is not allowed to use this chat server (add its origin to CORS_ORIGIN).');
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
