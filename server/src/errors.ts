/**
 * Refusals of the domain (a chat turn, limits and budgets): a stable code and a sentence for humans, no HTTP.
 * http/errors.ts is the one place that turns a code into a status and headers.
 */

export const DOMAIN_ERROR_CODES = [
  'llm_not_configured',
  'validation_failed',
  'rate_limited',
  'budget_exhausted',
  'interrupted',
] as const;
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export interface RateLimitState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** When to try again, for refusals that pass (rate limits, budgets). */
    readonly retryAfterSeconds: number | null = null,
    readonly rateLimit: RateLimitState | null = null,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
