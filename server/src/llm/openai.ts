/** The LLM provider on the official `openai` SDK: OpenAI itself or any OpenAI-compatible server (OPENAI_BASE_URL). */
import OpenAI from 'openai';
import type { LlmConfig } from '../config.ts';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { createChatCall } from './chat-call.ts';
import { SseReader, type SseMessage } from './sse.ts';
import type { TokenUsage } from './usage.ts';
import { LlmError, type LlmEvent, type LlmMessage, type LlmProvider } from './types.ts';

export interface OpenAiProviderOptions {
  config: LlmConfig;
  /** Tests pass 0 so a scripted failure is seen once. */
  maxRetries?: number;
  fetch?: typeof fetch;
}

type AbortReason = 'client' | 'idle' | 'timeout';

/**
 * The whole-request limit and the idle limit between chunks on one timer, re-armed only when it fires: a chunk just
 * notes the time, where a clearTimeout/setTimeout pair per token was measurable at hundreds of streams.
 * The idle clock starts when the reply starts streaming (its headers arrive): until then the call is connecting or
 * queued, and only the whole-request limit applies. Counted from the call's start, a short idle limit on a busy
 * machine expired before the model had even been reached.
 */
class StreamDeadlines {
  /** Infinity until the reply starts streaming: no idle limit before that. */
  private lastChunk = Number.POSITIVE_INFINITY;
  private readonly requestDeadline: number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    requestTimeoutMs: number,
    private readonly idleTimeoutMs: number,
    private readonly expire: (why: AbortReason) => void,
  ) {
    this.requestDeadline = performance.now() + requestTimeoutMs;
    this.arm();
  }

  /** Starts the idle clock: once per call, so it may re-arm the timer. */
  streamStarted(): void {
    this.lastChunk = performance.now();
    clearTimeout(this.timer);
    this.arm();
  }

  chunkArrived(): void {
    this.lastChunk = performance.now();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private arm = (): void => {
    const now = performance.now();
    if (now >= this.requestDeadline) return this.expire('timeout');
    const idleAt = this.lastChunk + this.idleTimeoutMs;
    if (now >= idleAt) return this.expire('idle');
    this.timer = setTimeout(this.arm, Math.ceil(Math.min(this.requestDeadline, idleAt) - now));
  };
}

export function createOpenAiProvider({ config, maxRetries = 2, fetch: fetchImpl }: OpenAiProviderOptions): LlmProvider {
  const client = new OpenAI({
    // Local OpenAI-compatible servers (Ollama, vLLM, LM Studio) need no key, but the SDK insists on one.
    apiKey: config.apiKey ?? 'not-needed',
    baseURL: config.baseUrl ?? undefined,
    timeout: config.requestTimeoutMs,
    maxRetries,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  const baseUrl = config.baseUrl ?? 'https://api.openai.com/v1';
  // Everything but the messages is the same for every turn.
  const requestTemplate = {
    model: config.model,
    stream: true as const,
    stream_options: { include_usage: true },
    temperature: config.temperature,
    max_completion_tokens: config.maxOutputTokens,
  };
  const call = createChatCall(client, requestTemplate, fetchImpl);

  return {
    model: config.model,
    describe: () => ({ model: config.model, baseUrl }),
    async *stream(messages: LlmMessage[], signal: AbortSignal): AsyncIterable<LlmEvent> {
      // One controller for the caller's abort, the whole-request timeout and the idle timeout between chunks.
      const controller = new AbortController();
      let reason: AbortReason | null = null;
      const abort = (why: AbortReason) => {
        reason ??= why;
        controller.abort();
      };
      const onClientAbort = () => abort('client');
      if (signal.aborted) onClientAbort();
      signal.addEventListener('abort', onClientAbort);
      const deadlines = new StreamDeadlines(config.requestTimeoutMs, config.idleTimeoutMs, abort);

      try {
        // The SDK builds the request (once), and retries and turns error statuses into its errors (chat-call.ts); the
        // body is read here with a lean SSE reader, which measured cheaper than the SDK's Stream per chunk.
        const response = await call(messages, controller.signal);
        deadlines.streamStarted();
        let finishReason: string | null = null;
        let usage: TokenUsage | null = null;
        if (response.body) {
          const sse = new SseReader(response.body);
          try {
            reading: for (let batch = await sse.next(); batch !== null; batch = await sse.next()) {
              deadlines.chunkArrived();
              for (const message of batch) {
                if (message.data === '[DONE]') break reading;
                const chunk = parseChunk(message, response.headers);
                const choice = chunk.choices?.[0];
                const text = choice?.delta?.content;
                if (text) yield { type: 'token', text };
                if (choice?.finish_reason) finishReason = choice.finish_reason;
                if (chunk.usage) {
                  usage = {
                    promptTokens: chunk.usage.prompt_tokens,
                    completionTokens: chunk.usage.completion_tokens,
                    totalTokens: chunk.usage.total_tokens,
                  };
                }
              }
            }
          } finally {
            await sse.cancel();
          }
        }
        if (reason) throw toLlmError(new Error('aborted'), reason);
        if (finishReason === null) {
          // A connection closed before the reply was complete is a failure, not a reply.
          throw new LlmError('upstream_unavailable', 'The model server closed the connection before the reply was complete.');
        }
        yield { type: 'finish', finishReason, usage };
      } catch (error) {
        throw toLlmError(error, reason);
      } finally {
        deadlines.stop();
        signal.removeEventListener('abort', onClientAbort);
      }
    },
  };
}

/** One streamed chunk; an error payload mid-stream is thrown as the SDK's own `APIError` would be. */
function parseChunk(message: SseMessage, headers: Headers): ChatCompletionChunk {
  const data = JSON.parse(message.data) as ChatCompletionChunk & { error?: unknown };
  if (message.event === 'error') throw new OpenAI.APIError(undefined, (data as { error?: object }).error ?? data, undefined, headers);
  if (data && data.error) throw new OpenAI.APIError(undefined, data.error as object, undefined, headers);
  return data;
}

function retryAfter(headers: Headers | undefined): number | null {
  const value = headers?.get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Maps whatever the SDK threw to one clear error; never leaks the upstream's own message (it may echo the key). */
export function toLlmError(error: unknown, reason: 'client' | 'idle' | 'timeout' | null): LlmError {
  if (error instanceof LlmError) return error;
  if (reason === 'client') return new LlmError('upstream_aborted', 'The request was stopped by the client.');
  if (reason === 'idle') return new LlmError('upstream_timeout', 'The model stopped sending its reply (idle timeout).');
  if (reason === 'timeout' || error instanceof OpenAI.APIConnectionTimeoutError) {
    return new LlmError('upstream_timeout', 'The model did not answer in time.');
  }
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
    return new LlmError('upstream_auth_failed', 'The model server refused the configured API key (check OPENAI_API_KEY).');
  }
  if (error instanceof OpenAI.RateLimitError) {
    return new LlmError('upstream_rate_limited', 'The model provider is rate limiting this server; try again shortly.', retryAfter(error.headers));
  }
  if (error instanceof OpenAI.NotFoundError || error instanceof OpenAI.BadRequestError || error instanceof OpenAI.UnprocessableEntityError) {
    return new LlmError('upstream_rejected', 'The model server rejected the request (check OPENAI_MODEL and OPENAI_BASE_URL).');
  }
  if (error instanceof OpenAI.APIError && typeof error.status === 'number' && error.status >= 500) {
    return new LlmError('upstream_unavailable', 'The model server had an error; try again shortly.');
  }
  return new LlmError('upstream_unavailable', 'The model server could not be reached.');
}
