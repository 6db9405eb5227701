/** Chat HTTP surface: the widget's `/chat`, the headless `/v1/chat` and `/v1/chat/stream`, history and feedback. */
import { Elysia } from 'elysia';
import type { AppConfig } from '../config.ts';
import { AppError, commonErrors, ErrorBody } from '../errors.ts';
import { consume, reserveBudget, widgetAccess, type Limiters } from '../http/access.ts';
import type { ChatStore } from '../store/chat-store.ts';
import { ChatReply, chatRequestSchema, FeedbackReply, FeedbackRequest, HistoryReply, HistoryRequest, StreamEvents } from './schemas.ts';
import { streamTurn } from './ndjson.ts';
import type { ChatService, TurnInput } from './service.ts';
import { LLM_ERROR_STATUS } from '../llm/types.ts';

interface ChatRouteDeps {
  config: AppConfig;
  store: ChatStore;
  service: ChatService;
  limiters: Limiters;
}

type Headers = Record<string, string>;

export function chatRoutes({ config, store, service, limiters }: ChatRouteDeps) {
  const ChatRequest = chatRequestSchema(config.chat.maxMessageChars);
  const streamDoc = {
    body: ChatRequest,
    response: { 200: StreamEvents, ...commonErrors, 502: ErrorBody, 504: ErrorBody },
  };

  const turnInput = (body: typeof ChatRequest.static, request: Request, clientIp: string, reservedTokens: number): TurnInput => ({
    sessionId: body.sessionId,
    reservedTokens,
    message: body.message,
    pageUrl: body.pageUrl ?? request.headers.get('referer'),
    origin: request.headers.get('origin'),
    userAgent: request.headers.get('user-agent')?.slice(0, 512) ?? null,
    clientIp,
  });

  /** Per-session bucket and daily budgets: after validation, since both need the sessionId. */
  const admit = (body: typeof ChatRequest.static, clientIp: string, set: { headers: Record<string, unknown> }) => {
    consume(limiters.chatPerSession, body.sessionId, set, 'messages in this conversation');
    // Reserve the message and a full-length reply; history is left out so small budgets stay usable.
    const worstCase = Math.ceil(body.message.length / 4) + (config.llm?.maxOutputTokens ?? 0);
    return reserveBudget(limiters, body.sessionId, clientIp, worstCase);
  };

  /** Starts the turn, giving the reservation back if it never starts (store down, no model configured). */
  const begin = async (body: typeof ChatRequest.static, request: Request, clientIp: string, set: { headers: Record<string, unknown> }) => {
    const reserved = admit(body, clientIp, set);
    try {
      return await service.begin(turnInput(body, request, clientIp, reserved));
    } catch (error) {
      limiters.budget.refund(body.sessionId, clientIp, reserved);
      throw error;
    }
  };

  const stream = async ({ body, request, set, clientIp }: { body: typeof ChatRequest.static; request: Request; set: { headers: Record<string, unknown> }; clientIp: string }) => {
    const turn = await begin(body, request, clientIp, set);
    return streamTurn(turn, request.signal, set.headers as Headers);
  };

  return new Elysia({ name: 'chat-routes', seed: config })
    .use(widgetAccess({ config, limiters }))
    .post('/chat', (context) => stream(context as never), {
      ...streamDoc,
      detail: { tags: ['Chat'], summary: 'Chat turn, streamed (the widget\'s route)', description: 'Same as POST /v1/chat/stream. Answers application/x-ndjson.' },
    })
    .post('/v1/chat/stream', (context) => stream(context as never), {
      ...streamDoc,
      detail: {
        tags: ['Chat'],
        summary: 'Chat turn, streamed as NDJSON',
        description:
          'Stores the message, then streams one JSON object per line: `start`, `token`…, then `done` or `error`. Closing the connection stops the model; the partial reply is stored as `stopped`.',
      },
    })
    .post(
      '/v1/chat',
      async ({ body, request, set, clientIp }) => {
        const turn = await begin(body, request, clientIp, set);
        const abort = new AbortController();
        const onGone = () => abort.abort();
        request.signal.addEventListener('abort', onGone, { once: true });
        const outcome = await turn.run(abort.signal, () => {}).finally(() => request.signal.removeEventListener('abort', onGone));
        if (outcome.status === 'complete') {
          const { conversationId, message, messageId, finishReason, usage } = outcome.event;
          return { conversationId, message, messageId, userMessageId: turn.start.userMessageId, finishReason, usage };
        }
        if (outcome.status === 'error') {
          const retry: Record<string, string> = outcome.error.retryAfterSeconds === null ? {} : { 'retry-after': String(outcome.error.retryAfterSeconds) };
          throw new AppError(LLM_ERROR_STATUS[outcome.error.code], outcome.error.code, outcome.error.message, retry);
        }
        throw new AppError(499, 'client_closed_request', 'The client closed the request before the reply was complete.');
      },
      {
        body: ChatRequest,
        response: { 200: ChatReply, ...commonErrors, 502: ErrorBody, 504: ErrorBody },
        detail: { tags: ['Chat'], summary: 'Chat turn, one JSON reply', description: 'Stores the message, waits for the whole reply and returns it.' },
      },
    )
    .post(
      '/v1/chat/history',
      async ({ body }) => {
        const thread = await store.getSessionThread(body.sessionId, body.limit ?? 100);
        if (!thread) return { conversationId: null, messages: [] };
        return {
          conversationId: thread.conversation.id,
          messages: thread.messages.map(({ id, role, content, status, createdAt, feedback }) => ({ id, role, content, status, createdAt, feedback })),
        };
      },
      {
        body: HistoryRequest,
        response: { 200: HistoryReply, ...commonErrors },
        detail: { tags: ['Chat'], summary: 'A visitor\'s conversation so far', description: 'Used by the widget to restore the conversation after a reload. A POST so that session ids stay out of access logs.' },
      },
    )
    .post(
      '/v1/chat/feedback',
      async ({ body }) => {
        const ok = await store.setFeedback(body.sessionId, body.messageId, body.feedback);
        if (!ok) throw new AppError(404, 'message_not_found', 'No reply with that id in this conversation.');
        return { ok: true as const };
      },
      {
        body: FeedbackRequest,
        response: { 200: FeedbackReply, ...commonErrors, 404: ErrorBody },
        detail: { tags: ['Chat'], summary: 'Thumbs up or down on a reply' },
      },
    );
}
