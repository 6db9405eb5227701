/**
 * Daily spend caps in model tokens, per session, per client IP and for the whole deployment, so a public widget key
 * cannot be used to run up the owner's bill. Counted in memory per process and reset at 00:00 UTC.
 *
 * A turn reserves its worst case (the prompt as sent plus the longest reply) before the model is called, in one
 * synchronous step that checks every scope and records the reservation, so turns started in parallel cannot all slip
 * under a nearly spent cap. The reservation is settled against the real cost when the turn ends.
 */
import { evictOldest } from './bounded-map.ts';
import { clientKey } from './client-ip.ts';

export interface BudgetLimits {
  tokensPerSessionPerDay: number;
  tokensPerIpPerDay: number;
  tokensPerDay: number;
}

export type { BudgetScope } from '../shared/conversation.ts';
import type { BudgetScope } from '../shared/conversation.ts';

export interface BudgetReservation {
  /** Replaces the reserved tokens by what the turn really cost. Idempotent with `cancel`: the first call wins. */
  settle(actualTokens: number): void;
  /** Gives the whole reservation back (the turn never reached the model). */
  cancel(): void;
}

export const NO_RESERVATION: BudgetReservation = { settle() {}, cancel() {} };

export class DailyBudget {
  private day = '';
  private readonly bySession = new Map<string, number>();
  private readonly byIp = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly limits: BudgetLimits,
    private readonly maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when no cap is set: the budget then records nothing at all. */
  get off(): boolean {
    const { tokensPerDay, tokensPerIpPerDay, tokensPerSessionPerDay } = this.limits;
    return tokensPerDay <= 0 && tokensPerIpPerDay <= 0 && tokensPerSessionPerDay <= 0;
  }

  /** The first scope that cannot take `tokens` more today (0: that has none left), or null. */
  exhausted(sessionId: string, ip: string, tokens = 0): BudgetScope | null {
    if (this.off) return null;
    this.rollDay();
    const { tokensPerDay, tokensPerIpPerDay, tokensPerSessionPerDay } = this.limits;
    const over = (used: number, cap: number) => cap > 0 && (tokens > 0 ? used + tokens > cap : used >= cap);
    if (over(this.total, tokensPerDay)) return 'deployment';
    if (over(this.byIp.get(clientKey(ip)) ?? 0, tokensPerIpPerDay)) return 'ip';
    if (over(this.bySession.get(sessionId) ?? 0, tokensPerSessionPerDay)) return 'session';
    return null;
  }

  /**
   * Checks and records in one synchronous step (no await between): returns null and a reservation when `tokens` fit
   * in every scope, or the scope they do not fit in.
   */
  reserve(sessionId: string, ip: string, tokens: number): { refused: BudgetScope } | { reservation: BudgetReservation } {
    if (this.off) return { reservation: NO_RESERVATION };
    const refused = this.exhausted(sessionId, ip, tokens);
    if (refused) return { refused };
    this.spend(sessionId, ip, tokens);
    const day = this.day;
    let open = true;
    const close = (actual: number) => {
      if (!open) return;
      open = false;
      // A reservation made yesterday was cleared with yesterday's counts: settle only today's.
      if (this.day !== day) return this.spend(sessionId, ip, actual);
      if (actual > tokens) this.spend(sessionId, ip, actual - tokens);
      else this.refund(sessionId, ip, tokens - actual);
    };
    return { reservation: { settle: (actual) => close(Math.max(0, actual)), cancel: () => close(0) } };
  }

  spend(sessionId: string, ip: string, tokens: number): void {
    if (tokens <= 0 || this.off) return;
    this.rollDay();
    this.total += tokens;
    add(this.bySession, sessionId, tokens, this.maxKeys);
    add(this.byIp, clientKey(ip), tokens, this.maxKeys);
  }

  /** Gives back tokens reserved for a turn that used fewer (or never ran); never below zero. */
  private refund(sessionId: string, ip: string, tokens: number): void {
    if (tokens <= 0) return;
    this.rollDay();
    this.total = Math.max(0, this.total - tokens);
    for (const [map, key] of [[this.bySession, sessionId], [this.byIp, clientKey(ip)]] as const) {
      const value = map.get(key);
      if (value !== undefined) map.set(key, Math.max(0, value - tokens));
    }
  }

  /** Seconds until the budgets reset (next 00:00 UTC). */
  secondsUntilReset(): number {
    const now = this.now();
    const next = new Date(now);
    next.setUTCHours(24, 0, 0, 0);
    return Math.max(1, Math.ceil((next.getTime() - now) / 1000));
  }

  /** Distinct sessions and client networks remembered today (bounded by maxKeys each). */
  get trackedKeys(): { sessions: number; ips: number } {
    return { sessions: this.bySession.size, ips: this.byIp.size };
  }

  private rollDay() {
    const day = new Date(this.now()).toISOString().slice(0, 10);
    if (day === this.day) return;
    this.day = day;
    this.bySession.clear();
    this.byIp.clear();
    this.total = 0;
  }
}

function add(map: Map<string, number>, key: string, tokens: number, maxKeys: number) {
  const value = (map.get(key) ?? 0) + tokens;
  map.delete(key);
  map.set(key, value);
  // Dropping the least recently active keys forgets their spend: bounded memory beats perfect accounting here,
  // and the deployment-wide cap still holds.
  evictOldest(map, maxKeys);
}
