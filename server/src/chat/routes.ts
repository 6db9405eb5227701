/** Chat HTTP surface: the widget's `/chat`, the headless `/v1/chat` and `/v1/chat/stream`, history and feedback. */
import { Elysia } from 'elysia';
import type { AppConfig } from '../config.ts';
import { widgetAccess, type IpLimiters } from '../http/access.ts';
import { repliesAs } from '../http/openapi-media-types.ts';
import { needsWidgetKey } from '../http/openapi-security.ts';
import { commonErrors, ErrorBody, HttpError } from '../http/http-error.ts';
import type { ChatStore } from '../store/chat-store.ts';
import { ChatReply, chatRequestSchema, FeedbackReply, FeedbackRequest, HistoryReply, HistoryRequest, StreamEvents } from './schemas.ts';
import { followClient, streamTurn } from './ndjson.ts';
import type { ChatService, TurnInput } from './service.ts';
import type { TurnKnowledge } from '../knowledge/turn.ts';

interface ChatRouteDeps {
  config: AppConfig;
  store: ChatStore;
  service: ChatService;
  limiters: IpLimiters;
  /** Citations of stored replies for the history; absent: none. */
  knowledge?: TurnKnowledge | null;
}

export function chatRoutes({ config, store, service, limiters, knowledge = null }: ChatRouteDeps) {
  const ChatRequest = chatRequestSchema(config.chat.maxMessageChars);
  type ChatRequest = typeof ChatRequest.static;
  const streamDoc = {
    body: ChatRequest,
    response: { 200: StreamEvents, ...commonErrors, 502: ErrorBody, 504: ErrorBody },
  };

  const turnInput = (body: ChatRequest, request: Request, clientIp: string): TurnInput => ({
    sessionId: body.sessionId,
    message: body.message,
    pageUrl: body.pageUrl ?? request.headers.get('referer'),
    origin: request.headers.get('origin'),
    userAgent: request.headers.get('user-agent')?.slice(0, 512) ?? null,
    clientIp,
  });

  const stream = async ({ body, request, set, clientIp }: { body: ChatRequest; request: Request; set: { headers: Record<string, unknown> }; clientIp: string }) => {
    const turn = await service.begin(turnInput(body, request, clientIp));
    return streamTurn(turn, request.signal, set.headers as Record<string, string>);
  };

  return new Elysia({ name: 'chat-routes', seed: config, detail: needsWidgetKey })
    .use(widgetAccess({ config, limiters }))
    .post('/chat', stream, {
      ...streamDoc,
      detail: { ...repliesAs('application/x-ndjson'), tags: ['Chat'], summary: 'Chat turn, streamed (the widget\'s route)', description: 'Same as POST /v1/chat/stream. Answers application/x-ndjson.' },
    })
    .post('/v1/chat/stream', stream, {
      ...streamDoc,
      detail: {
        ...repliesAs('application/x-ndjson'),
        tags: ['Chat'],
        summary: 'Chat turn, streamed as NDJSON',
        description:
          'Stores the message, then streams one JSON object per line: `start`, `token`…, then `done` or `error`. Closing the connection stops the model; the partial reply is stored as `stopped`.',
      },
    })
    .post(
      '/v1/chat',
      async ({ body, request, clientIp }) => {
        const turn = await service.begin(turnInput(body, request, clientIp));
        const client = followClient(request.signal);
        const outcome = await turn.run(client.signal, () => {}).finally(client.release);
        if (outcome.status === 'complete') {
          const { conversationId, message, messageId, finishReason, usage, sources } = outcome.event;
          return { conversationId, message, messageId, userMessageId: turn.start.userMessageId, finishReason, usage, sources };
        }
        // The one error mapping (http/errors.ts) answers it, with Retry-After when the upstream gave one.
        if (outcome.status === 'error') throw outcome.error;
        throw new HttpError(499, 'client_closed_request', 'The client closed the request before the reply was complete.');
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
        const cited = knowledge ? await knowledge.citationsOf(thread.messages.filter((m) => m.role === 'assistant')) : new Map();
        return {
          conversationId: thread.conversation.id,
          messages: thread.messages.map(({ id, role, content, status, createdAt, feedback }) => ({ id, role, content, status, createdAt, feedback, sources: cited.get(id) ?? [] })),
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
        if (!ok) throw new HttpError(404, 'message_not_found', 'No reply with that id in this conversation.');
        return { ok: true as const };
      },
      {
        body: FeedbackRequest,
        response: { 200: FeedbackReply, ...commonErrors, 404: ErrorBody },
        detail: { tags: ['Chat'], summary: 'Thumbs up or down on a reply' },
      },
    );
}
