/** The LLM provider on the official `openai` SDK: OpenAI itself or any OpenAI-compatible server (OPENAI_BASE_URL). */
import OpenAI from 'openai';
import type { LlmConfig } from '../config.ts';
import type { TokenUsage } from './usage.ts';
import { LlmError, type LlmEvent, type LlmMessage, type LlmProvider } from './types.ts';

export interface OpenAiProviderOptions {
  config: LlmConfig;
  /** Tests pass 0 so a scripted failure is seen once. */
  maxRetries?: number;
  fetch?: typeof fetch;
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

  return {
    model: config.model,
    describe: () => ({ model: config.model, baseUrl }),
    async *stream(messages: LlmMessage[], signal: AbortSignal): AsyncIterable<LlmEvent> {
      // One controller for the caller's abort, the whole-request timeout and the idle timeout between tokens.
      const controller = new AbortController();
      let reason: 'client' | 'idle' | 'timeout' | null = null;
      const abort = (why: 'client' | 'idle' | 'timeout') => {
        reason ??= why;
        controller.abort();
      };
      const onClientAbort = () => abort('client');
      if (signal.aborted) onClientAbort();
      signal.addEventListener('abort', onClientAbort);
      const requestTimer = setTimeout(() => abort('timeout'), config.requestTimeoutMs);
      let idleTimer = setTimeout(() => abort('idle'), config.idleTimeoutMs);
      const resetIdle = () => {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => abort('idle'), config.idleTimeoutMs);
      };

      try {
        const completion = await client.chat.completions.create(
          {
            model: config.model,
            messages,
            stream: true,
            stream_options: { include_usage: true },
            temperature: config.temperature,
            max_completion_tokens: config.maxOutputTokens,
          },
          { signal: controller.signal },
        );
        let finishReason: string | null = null;
        let usage: TokenUsage | null = null;
        for await (const chunk of completion) {
          resetIdle();
          const choice = chunk.choices[0];
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
        if (reason) throw toLlmError(new Error('aborted'), reason);
        if (finishReason === null) {
          // The SDK ends quietly when the connection closes before [DONE]: a cut stream is a failure, not a reply.
          throw new LlmError('upstream_unavailable', 'The model server closed the connection before the reply was complete.');
        }
        yield { type: 'finish', finishReason, usage };
      } catch (error) {
        throw toLlmError(error, reason);
      } finally {
        clearTimeout(requestTimer);
        clearTimeout(idleTimer);
        signal.removeEventListener('abort', onClientAbort);
      }
    },
  };
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
