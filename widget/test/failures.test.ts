import { describe, expect, it } from 'bun:test';
import { describeFailure, parseRetryAfter } from '../src/lib/failures.ts';

describe('failure messages', () => {
  it('tells a rate-limited visitor how long to wait', () => {
    expect(describeFailure({ kind: 'http', status: 429, code: 'rate_limited', retryAfterSeconds: 42 })).toEqual({ key: 'errorRateLimited', seconds: 42, retryable: true });
    expect(describeFailure({ kind: 'http', status: 429, retryAfterSeconds: null }).key).toBe('errorUnavailable');
  });

  it('reads a spent budget as a temporary outage, not as the visitor going too fast', () => {
    expect(describeFailure({ kind: 'http', status: 429, code: 'budget_exhausted', retryAfterSeconds: 3600 }).key).toBe('errorUnavailable');
  });

  it('says the chat is misconfigured for key, origin and missing-LLM problems, without a pointless Retry', () => {
    for (const [status, code] of [[401, 'invalid_api_key'], [401, 'missing_api_key'], [403, 'origin_not_allowed'], [503, 'llm_not_configured']] as const) {
      expect(describeFailure({ kind: 'http', status, code })).toEqual({ key: 'errorConfig', retryable: false });
    }
  });

  it('asks to change a message the server refused as invalid or too large', () => {
    expect(describeFailure({ kind: 'http', status: 400, code: 'validation_failed' })).toEqual({ key: 'errorInvalidMessage', retryable: false });
    expect(describeFailure({ kind: 'http', status: 413 }).key).toBe('errorInvalidMessage');
  });

  it('separates an unavailable model from our own server errors', () => {
    expect(describeFailure({ kind: 'http', status: 502, code: 'upstream_error' }).key).toBe('errorUnavailable');
    expect(describeFailure({ kind: 'http', status: 504, code: 'upstream_timeout' }).key).toBe('errorUnavailable');
    expect(describeFailure({ kind: 'stream', code: 'upstream_rate_limited' }).key).toBe('errorUnavailable');
    expect(describeFailure({ kind: 'http', status: 500, code: 'internal_error' })).toEqual({ key: 'errorServer', retryable: true });
    expect(describeFailure({ kind: 'stream' }).key).toBe('errorServer');
  });

  it('says offline when the browser is offline, and unreachable otherwise', () => {
    expect(describeFailure({ kind: 'network', online: false })).toEqual({ key: 'errorOffline', retryable: true });
    expect(describeFailure({ kind: 'network', online: true }).key).toBe('errorUnavailable');
  });

  it('reads Retry-After seconds and ignores anything else', () => {
    expect(parseRetryAfter('30')).toBe(30);
    expect(parseRetryAfter(' 7 ')).toBe(7);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });
});
