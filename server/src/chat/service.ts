/**
 * One chat turn (docs/ARCHITECTURE.md, "A chat turn"): pass the session's limits, store the visitor's message (and a
 * reply placeholder) before the model is called, reserve the turn's worst case in the token budgets, stream the reply,
 * then store it with its final status — `complete`, `stopped` (client went away) or `error` (partial text kept) —
 * and settle the budgets with what it really cost. Knows nothing of HTTP: the routes give it plain values and an
 * `emit` callback, and it throws `DomainError`s.
 */
import type { AppConfig } from '../config.ts';
import { DomainError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { LlmError, type LlmProvider } from '../llm/types.ts';
import type { TokenUsage } from '../llm/usage.ts';
import type { BudgetReservation } from '../security/budget.ts';
import type { TurnLimits } from '../security/turn-limits.ts';
import type { FinalMessageStatus } from '../shared/conversation.ts';
import { estimateTokens } from '../shared/tokens.ts';
import type { ChatStore } from '../store/chat-store.ts';
import type { TurnRegistry } from './turn-registry.ts';
import type { TurnKnowledge } from '../knowledge/turn.ts';
import { buildModelMessages, countPromptChars } from './history.ts';
import { storablePageUrl } from './page-url.ts';
import type { DoneEvent, ErrorEvent, StartEvent, StreamEvent } from './schemas.ts';

export interface TurnInput {
  sessionId: string;
  message: string;
  pageUrl?: string | null;
  origin?: string | null;
  userAgent?: string | null;
  clientIp: string;
}

export type TurnOutcome =
  | { status: 'complete'; event: DoneEvent }
  | { status: 'error'; event: ErrorEvent; error: LlmError | DomainError }
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
  limits: TurnLimits;
  logger: Logger;
  now?: () => number;
  /** The knowledge base's part of a turn (retrieval, citations); absent: no retrieval. */
  knowledge?: TurnKnowledge | null;
  /** Running turns, so that a shutdown can let them finish (index.ts); absent: none are tracked. */
  turns?: TurnRegistry | null;
}

/** A reply cut because this server process is shutting down (a deploy or a restart), not by the visitor. */
export const SERVER_STOPPING = new DomainError(
  'interrupted',
  'The server restarted before the reply was complete; send your message again.',
  5,
);

export const LLM_NOT_CONFIGURED = new DomainError(
  'llm_not_configured',
  'No language model is configured on this server: set OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server) and restart it.',
);

export function createChatService({ config, store, llm, limits, logger, now = Date.now, knowledge = null, turns = null }: ChatServiceDeps) {
  const maxOutputTokens = config.llm?.maxOutputTokens ?? 0;

  /** After the message is stored: the real prompt plus the longest reply, or the reply is marked refused. */
  async function reserveTurn(input: TurnInput, promptChars: number, assistantMessageId: string): Promise<BudgetReservation> {
    try {
      return await limits.reserve(input.sessionId, input.clientIp, estimateTokens(promptChars) + maxOutputTokens);
    } catch (error) {
      // The visitor's message stays stored; the reply says why it never came.
      const errorCode = error instanceof DomainError ? error.code : 'budget_exhausted';
      await store.finishTurn({ assistantMessageId, content: '', status: 'error', model: llm?.model ?? null, errorCode, now: now() }).catch((storeError) => {
        logger.error('could not store a refused reply', { assistantMessageId, error: String(storeError) });
      });
      throw error;
    }
  }

  async function begin(input: TurnInput): Promise<Turn> {
    if (!llm) throw LLM_NOT_CONFIGURED;
    const content = input.message.trim();
    if (!content) throw new DomainError('validation_failed', 'The message is empty.');
    // The turn without its history: refused here, before anything is stored, once even that no longer fits.
    const minTokens = estimateTokens(config.chat.systemPrompt.length + content.length) + maxOutputTokens;
    await limits.admit(input.sessionId, input.clientIp, minTokens);

    const started = await store.startTurn({
      sessionId: input.sessionId,
      content,
      origin: input.origin ?? null,
      pageUrl: storablePageUrl(input.pageUrl),
      userAgent: input.userAgent ?? null,
      model: llm.model,
      historyLimit: config.chat.maxHistoryMessages,
      now: now(),
      admission: { clientIp: input.clientIp, minTokens, maxOutputTokens },
    });
    const conversationId = started.conversation.id;
    const messageId = started.assistantMessage.id;
    // Retrieval never fails a turn (it degrades to full-text, then to none); its passages count in the reservation.
    const passages = knowledge ? await knowledge.retrieve(content) : [];
    const modelMessages = knowledge ? knowledge.withInstruction(buildModelMessages(started.history, config.chat), passages) : buildModelMessages(started.history, config.chat);
    const recorded = knowledge ? knowledge.record(messageId, passages) : Promise.resolve();
    const promptChars = countPromptChars(modelMessages);
    const reservation = await reserveTurn(input, promptChars, messageId);

    function run(clientSignal: AbortSignal, emit: (event: StreamEvent) => void): Promise<TurnOutcome> {
      const outcome = runToEnd(clientSignal, emit);
      turns?.track(outcome);
      return outcome;
    }

    async function runToEnd(clientSignal: AbortSignal, emit: (event: StreamEvent) => void): Promise<TurnOutcome> {
      const provider = llm!;
      const signal = turns ? AbortSignal.any([clientSignal, turns.stopping]) : clientSignal;
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

      const cutByServer = turns !== null && turns.stopping.aborted && !clientSignal.aborted;
      const status: FinalMessageStatus = cutByServer ? 'error' : signal.aborted ? 'stopped' : failure ? 'error' : 'complete';
      const problem: LlmError | DomainError | null = cutByServer ? SERVER_STOPPING : failure;
      // A stopped or failed call may still have been billed for what it produced: count what was sent and received.
      const spentTokens = usage?.totalTokens ?? estimateTokens(promptChars + text.length);
      reservation.settle(spentTokens);
      try {
        await store.finishTurn({
          spentTokens,
          assistantMessageId: messageId,
          content: text,
          status,
          model: provider.model,
          usage,
          finishReason,
          errorCode: status === 'error' ? problem!.code : null,
          firstTokenMs,
          totalMs: Math.round(performance.now() - startedAt),
          now: now(),
        });
      } catch (error) {
        // The placeholder stays `streaming` and is marked interrupted at the next boot: logged, not lost silently.
        logger.error('could not store the assistant reply', { conversationId, messageId, error: String(error) });
      }

      await recorded;
      if (status === 'stopped') return { status };
      if (status === 'error') {
        const event: ErrorEvent = { type: 'error', error: problem!.message, code: problem!.code, conversationId, messageId };
        emit(event);
        return { status, event, error: problem! };
      }
      const sources = knowledge ? knowledge.citations(text, passages) : [];
      const event: DoneEvent = { type: 'done', message: text, conversationId, messageId, finishReason, usage, sources };
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
