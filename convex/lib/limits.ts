/**
 * The per-session rate limit and the daily token budgets, held by the maintained `@convex-dev/rate-limiter`
 * component so that every server replica shares them. Same steps as the single-process limits
 * (server/src/security/turn-limits.ts), run inside startTurn and finishTurn so a turn costs no extra round trip:
 *
 * 1. admit, before anything is stored: one request from the session's bucket, and refuse when even the turn
 *    without its history (`minTokens`) no longer fits a budget;
 * 2. reserve, once the history is read: the real prompt plus the longest reply, in every budget, or the reply is
 *    stored as refused;
 * 3. settle, when the reply is stored: the reservation is replaced by what the turn really cost.
 *
 * The limits are the server's configuration, sent with each call, so there is one place to set them; 0 turns a
 * limit off, as on the server. Convex runs conflicting transactions one after another, so turns started at once
 * on any number of replicas cannot all slip under a nearly spent budget.
 */
import { DAY, MINUTE, RateLimiter, type RateLimitConfig } from '@convex-dev/rate-limiter';
import { v, type Infer } from 'convex/values';
// Type-only imports inside: the same history trimming the server applies, so the reservation is its real prompt.
import { buildModelMessages, countPromptChars } from '../../server/src/chat/history';
import { BUDGET_SCOPES, type BudgetScope } from '../../server/src/shared/conversation';
import { estimateTokens } from '../../server/src/shared/tokens';
import { components } from '../_generated/api.js';
import type { Doc } from '../_generated/dataModel';
import type { MutationCtx } from '../_generated/server';
import { toMessage } from './model';

export const turnLimitsValidator = v.object({
  /** The client's network, as the server groups addresses (one key per IPv4 address or IPv6 /64). */
  ipKey: v.string(),
  sessionPerMinute: v.number(),
  tokensPerSessionPerDay: v.number(),
  tokensPerIpPerDay: v.number(),
  tokensPerDay: v.number(),
  /** The turn without its history: the system prompt, the message and the longest reply. */
  minTokens: v.number(),
  maxOutputTokens: v.number(),
  /** What the server's history trimming needs (server/src/chat/history.ts), to size the real prompt. */
  systemPromptChars: v.number(),
  maxHistoryChars: v.number(),
});

export type TurnLimits = Infer<typeof turnLimitsValidator>;

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

interface Budget {
  scope: BudgetScope;
  name: string;
  key?: string;
  tokens: number;
  /** A day-long window from 00:00 UTC (start 0 is the epoch, a midnight), as the in-memory budgets reset. */
  config: RateLimitConfig;
}

/**
 * The deployment-wide budget is written by every turn of every replica (reserved in startTurn, settled in
 * finishTurn): as one document, Convex would run all those transactions one after another. A large budget is
 * therefore split into shards of at least `MIN_TOKENS_PER_SHARD`, each turn reserving from one shard picked at random
 * and settling on that same shard (the component's own sharding settles on a random one, which would cap away
 * refunds landing on a full shard). A turn is refused when its shard is short, so up to one worst case per shard
 * may stay unused at the end of a day: under 0.2 % of the default 5,000,000.
 */
const MAX_DEPLOYMENT_SHARDS = 8;
const MIN_TOKENS_PER_SHARD = 100_000;

export function deploymentShards(tokensPerDay: number): number {
  return Math.max(1, Math.min(MAX_DEPLOYMENT_SHARDS, Math.floor(tokensPerDay / MIN_TOKENS_PER_SHARD)));
}

/** A shard for a new turn; 0 when the budget is not split. */
export function pickDeploymentShard(limits: TurnLimits): number {
  return Math.floor(Math.random() * deploymentShards(limits.tokensPerDay));
}

function budgetsOf(sessionId: string, limits: TurnLimits, deploymentShard: number): Budget[] {
  const shards = deploymentShards(limits.tokensPerDay);
  const all: Array<[BudgetScope, string, string | undefined, number]> = [
    ['deployment', 'tokensPerDay', shards > 1 ? `shard-${deploymentShard % shards}` : undefined, Math.floor(limits.tokensPerDay / shards)],
    ['ip', 'tokensPerIpPerDay', limits.ipKey, limits.tokensPerIpPerDay],
    ['session', 'tokensPerSessionPerDay', sessionId, limits.tokensPerSessionPerDay],
  ];
  return all
    .filter(([, , , tokens]) => tokens > 0)
    .map(([scope, name, key, tokens]) => ({ scope, name, key, tokens, config: { kind: 'fixed window', rate: tokens, period: DAY, start: 0 } }));
}

/** Milliseconds to the next 00:00 UTC, when every budget is whole again. */
function untilMidnight(now: number): number {
  return DAY - (now % DAY);
}

/** The first budget that cannot take `tokens` more today, as a refusal; checks only, records nothing. */
async function firstShortBudget(ctx: MutationCtx, budgets: Budget[], tokens: number): Promise<TurnRefusal | null> {
  for (const budget of budgets) {
    // More than a whole day's budget never fits (and the component refuses to even look at such a count).
    const fits =
      tokens <= budget.tokens &&
      (await rateLimiter.check(ctx, budget.name, { key: budget.key, count: Math.max(1, tokens), config: budget.config })).ok;
    if (!fits) return { code: 'budget_exhausted', scope: budget.scope, retryAfterMs: untilMidnight(Date.now()) };
  }
  return null;
}

/** Step 1: the session's rate limit, then whether the turn without history still fits. Stores nothing. */
export async function admitTurn(ctx: MutationCtx, sessionId: string, limits: TurnLimits, deploymentShard: number): Promise<TurnRefusal | null> {
  if (limits.sessionPerMinute > 0) {
    const taken = await rateLimiter.limit(ctx, 'chatPerSession', { key: sessionId, config: sessionRate(limits.sessionPerMinute) });
    if (!taken.ok) return { code: 'rate_limited', retryAfterMs: Math.ceil(taken.retryAfter) };
  }
  return await firstShortBudget(ctx, budgetsOf(sessionId, limits, deploymentShard), limits.minTokens);
}

/** The turn's worst case: the prompt the server will send for this history, plus the longest reply. */
export function worstCaseTokens(history: Array<Doc<'messages'>>, limits: TurnLimits): number {
  const picked = buildModelMessages(history.map(toMessage), {
    systemPrompt: '',
    maxHistoryMessages: history.length,
    maxHistoryChars: limits.maxHistoryChars,
  });
  return estimateTokens(limits.systemPromptChars + countPromptChars(picked)) + limits.maxOutputTokens;
}

/** Step 2: reserves `tokens` in every budget, or none of them and says which one is short. */
export async function reserveTurn(
  ctx: MutationCtx,
  sessionId: string,
  limits: TurnLimits,
  deploymentShard: number,
  tokens: number,
): Promise<TurnRefusal | null> {
  const budgets = budgetsOf(sessionId, limits, deploymentShard);
  const refused = await firstShortBudget(ctx, budgets, tokens);
  if (refused) return refused;
  for (const budget of budgets) {
    if (tokens > 0) await rateLimiter.limit(ctx, budget.name, { key: budget.key, count: tokens, config: budget.config, throws: true });
  }
  return null;
}

/**
 * Step 3: gives back what the turn did not use, or charges what it used beyond the reservation (a debt the budget
 * cannot refuse: the tokens are spent). A refund never lifts a budget above its size: the component caps the
 * value at the capacity when it next reads it, and a reservation from yesterday's window is already gone.
 */
export async function settleTurn(
  ctx: MutationCtx,
  sessionId: string,
  reservation: { limits: TurnLimits; deploymentShard?: number; reservedTokens: number; spentTokens: number },
) {
  const difference = Math.max(0, Math.ceil(reservation.spentTokens)) - reservation.reservedTokens;
  if (difference === 0) return;
  for (const budget of budgetsOf(sessionId, reservation.limits, reservation.deploymentShard ?? 0)) {
    await rateLimiter.limit(ctx, budget.name, { key: budget.key, count: difference, config: budget.config, reserve: true });
  }
}
