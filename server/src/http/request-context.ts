/**
 * Cross-cutting HTTP plumbing for every route: request id, client IP, security headers, request guards (URL, body
 * headers, JSON value), the one error mapping, and a structured log line per request (method, route, status, latency,
 * id — never keys, bodies or query strings).
 */
import { Elysia } from 'elysia';
import type { AppConfig } from '../config.ts';
import { knowledgeBodyRule } from './knowledge-body-rules.ts';
import { checkBodyHeaders } from './body.ts';
import { clientIpPlugin } from './client-ip.ts';
import { toErrorReply } from './errors.ts';
import type { Logger } from '../logger.ts';
import { checkJsonValue, checkRequestUrl, pathOf } from './request-guard.ts';
import type { RouteOf } from './route-table.ts';
import { securityHeaders } from './security-headers.ts';

interface RequestMeta {
  id: string;
  startedAt: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** The status that actually went out: a handler or hook that returns a Response carries its own. */
function sentStatus(response: unknown, status: unknown): number {
  if (response instanceof Response) return response.status;
  return typeof status === 'number' ? status : 200;
}

export function requestContext({ config, logger, routeOf }: { config: AppConfig; logger: Logger; routeOf: RouteOf }) {
  const headers = securityHeaders(config);
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
      set.headers['x-request-id'] = metaOf(request).id;
      Object.assign(set.headers, headers);
      const refusal = checkRequestUrl(request) ?? checkBodyHeaders(request, knowledgeBodyRule(request, config) ?? config.maxBodyBytes);
      if (refusal) throw refusal;
    })
    .onTransform({ as: 'global' }, ({ body }) => {
      // After Elysia's JSON parser, before the route's schema and gates: a body with hidden characters never gets in.
      if (body === undefined) return;
      const refusal = checkJsonValue(body);
      if (refusal) throw refusal;
    })
    .use(clientIpPlugin(config))
    .derive({ as: 'global' }, ({ request }) => ({ requestId: metaOf(request).id }))
    .onError({ as: 'global' }, ({ code, error, request, set }) => {
      const reply = toErrorReply(error, code);
      if (reply.status >= 500) {
        // The reason goes to the log (with the request id the client also sees), never to the client.
        logger.error('request failed', { requestId: metaOf(request).id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      }
      set.status = reply.status;
      Object.assign(set.headers, reply.headers);
      // Refused before its body was read (key, origin, limits, size): Bun would keep the connection waiting for that
      // body in order to reuse it, so a client announcing a body and never sending it would hold it. Close it instead.
      if (request.body !== null && !request.bodyUsed) set.headers.connection = 'close';
      set.headers['content-type'] = 'application/json; charset=utf-8';
      return new Response(JSON.stringify(reply.body), { status: reply.status, headers: set.headers as Record<string, string> });
    })
    .onAfterResponse({ as: 'global' }, ({ request, set, route, responseValue }) => {
      if (!config.logRequests) return;
      const { id, startedAt } = metaOf(request);
      logger.info('request', {
        requestId: id,
        method: request.method,
        // The route pattern, not the URL: ids and query strings (search terms) stay out of the log. A request refused
        // before routing (key, origin, limits) has no route yet: the table says which one it was for.
        route: route || routeOf(request.method, pathOf(request) ?? '') || `unmatched ${(pathOf(request) ?? '?').slice(0, 120)}`,
        status: sentStatus(responseValue, set.status),
        ms: Math.round((performance.now() - startedAt) * 10) / 10,
      });
    });
}
