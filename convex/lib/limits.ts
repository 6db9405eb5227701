/**
 * The per-session rate limit and the daily token budgets, held by the maintained `@convex-dev/rate-limiter`
 * component so that every server replica shares them: a turn is admitted (and its tokens reserved) inside the
 * same transaction that stores it, and settled against its real cost in the transaction that stores the reply.
 *
 * The limits themselves are the server's configuration (RATE_LIMIT_CHAT_PER_SESSION, BUDGET_TOKENS_*), sent
 * with each call, so there is one place to set them; 0 turns a limit off, as on the server.
 */
import { DAY, MINUTE, RateLimiter, type RateLimitConfig } from '@convex-dev/rate-limiter';
import { v, type Infer } from 'convex/values';
import { components } from '../_generated/api.js';
import type { MutationCtx } from '../_generated/server';

export const turnLimitsValidator = v.object({
  /** The client's network, as the server groups addresses (one key per IPv4 address or IPv6 /64). */
  ipKey: v.string(),
  sessionPerMinute: v.number(),
  tokensPerSessionPerDay: v.number(),
  tokensPerIpPerDay: v.number(),
  tokensPerDay: v.number(),
  /** The most this turn may cost: the message and a full-length reply. */
  reserveTokens: v.number(),
});

export type TurnLimits = Infer<typeof turnLimitsValidator>;

export const BUDGET_SCOPES = ['session', 'ip', 'deployment'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];

export const refusalValidator = v.union(
  v.object({ code: v.literal('rate_limited'), retryAfterMs: v.number() }),
  v.object({
    code: v.literal('budget_exhausted'),
    scope: v.union(...BUDGET_SCOPES.map((scope) => v.literal(scope))),
    retryAfterMs: v.number(),
  }),
);

export type TurnRefusal = Infer<typeof refusalValidator>;

const rateLimiter = new RateLimiter(components.rateLimiter);

/** Same refill as the server's in-memory bucket: `perMinute` turns, refilled evenly over a minute. */
function sessionRate(perMinute: number): RateLimitConfig {
  return { kind: 'token bucket', rate: perMinute, period: MINUTE, capacity: perMinute };
}

/** A day-long window starting at 00:00 UTC (start 0 = the epoch, a midnight), like the in-memory budgets. */
function dailyBudget(tokens: number): RateLimitConfig {
  return { kind: 'fixed window', rate: tokens, period: DAY, start: 0 };
}

interface Budget {
  scope: BudgetScope;
  name: string;
  key?: string;
  config: RateLimitConfig;
  /** Reserved for this turn: the worst case, but never more than the whole budget (the component refuses that). */
  reserved: number;
}

function budgetsOf(sessionId: string, limits: TurnLimits): Budget[] {
  const all: Array<[BudgetScope, string, string | undefined, number]> = [
    ['deployment', 'tokensPerDay', undefined, limits.tokensPerDay],
    ['ip', 'tokensPerIpPerDay', limits.ipKey, limits.tokensPerIpPerDay],
    ['session', 'tokensPerSessionPerDay', sessionId, limits.tokensPerSessionPerDay],
  ];
  return all
    .filter(([, , , tokens]) => tokens > 0)
    .map(([scope, name, key, tokens]) => ({
      scope,
      name,
      key,
      config: dailyBudget(tokens),
      reserved: Math.max(0, Math.min(Math.ceil(limits.reserveTokens), tokens)),
    }));
}

/**
 * Takes one turn from the session's bucket, then reserves the turn's worst case from every daily budget, or
 * returns why not. Budgets are checked before any is charged, so a refusal reserves nothing. Runs inside the
 * caller's mutation: Convex serialises conflicting transactions, so parallel turns on any replica cannot all slip
 * under a nearly spent budget.
 */
export async function admitTurn(ctx: MutationCtx, sessionId: string, limits: TurnLimits): Promise<TurnRefusal | null> {
  if (limits.sessionPerMinute > 0) {
    const taken = await rateLimiter.limit(ctx, 'chatPerSession', { key: sessionId, config: sessionRate(limits.sessionPerMinute) });
    if (!taken.ok) return { code: 'rate_limited', retryAfterMs: Math.ceil(taken.retryAfter) };
  }
  const budgets = budgetsOf(sessionId, limits);
  for (const budget of budgets) {
    if (budget.reserved === 0) continue;
    const status = await rateLimiter.check(ctx, budget.name, { key: budget.key, count: budget.reserved, config: budget.config });
    if (!status.ok) return { code: 'budget_exhausted', scope: budget.scope, retryAfterMs: Math.ceil(status.retryAfter) };
  }
  for (const budget of budgets) {
    if (budget.reserved === 0) continue;
    await rateLimiter.limit(ctx, budget.name, { key: budget.key, count: budget.reserved, config: budget.config, throws: true });
  }
  return null;
}

/**
 * Replaces the reservation with the real cost: gives back what was not used, or charges the excess (as a debt
 * the budget cannot refuse, the tokens are already spent). A refund never lifts a budget above its size: the
 * component caps the value at the capacity on its next read.
 */
export async function settleTurn(ctx: MutationCtx, sessionId: string, limits: TurnLimits, actualTokens: number): Promise<void> {
  for (const budget of budgetsOf(sessionId, limits)) {
    const difference = Math.max(0, Math.ceil(actualTokens)) - budget.reserved;
    if (difference === 0) continue;
    await rateLimiter.limit(ctx, budget.name, { key: budget.key, count: difference, config: budget.config, reserve: true });
  }
}
