/**
 * The limits a chat turn passes, owned by the chat service: the per-session rate limit and the daily token budgets.
 * An interface, so that a store shared by several replicas can enforce them in one place (Convex) while the
 * single-process default keeps them in memory.
 */
import { DomainError, type RateLimitState } from '../errors.ts';
import { DailyBudget, NO_RESERVATION, type BudgetLimits, type BudgetReservation, type BudgetScope } from './budget.ts';
import { TokenBuckets } from './token-bucket.ts';

export interface TurnLimits {
  /**
   * Before anything is stored: takes one request from the session's rate limit and refuses when even `minTokens`
   * (the turn without its history) no longer fit a budget. Throws `DomainError` (`rate_limited`, `budget_exhausted`).
   */
  admit(sessionId: string, ip: string, minTokens: number): void | Promise<void>;
  /** Reserves the turn's worst case in every budget, or throws `DomainError('budget_exhausted')`. */
  reserve(sessionId: string, ip: string, tokens: number): BudgetReservation | Promise<BudgetReservation>;
}

export interface MemoryTurnLimitsOptions {
  chatPerSessionPerMinute: number;
  maxTrackedClients: number;
  budgets: BudgetLimits;
  now?: () => number;
}

const SCOPE_NAMES: Record<BudgetScope, string> = { session: 'this conversation', ip: 'your network', deployment: 'this site' };

export function budgetExhausted(scope: BudgetScope, retryAfterSeconds: number): DomainError {
  return new DomainError(
    'budget_exhausted',
    `The daily chat allowance for ${SCOPE_NAMES[scope]} is used up; it resets at midnight UTC.`,
    retryAfterSeconds,
  );
}

export function rateLimited(retryAfterSeconds: number, state: RateLimitState | null = null): DomainError {
  return new DomainError('rate_limited', `Too many messages in this conversation; try again in ${retryAfterSeconds} seconds.`, retryAfterSeconds, state);
}

/**
 * For a store that holds the limits itself (`ChatStore.sharesTurnLimits`, Convex: one count for every replica): its
 * startTurn admits and reserves in the same transaction, and finishTurn settles, so nothing is left to do here.
 */
export const STORE_HELD_TURN_LIMITS: TurnLimits = {
  admit() {},
  reserve: () => NO_RESERVATION,
};

/** One process's limits, in memory: exact for a single server, per replica when there are several. */
export function createMemoryTurnLimits({ chatPerSessionPerMinute, maxTrackedClients, budgets, now = Date.now }: MemoryTurnLimitsOptions) {
  const perSession = chatPerSessionPerMinute > 0 ? new TokenBuckets(chatPerSessionPerMinute, maxTrackedClients, now) : null;
  const budget = new DailyBudget(budgets, maxTrackedClients, now);

  const limits: TurnLimits & { budget: DailyBudget } = {
    budget,
    admit(sessionId, ip, minTokens) {
      if (perSession) {
        const decision = perSession.take(sessionId);
        if (!decision.allowed) {
          throw rateLimited(decision.retryAfterSeconds, {
            limit: decision.limit,
            remaining: decision.remaining,
            resetSeconds: decision.resetSeconds,
          });
        }
      }
      const scope = budget.exhausted(sessionId, ip, minTokens);
      if (scope) throw budgetExhausted(scope, budget.secondsUntilReset());
    },
    reserve(sessionId, ip, tokens) {
      const result = budget.reserve(sessionId, ip, tokens);
      if ('refused' in result) throw budgetExhausted(result.refused, budget.secondsUntilReset());
      return result.reservation;
    },
  };
  return limits;
}
