/** Chat route schemas: the request bodies, replies and stream events, reused as the OpenAPI document. */
import { t } from 'elysia';
import { TokenUsageSchema } from '../llm/usage.ts';
import { FeedbackSchema, MessageSchema, nullable } from '../store/schemas.ts';

export const SESSION_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$';

export const SessionId = t.String({
  pattern: SESSION_ID_PATTERN,
  description: 'The visitor\'s conversation key (the widget uses a random UUID). One sessionId is one conversation.',
  examples: ['3f0c8a4e-6c1d-4f5e-9a57-2b8f0e7d9c10'],
});

const Usage = nullable(TokenUsageSchema);

export function chatRequestSchema(maxMessageChars: number) {
  return t.Object(
    {
      sessionId: SessionId,
      message: t.String({ minLength: 1, maxLength: maxMessageChars, description: `The visitor's message, 1 to ${maxMessageChars} characters.` }),
      pageUrl: t.Optional(t.String({ maxLength: 2048, description: 'The page the widget is on (shown in the dashboard).' })),
    },
    { title: 'ChatRequest' },
  );
}

export const ChatReply = t.Object(
  {
    conversationId: t.String(),
    message: t.String({ description: 'The assistant reply.' }),
    messageId: t.String({ description: 'Id of the stored assistant message.' }),
    userMessageId: t.String(),
    finishReason: nullable(t.String()),
    usage: Usage,
  },
  { title: 'ChatReply' },
);

export const StreamEvents = t.Union(
  [
    t.Object({ type: t.Literal('start'), conversationId: t.String(), messageId: t.String(), userMessageId: t.String() }),
    t.Object({ type: t.Literal('token'), token: t.String() }),
    t.Object({
      type: t.Literal('done'),
      message: t.String(),
      conversationId: t.String(),
      messageId: t.String(),
      finishReason: nullable(t.String()),
      usage: Usage,
    }),
    t.Object({ type: t.Literal('error'), error: t.String(), code: t.String(), conversationId: t.String(), messageId: t.String() }),
  ],
  { title: 'ChatStreamEvent', description: 'One JSON object per line (application/x-ndjson): start, token…, then done or error.' },
);

export const HistoryRequest = t.Object(
  { sessionId: SessionId, limit: t.Optional(t.Integer({ minimum: 1, maximum: 200, default: 100 })) },
  { title: 'HistoryRequest' },
);

export const HistoryMessage = t.Pick(MessageSchema, ['id', 'role', 'content', 'status', 'createdAt', 'feedback'], { title: 'HistoryMessage' });

export const HistoryReply = t.Object(
  { conversationId: nullable(t.String()), messages: t.Array(HistoryMessage) },
  { title: 'HistoryReply' },
);

export const FeedbackRequest = t.Object(
  {
    sessionId: SessionId,
    messageId: t.String({ minLength: 1, maxLength: 128 }),
    feedback: nullable(FeedbackSchema, { description: 'null clears it.' }),
  },
  { title: 'FeedbackRequest' },
);

export const FeedbackReply = t.Object({ ok: t.Literal(true) }, { title: 'FeedbackReply' });

export type StreamEvent = typeof StreamEvents.static;
export type StartEvent = Extract<StreamEvent, { type: 'start' }>;
export type DoneEvent = Extract<StreamEvent, { type: 'done' }>;
export type ErrorEvent = Extract<StreamEvent, { type: 'error' }>;
export type HistoryReply = typeof HistoryReply.static;
export type HistoryMessage = typeof HistoryMessage.static;
