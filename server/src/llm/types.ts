/** What the chat turn needs from a model provider; `openai.ts` is the real one. */
import type { TokenUsage } from './usage.ts';

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export type LlmEvent =
  | { type: 'token'; text: string }
  | { type: 'finish'; finishReason: string | null; usage: TokenUsage | null };

export interface LlmProvider {
  readonly model: string;
  /** Streams the reply. Aborting `signal` stops the upstream request at once. Failures throw `LlmError`. */
  stream(messages: LlmMessage[], signal: AbortSignal): AsyncIterable<LlmEvent>;
  /** Cheap readiness information (no network call). */
  describe(): { model: string; baseUrl: string };
}

export type LlmErrorCode =
  | 'upstream_auth_failed'
  | 'upstream_rate_limited'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'upstream_rejected'
  | 'upstream_aborted';

/** HTTP status the API answers for each upstream failure (the visitor did nothing wrong: 5xx). */
export const LLM_ERROR_STATUS: Record<LlmErrorCode, number> = {
  upstream_auth_failed: 502,
  upstream_rate_limited: 503,
  upstream_unavailable: 502,
  upstream_timeout: 504,
  upstream_rejected: 502,
  upstream_aborted: 499,
};

export class LlmError extends Error {
  constructor(
    readonly code: LlmErrorCode,
    message: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'LlmError';
  }
}
