/** Maps what went wrong with a chat request to the message the visitor reads and whether Retry makes sense. */
import type { MessageKey } from '../i18n/index.ts';

export type ChatFailure =
  /** The API answered an error status before the stream started. */
  | { kind: 'http'; status: number; code?: string; retryAfterSeconds?: number | null }
  /** The stream started, then ended with an `error` line (or was cut / unreadable). */
  | { kind: 'stream'; code?: string }
  /** fetch itself failed: no answer at all. */
  | { kind: 'network'; online: boolean };

export interface FailureMessage {
  key: MessageKey;
  /** For rate limits: how long to wait, when the server said. */
  seconds?: number;
  retryable: boolean;
}

const CONFIG_CODES = new Set(['invalid_api_key', 'missing_api_key', 'origin_not_allowed', 'llm_not_configured']);

/** The API sends Retry-After as delta-seconds; anything else (an HTTP date from some proxy) is ignored. */
export function parseRetryAfter(header: string | null): number | null {
  return header && /^\s*\d+\s*$/.test(header) ? Number(header) : null;
}

export function describeFailure(failure: ChatFailure): FailureMessage {
  if (failure.kind === 'network') {
    return { key: failure.online ? 'errorUnavailable' : 'errorOffline', retryable: true };
  }
  const code = failure.code ?? '';
  const status = failure.kind === 'http' ? failure.status : 0;
  // A spent budget is not the visitor's doing: it reads like any temporary outage.
  if (code === 'budget_exhausted') return { key: 'errorUnavailable', retryable: true };
  if (code === 'rate_limited' || status === 429) {
    const seconds = failure.kind === 'http' ? failure.retryAfterSeconds : null;
    // Without a Retry-After there is no honest wait to show; it then reads like a short outage.
    return seconds ? { key: 'errorRateLimited', seconds, retryable: true } : { key: 'errorUnavailable', retryable: true };
  }
  if (CONFIG_CODES.has(code) || status === 401 || status === 403) return { key: 'errorConfig', retryable: false };
  if (code === 'validation_failed' || status === 400 || status === 413 || status === 422) {
    return { key: 'errorInvalidMessage', retryable: false };
  }
  if (code.startsWith('upstream_') || status === 502 || status === 503 || status === 504) {
    return { key: 'errorUnavailable', retryable: true };
  }
  return { key: 'errorServer', retryable: true };
}
