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
