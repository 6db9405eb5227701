/**
 * One chat turn, as ARCHITECTURE §1: store the visitor's message (and a reply placeholder) before the model is
 * called, stream the reply, then store it with its final status — `complete`, `stopped` (client went away) or
 * `error` (partial text kept). Knows nothing of HTTP: the routes give it plain values and an `emit` callback.
 */
import type { AppConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { LlmError, type LlmProvider } from '../llm/types.ts';
import type { DailyBudget } from '../security/budget.ts';
import type { ChatStore, MessageStatus, TokenUsage } from '../store/chat-store.ts';
import { buildModelMessages, estimateTokens } from './history.ts';
import type { DoneEvent, ErrorEvent, StartEvent, StreamEvent } from './schemas.ts';

export interface TurnInput {
  sessionId: string;
  message: string;
  pageUrl?: string | null;
  origin?: string | null;
  userAgent?: string | null;
  clientIp: string;
  /** Tokens already taken from the daily budgets for this turn; settled against the real cost at the end. */
  reservedTokens?: number;
}

export type TurnOutcome =
  | { status: 'complete'; event: DoneEvent }
  | { status: 'error'; event: ErrorEvent; error: LlmError }
  | { status: 'stopped' };

export interface Turn {
  start: StartEvent;
  /** Runs the model call to its end. Always resolves; the reply is stored whatever happens. */
  run(signal: AbortSignal, emit: (event: StreamEvent) => void): Promise<TurnOutcome>;
}

export interface ChatServiceDeps {
  config: AppConfig;
  store: ChatStore;
  llm: LlmProvider | null;
  budget: DailyBudget;
  logger: Logger;
  now?: () => number;
}

export const LLM_NOT_CONFIGURED = new AppError(
  503,
  'llm_not_configured',
  'No language model is configured on this server: set OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server) and restart it.',
);

export function createChatService({ config, store, llm, budget, logger, now = Date.now }: ChatServiceDeps) {
  async function begin(input: TurnInput): Promise<Turn> {
    if (!llm) throw LLM_NOT_CONFIGURED;
    const content = input.message.trim();
    if (!content) throw new AppError(400, 'validation_failed', 'The message is empty.');

    const started = await store.startTurn({
      sessionId: input.sessionId,
      content,
      origin: input.origin ?? null,
      pageUrl: input.pageUrl ?? null,
      userAgent: input.userAgent ?? null,
      model: llm.model,
      historyLimit: config.chat.maxHistoryMessages,
      now: now(),
    });
    const conversationId = started.conversation.id;
    const messageId = started.assistantMessage.id;
    const modelMessages = buildModelMessages(started.history, config.chat);

    async function run(signal: AbortSignal, emit: (event: StreamEvent) => void): Promise<TurnOutcome> {
      const provider = llm!;
      const startedAt = performance.now();
      let text = '';
      let firstTokenMs: number | null = null;
      let finishReason: string | null = null;
      let usage: TokenUsage | null = null;
      let failure: LlmError | null = null;

      try {
        for await (const event of provider.stream(modelMessages, signal)) {
          if (event.type === 'token') {
            firstTokenMs ??= Math.round(performance.now() - startedAt);
            text += event.text;
            emit({ type: 'token', token: event.text });
          } else {
            finishReason = event.finishReason;
            usage = event.usage;
          }
        }
      } catch (error) {
        failure = error instanceof LlmError ? error : new LlmError('upstream_unavailable', 'The model server could not be reached.');
        if (!(error instanceof LlmError)) logger.error('model call failed', { conversationId, error: String(error) });
      }

      const status: Exclude<MessageStatus, 'streaming'> = signal.aborted ? 'stopped' : failure ? 'error' : 'complete';
      budget.spend(input.sessionId, input.clientIp, usage?.totalTokens ?? estimateTokens(modelMessages, text));
      budget.refund(input.sessionId, input.clientIp, input.reservedTokens ?? 0);
      try {
        await store.finishTurn({
          assistantMessageId: messageId,
          content: text,
          status,
          model: provider.model,
          usage,
          finishReason,
          errorCode: status === 'error' ? failure!.code : null,
          firstTokenMs,
          totalMs: Math.round(performance.now() - startedAt),
          now: now(),
        });
      } catch (error) {
        // The placeholder stays `streaming` and is marked interrupted at the next boot: logged, not lost silently.
        logger.error('could not store the assistant reply', { conversationId, messageId, error: String(error) });
      }

      if (status === 'stopped') return { status };
      if (status === 'error') {
        const event: ErrorEvent = { type: 'error', error: failure!.message, code: failure!.code, conversationId, messageId };
        emit(event);
        return { status, event, error: failure! };
      }
      const event: DoneEvent = { type: 'done', message: text, conversationId, messageId, finishReason, usage };
      emit(event);
      return { status, event };
    }

    return {
      start: { type: 'start', conversationId, messageId, userMessageId: started.userMessage.id },
      run,
    };
  }

  return { begin };
}

export type ChatService = ReturnType<typeof createChatService>;
