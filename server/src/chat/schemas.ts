/** Chat route schemas: the request bodies, replies and stream events, reused as the OpenAPI document. */
import { t } from 'elysia';
import { CitationModel } from '../knowledge/schemas.ts';
import { TokenUsageSchema } from '../llm/usage.ts';
import { FeedbackSchema, MessageSchema, nullable } from '../store/schemas.ts';

export const SESSION_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$';
/** History and feedback hand out a conversation to whoever names its session id, so there it must be guessable by no one. */
export const MIN_SECRET_SESSION_ID_LENGTH = 16;
export const SECRET_SESSION_ID_PATTERN = `^[A-Za-z0-9._:-]{${MIN_SECRET_SESSION_ID_LENGTH},128}$`;

const SESSION_ID_SECRET_NOTE =
  'The session id is the visitor\'s only credential for reading the conversation back and rating replies: treat it as a secret and generate it randomly (the widget uses `crypto.randomUUID()`), never from a user name, an e-mail address or a counter.';

export const SessionId = t.String({
  pattern: SESSION_ID_PATTERN,
  description: `The visitor's conversation key, 1 to 128 characters of A-Z a-z 0-9 . _ : - (one sessionId is one conversation). ${SESSION_ID_SECRET_NOTE}`,
  examples: ['3f0c8a4e-6c1d-4f5e-9a57-2b8f0e7d9c10'],
});

/** The session id where it reads or changes a stored conversation: at least 16 characters. */
export const SecretSessionId = t.String({
  pattern: SECRET_SESSION_ID_PATTERN,
  // An OpenAPI extension keyword (Elysia's own `error` option is not one, and lints as an error in the document).
  'x-error': `must be ${MIN_SECRET_SESSION_ID_LENGTH} to 128 characters of A-Z a-z 0-9 . _ : -, generated randomly (a UUID), because it is the key to the visitor's conversation`,
  description: `The visitor's conversation key, ${MIN_SECRET_SESSION_ID_LENGTH} to 128 characters of A-Z a-z 0-9 . _ : -. ${SESSION_ID_SECRET_NOTE}`,
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

/** Citations of the knowledge base's passages the reply drew on (empty when none was retrieved). */
const Sources = t.Array(CitationModel, { description: 'Knowledge-base passages the reply drew on: `{title, url, snippet}`; `url` is http(s) or null.' });

export const ChatReply = t.Object(
  {
    conversationId: t.String(),
    message: t.String({ description: 'The assistant reply.' }),
    messageId: t.String({ description: 'Id of the stored assistant message.' }),
    userMessageId: t.String(),
    finishReason: nullable(t.String()),
    usage: Usage,
    sources: Sources,
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
      sources: Sources,
    }),
    t.Object({ type: t.Literal('error'), error: t.String(), code: t.String(), conversationId: t.String(), messageId: t.String() }),
  ],
  { title: 'ChatStreamEvent', description: 'One JSON object per line (application/x-ndjson): start, token…, then done or error.' },
);

export const HistoryRequest = t.Object(
  { sessionId: SecretSessionId, limit: t.Optional(t.Integer({ minimum: 1, maximum: 200, default: 100 })) },
  { title: 'HistoryRequest' },
);

export const HistoryMessage = t.Object(
  {
    ...t.Pick(MessageSchema, ['id', 'role', 'content', 'status', 'createdAt', 'feedback']).properties,
    sources: t.Array(CitationModel, { description: 'For replies: the knowledge-base citations, as in the `done` event ([] otherwise).' }),
  },
  { title: 'HistoryMessage' },
);

export const HistoryReply = t.Object(
  { conversationId: nullable(t.String()), messages: t.Array(HistoryMessage) },
  { title: 'HistoryReply' },
);

export const FeedbackRequest = t.Object(
  {
    sessionId: SecretSessionId,
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
