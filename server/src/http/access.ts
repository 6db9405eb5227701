/** The HTTP gates in front of chat and admin routes: keys (constant time) and per-IP rate limits, from headers alone. */
import { Elysia } from 'elysia';
import type { AppConfig } from '../config.ts';
import { clientKey } from '../security/client-ip.ts';
import { keyCheck } from '../security/secrets.ts';
import { TokenBuckets, type RateDecision } from '../security/token-bucket.ts';
import { clientIpOf, clientIpPlugin } from './client-ip.ts';
import { HttpError } from './http-error.ts';
import { pathOf } from './request-guard.ts';
import type { RouteOf } from './route-table.ts';

/** Per-IP flood limits, kept in each process: the first line, before any key or body is looked at. */
export interface IpLimiters {
  chatPerIp: TokenBuckets | null;
  adminPerIp: TokenBuckets | null;
}

export function createIpLimiters(config: AppConfig, now: () => number = Date.now): IpLimiters {
  const { rateLimits } = config;
  const buckets = (perMinute: number) => (perMinute > 0 ? new TokenBuckets(perMinute, rateLimits.maxTrackedClients, now) : null);
  return { chatPerIp: buckets(rateLimits.chatPerIpPerMinute), adminPerIp: buckets(rateLimits.adminPerIpPerMinute) };
}

function rateHeaders(decision: RateDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(decision.resetSeconds),
  };
}

/** Takes one request from `key`'s bucket, or throws 429 with Retry-After and RateLimit-* headers. */
export function consume(buckets: TokenBuckets | null, key: string | (() => string), set: { headers: Record<string, unknown> }, what: string): void {
  if (!buckets) return;
  const decision = buckets.take(typeof key === 'function' ? key() : key);
  Object.assign(set.headers, rateHeaders(decision));
  if (!decision.allowed) {
    throw new HttpError(429, 'rate_limited', `Too many ${what}; try again in ${decision.retryAfterSeconds} seconds.`, {
      ...rateHeaders(decision),
      'retry-after': String(decision.retryAfterSeconds),
    });
  }
}

function widgetKeyOf(headers: Headers): string | null {
  return headers.get('x-api-key') ?? headers.get('x-widget-api-key');
}

interface AccessDeps {
  config: AppConfig;
  limiters: IpLimiters;
}

type Gate = (request: Request, clientIp: string, set: { headers: Record<string, unknown> }) => void;
type GateName = 'widget' | 'admin';

/** Chat routes: the per-IP bucket, then a valid widget key. */
function widgetGate({ config, limiters }: AccessDeps): Gate {
  const isWidgetKey = keyCheck(config.widgetApiKey);
  return (request, clientIp, set) => {
    // Limit first, as for admin: requests with a missing or wrong key are counted too, so guessing costs the guesser.
    // The client key is worked out only when a limit is on.
    consume(limiters.chatPerIp, () => clientKey(clientIp), set, 'messages from your network');
    const key = widgetKeyOf(request.headers);
    if (key === null || key === '') throw new HttpError(401, 'missing_api_key', 'Send the widget API key in the x-api-key header.');
    if (!isWidgetKey(key)) throw new HttpError(401, 'invalid_api_key', 'The widget API key is not valid.');
  };
}

/** Admin routes: the per-IP bucket, then 503 while no admin key is configured, then 401 for a missing or wrong one. */
function adminGate({ config, limiters }: AccessDeps): Gate {
  const isAdminKey = config.adminApiKey ? keyCheck(config.adminApiKey) : () => false;
  return (request, clientIp, set) => {
    // Limit first: a wrong-key flood is exactly what the bucket is for.
    consume(limiters.adminPerIp, () => clientKey(clientIp), set, 'admin requests');
    if (!config.adminApiKey) {
      throw new HttpError(503, 'admin_not_configured', 'The admin API is off: set ADMIN_API_KEY on the server to turn it on.');
    }
    const key = request.headers.get('x-admin-api-key');
    if (key === null || key === '') throw new HttpError(401, 'missing_admin_key', 'Send the admin API key in the x-admin-api-key header.');
    if (!isAdminKey(key)) throw new HttpError(401, 'invalid_admin_key', 'The admin API key is not valid.');
  };
}

/** The gate in front of a route, by its pattern: the chat routes and the admin API. */
function gateNameOf(route: string): GateName | null {
  if (route === '/chat' || route === '/v1/chat' || route.startsWith('/v1/chat/')) return 'widget';
  if (route.startsWith('/v1/admin/')) return 'admin';
  return null;
}

/** Requests a gate already let through in `onRequest`, so the route-level check does not count them twice. */
const admitted = new WeakMap<Request, GateName>();

/**
 * The gates, run in `onRequest`: from the headers alone, before Elysia reads a single byte of the body. A client with
 * a wrong key (or over its rate) that announces a body and never sends it is answered at once and its connection
 * closed (http/request-context.ts), instead of holding the connection while the server waits for the body.
 */
export function accessGates({ routeOf, ...deps }: AccessDeps & { routeOf: RouteOf }) {
  const gates: Record<GateName, Gate> = { widget: widgetGate(deps), admin: adminGate(deps) };
  return new Elysia({ name: 'access-gates', seed: deps.config }).onRequest(({ request, set, server }) => {
    // Preflights carry no key by design; the origin guard answers them.
    if (request.method === 'OPTIONS') return;
    const route = routeOf(request.method, pathOf(request) ?? '');
    const name = route === null ? null : gateNameOf(route);
    if (!name) return; // not a guarded route, or no route at all: the router answers 404
    gates[name](request, clientIpOf(request, server, deps.config.trustProxy), set);
    admitted.set(request, name);
  });
}

/**
 * The same gate at the route, for a request the route table did not place but the router still sent to a guarded
 * route (a spelling of the path only the router knows): whatever the path, no guarded route runs without its key.
 */
function routeGate(name: GateName, deps: AccessDeps) {
  const gate = name === 'widget' ? widgetGate(deps) : adminGate(deps);
  return new Elysia({ name: `${name}-access`, seed: deps.config })
    .use(clientIpPlugin(deps.config))
    .derive({ as: 'scoped' }, ({ request, set, clientIp }) => {
      if (admitted.get(request) !== name) gate(request, clientIp, set);
      return {};
    });
}

/** Chat routes: the per-IP bucket, then a valid widget key. */
export function widgetAccess(deps: AccessDeps) {
  return routeGate('widget', deps);
}

/** Admin routes: the per-IP bucket, then 503 while no admin key is configured, then 401 for a missing or wrong one. */
export function adminAccess(deps: AccessDeps) {
  return routeGate('admin', deps);
}
