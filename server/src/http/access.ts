/** The gates in front of chat and admin routes: keys (constant time), rate limits and daily budgets. */
import { Elysia } from 'elysia';
import type { AppConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import { DailyBudget } from '../security/budget.ts';
import { clientKey } from '../security/client-ip.ts';
import { keyCheck } from '../security/secrets.ts';
import { TokenBuckets, type RateDecision } from '../security/token-bucket.ts';

export interface Limiters {
  chatPerIp: TokenBuckets | null;
  chatPerSession: TokenBuckets | null;
  adminPerIp: TokenBuckets | null;
  budget: DailyBudget;
}

export function createLimiters(config: AppConfig, now: () => number = Date.now): Limiters {
  const { rateLimits, budgets } = config;
  const buckets = (perMinute: number) => (perMinute > 0 ? new TokenBuckets(perMinute, rateLimits.maxTrackedClients, now) : null);
  return {
    chatPerIp: buckets(rateLimits.chatPerIpPerMinute),
    chatPerSession: buckets(rateLimits.chatPerSessionPerMinute),
    adminPerIp: buckets(rateLimits.adminPerIpPerMinute),
    budget: new DailyBudget(budgets, rateLimits.maxTrackedClients, now),
  };
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
    throw new AppError(429, 'rate_limited', `Too many ${what}; try again in ${decision.retryAfterSeconds} seconds.`, {
      ...rateHeaders(decision),
      'retry-after': String(decision.retryAfterSeconds),
    });
  }
}

/**
 * Refuses with 429 when a budget is spent; otherwise reserves `tokens` (the most this turn may cost) at once, so
 * turns started in parallel cannot all slip under a nearly spent cap. The turn settles the real cost when it ends.
 */
export function reserveBudget(limiters: Limiters, sessionId: string, ip: string, tokens: number): number {
  const scope = limiters.budget.exhausted(sessionId, ip);
  if (scope) {
    const who = { session: 'this conversation', ip: 'your network', deployment: 'this site' }[scope];
    const wait = limiters.budget.secondsUntilReset();
    throw new AppError(429, 'budget_exhausted', `The daily chat allowance for ${who} is used up; it resets at midnight UTC.`, {
      'retry-after': String(wait),
    });
  }
  limiters.budget.spend(sessionId, ip, tokens);
  return tokens;
}

function widgetKeyOf(headers: Headers): string | null {
  return headers.get('x-api-key') ?? headers.get('x-widget-api-key');
}

/** Chat routes: the per-IP bucket, then a valid widget key. Runs before body validation. */
export function widgetAccess({ config, limiters }: { config: AppConfig; limiters: Limiters }) {
  const isWidgetKey = keyCheck(config.widgetApiKey);
  return new Elysia({ name: 'widget-access', seed: config })
    .derive({ as: 'scoped' }, ({ request, set, ...context }) => {
      const { clientIp } = context as unknown as { clientIp: string };
      // Limit first, as for admin: requests with a missing or wrong key are counted too, so guessing costs the guesser.
      // The client key is worked out only when a limit is on.
      consume(limiters.chatPerIp, () => clientKey(clientIp), set, 'messages from your network');
      const key = widgetKeyOf(request.headers);
      if (key === null || key === '') throw new AppError(401, 'missing_api_key', 'Send the widget API key in the x-api-key header.');
      if (!isWidgetKey(key)) throw new AppError(401, 'invalid_api_key', 'The widget API key is not valid.');
      // Re-exposed so the routes behind this gate see `clientIp` in their types.
      return { clientIp };
    });
}

/** Admin routes: the per-IP bucket, then 503 while no admin key is configured, then 401 for a missing or wrong one. */
export function adminAccess({ config, limiters }: { config: AppConfig; limiters: Limiters }) {
  const isAdminKey = config.adminApiKey ? keyCheck(config.adminApiKey) : () => false;
  return new Elysia({ name: 'admin-access', seed: config })
    .derive({ as: 'scoped' }, ({ request, set, ...context }) => {
      const { clientIp } = context as unknown as { clientIp: string };
      // Limit first: a wrong-key flood is exactly what the bucket is for.
      consume(limiters.adminPerIp, () => clientKey(clientIp), set, 'admin requests');
      if (!config.adminApiKey) {
        throw new AppError(503, 'admin_not_configured', 'The admin API is off: set ADMIN_API_KEY on the server to turn it on.');
      }
      const key = request.headers.get('x-admin-api-key');
      if (key === null || key === '') throw new AppError(401, 'missing_admin_key', 'Send the admin API key in the x-admin-api-key header.');
      if (!isAdminKey(key)) throw new AppError(401, 'invalid_admin_key', 'The admin API key is not valid.');
      return { clientIp };
    });
}
