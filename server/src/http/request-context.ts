/**
 * Cross-cutting HTTP plumbing for every route: request id, client IP, security headers, body limits, the one error mapping, and a structured log line per request (method, route, status, latency, id).
 */
import { Elysia } from 'elysia';
import type { AppConfig } from '../config.ts';
import { resolveClientIp } from '../security/client-ip.ts';
import { checkBodyHeaders } from './body.ts';
import { toErrorReply } from './errors.ts';
import type { Logger } from './logger.ts';

interface RequestMeta {
  id: string;
  startedAt: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestContext({ config, logger }: { config: AppConfig; logger: Logger }) {
  const meta = new WeakMap<Request, RequestMeta>();
  const metaOf = (request: Request): RequestMeta => {
    let found = meta.get(request);
    if (!found) {
      const given = request.headers.get('x-request-id');
      found = { id: given && REQUEST_ID.test(given) ? given : crypto.randomUUID(), startedAt: performance.now() };
      meta.set(request, found);
    }
    return found;
  };

  return new Elysia({ name: 'request-context', seed: config })
    .onRequest(({ request, set }) => {
      const { id } = metaOf(request);
      set.headers['x-request-id'] = id;
      set.headers['x-content-type-options'] = 'nosniff';
      set.headers['referrer-policy'] = 'strict-origin-when-cross-origin';
      if (config.mode === 'production') set.headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
      const refusal = checkBodyHeaders(request, config.maxBodyBytes);
      if (refusal) throw refusal;
    })
    .derive({ as: 'global' }, ({ request, server }) => ({
      requestId: metaOf(request).id,
      clientIp: resolveClientIp(server?.requestIP(request)?.address ?? null, request.headers.get('x-forwarded-for'), config.trustProxy),
    }))
    .onError({ as: 'global' }, ({ code, error, request, set }) => {
      const reply = toErrorReply(error, code);
      if (reply.status >= 500) {
        // The reason goes to the log (with the request id the client also sees), never to the client.
        logger.error('request failed', { requestId: metaOf(request).id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      }
      set.status = reply.status;
      Object.assign(set.headers, reply.headers);
      set.headers['content-type'] = 'application/json; charset=utf-8';
      return new Response(JSON.stringify(reply.body), { status: reply.status, headers: set.headers as Record<string, string> });
    })
    .onAfterResponse({ as: 'global' }, ({ request, set, route }) => {
      if (!config.logRequests) return;
      const { id, startedAt } = metaOf(request);
      logger.info('request', {
        requestId: id,
        method: request.method,
        route: route || new URL(request.url).pathname.slice(0, 200),
        status: typeof set.status === 'number' ? set.status : 200,
        ms: Math.round((performance.now() - startedAt) * 10) / 10,
      });
    });
}
