/**
 * Daily spend caps in model tokens, per session, per client IP and for the whole deployment, so a public widget key
 * cannot be used to run up the owner's bill. Counted in memory per process (per replica) and reset at 00:00 UTC.
 */
import { evictOldest } from './bounded-map.ts';
import { clientKey } from './client-ip.ts';

export interface BudgetLimits {
  tokensPerSessionPerDay: number;
  tokensPerIpPerDay: number;
  tokensPerDay: number;
}

export type BudgetScope = 'session' | 'ip' | 'deployment';

export class DailyBudget {
  private day = '';
  private readonly bySession = new Map<string, number>();
  private readonly byIp = new Map<string, number>();
  private total = 0;
  /** With every budget off nothing is counted: no Map is written on the hot path for a cap that does not exist. */
  private readonly enabled: boolean;

  constructor(
    private readonly limits: BudgetLimits,
    private readonly maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {
    this.enabled = limits.tokensPerDay > 0 || limits.tokensPerIpPerDay > 0 || limits.tokensPerSessionPerDay > 0;
  }

  /** The first scope that has no tokens left today, or null. */
  exhausted(sessionId: string, ip: string): BudgetScope | null {
    if (!this.enabled) return null;
    this.rollDay();
    const { tokensPerDay, tokensPerIpPerDay, tokensPerSessionPerDay } = this.limits;
    if (tokensPerDay > 0 && this.total >= tokensPerDay) return 'deployment';
    if (tokensPerIpPerDay > 0 && (this.byIp.get(clientKey(ip)) ?? 0) >= tokensPerIpPerDay) return 'ip';
    if (tokensPerSessionPerDay > 0 && (this.bySession.get(sessionId) ?? 0) >= tokensPerSessionPerDay) return 'session';
    return null;
  }

  spend(sessionId: string, ip: string, tokens: number): void {
    if (tokens <= 0 || !this.enabled) return;
    this.rollDay();
    this.total += tokens;
    add(this.bySession, sessionId, tokens, this.maxKeys);
    add(this.byIp, clientKey(ip), tokens, this.maxKeys);
  }

  /** Gives back tokens reserved for a turn that used fewer (or never ran); never below zero. */
  refund(sessionId: string, ip: string, tokens: number): void {
    if (tokens <= 0 || !this.enabled) return;
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
