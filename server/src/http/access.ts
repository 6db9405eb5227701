/** The HTTP gates in front of chat and admin routes: keys (constant time) and per-IP rate limits, from headers alone. */
import { Elysia } from 'elysia';
import type { AppConfig } from '../config.ts';
import { clientKey } from '../security/client-ip.ts';
import { safeEqual } from '../security/secrets.ts';
import { TokenBuckets, type RateDecision } from '../security/token-bucket.ts';
import { clientIpPlugin } from './client-ip.ts';
import { HttpError } from './http-error.ts';

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
export function consume(buckets: TokenBuckets | null, key: string, set: { headers: Record<string, unknown> }, what: string): void {
  if (!buckets) return;
  const decision = buckets.take(key);
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

/** Chat routes: the per-IP bucket, then a valid widget key. Runs before body validation. */
export function widgetAccess({ config, limiters }: { config: AppConfig; limiters: IpLimiters }) {
  return new Elysia({ name: 'widget-access', seed: config })
    .use(clientIpPlugin(config))
    .derive({ as: 'scoped' }, ({ request, set, clientIp }) => {
      // Limit first, as for admin: requests with a missing or wrong key are counted too, so guessing costs the guesser.
      consume(limiters.chatPerIp, clientKey(clientIp), set, 'messages from your network');
      const key = widgetKeyOf(request.headers);
      if (key === null || key === '') throw new HttpError(401, 'missing_api_key', 'Send the widget API key in the x-api-key header.');
      if (!safeEqual(key, config.widgetApiKey)) throw new HttpError(401, 'invalid_api_key', 'The widget API key is not valid.');
      return {};
    });
}

/** Admin routes: the per-IP bucket, then 503 while no admin key is configured, then 401 for a missing or wrong one. */
export function adminAccess({ config, limiters }: { config: AppConfig; limiters: IpLimiters }) {
  return new Elysia({ name: 'admin-access', seed: config })
    .use(clientIpPlugin(config))
    .derive({ as: 'scoped' }, ({ request, set, clientIp }) => {
      // Limit first: a wrong-key flood is exactly what the bucket is for.
      consume(limiters.adminPerIp, clientKey(clientIp), set, 'admin requests');
      if (!config.adminApiKey) {
        throw new HttpError(503, 'admin_not_configured', 'The admin API is off: set ADMIN_API_KEY on the server to turn it on.');
      }
      const key = request.headers.get('x-admin-api-key');
      if (key === null || key === '') throw new HttpError(401, 'missing_admin_key', 'Send the admin API key in the x-admin-api-key header.');
      if (!safeEqual(key, config.adminApiKey)) throw new HttpError(401, 'invalid_admin_key', 'The admin API key is not valid.');
      return {};
    });
}
