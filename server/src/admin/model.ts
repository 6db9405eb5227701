/** Admin schemas: the stored shapes (mirroring store/types.ts) and the list/export filters. */
import { t } from 'elysia';

const Nullable = t.Nullable;

export const TokenUsageModel = t.Object({ promptTokens: t.Integer(), completionTokens: t.Integer(), totalTokens: t.Integer() }, { title: 'TokenUsage' });

export const MessageModel = t.Object(
  {
    id: t.String(),
    conversationId: t.String(),
    role: t.Union([t.Literal('user'), t.Literal('assistant')]),
    content: t.String(),
    status: t.Union([t.Literal('streaming'), t.Literal('complete'), t.Literal('stopped'), t.Literal('error')]),
    createdAt: t.Number({ description: 'Epoch milliseconds.' }),
    model: Nullable(t.String()),
    usage: Nullable(TokenUsageModel),
    finishReason: Nullable(t.String()),
    errorCode: Nullable(t.String()),
    firstTokenMs: Nullable(t.Number({ description: 'Milliseconds from the model call to its first token.' })),
    totalMs: Nullable(t.Number({ description: 'Milliseconds the whole reply took.' })),
    feedback: Nullable(t.Union([t.Literal('up'), t.Literal('down')])),
    _id: t.String({ description: 'Same as `id` (kept for clients of the original API).' }),
  },
  { title: 'Message' },
);

export const ConversationModel = t.Object(
  {
    id: t.String(),
    sessionId: t.String(),
    createdAt: t.Number(),
    updatedAt: t.Number({ description: 'Time of the last message.' }),
    origin: Nullable(t.String()),
    pageUrl: Nullable(t.String()),
    userAgent: Nullable(t.String()),
    messageCount: t.Integer(),
    errorCount: t.Integer(),
    stoppedCount: t.Integer(),
    feedbackUp: t.Integer(),
    feedbackDown: t.Integer(),
    totalTokens: t.Integer(),
    lastMessagePreview: Nullable(t.String()),
    lastMessageRole: Nullable(t.Union([t.Literal('user'), t.Literal('assistant')])),
    _id: t.String({ description: 'Same as `id` (kept for clients of the original API).' }),
    _creationTime: t.Number({ description: 'Same as `createdAt` (kept for clients of the original API).' }),
    lastMessage: t.String({ description: 'Same as `lastMessagePreview`, or "" (kept for clients of the original API).' }),
  },
  { title: 'Conversation' },
);

export const ThreadModel = t.Object({ conversation: ConversationModel, messages: t.Array(MessageModel) }, { title: 'ConversationThread' });

const filterFields = {
  q: t.Optional(t.String({ maxLength: 200, description: 'Full-text search over message content (words, prefix-matched).' })),
  from: t.Optional(t.Numeric({ minimum: 0, description: 'Last activity at or after (epoch ms).' })),
  to: t.Optional(t.Numeric({ minimum: 0, description: 'Last activity at or before (epoch ms).' })),
  problem: t.Optional(t.Union([t.Literal('error'), t.Literal('stopped'), t.Literal('any')], { description: 'Only conversations with replies that failed or were stopped.' })),
  feedback: t.Optional(t.Union([t.Literal('up'), t.Literal('down'), t.Literal('any')], { description: 'Only conversations with that feedback.' })),
};

export const ListQuery = t.Object(
  {
    ...filterFields,
    limit: t.Optional(t.Numeric({ minimum: 1, maximum: 200, default: 100, description: 'Page size (1 to 200, default 100 as in the original API).' })),
    cursor: t.Optional(t.String({ maxLength: 512, description: 'nextCursor of the previous page.' })),
  },
  { title: 'ConversationListQuery' },
);

export const ExportQuery = t.Object(
  { ...filterFields, format: t.Optional(t.Union([t.Literal('jsonl'), t.Literal('csv')], { default: 'jsonl' })) },
  { title: 'ExportQuery' },
);

export const ConversationPage = t.Object(
  {
    conversations: t.Array(ConversationModel),
    nextCursor: Nullable(t.String({ description: 'Pass as `cursor` for the next page; null on the last page.' })),
  },
  { title: 'ConversationPage' },
);

export const StatsQuery = t.Object({
  from: t.Optional(t.Numeric({ minimum: 0 })),
  to: t.Optional(t.Numeric({ minimum: 0 })),
});

export const StatsModel = t.Object(
  {
    days: t.Array(t.Object({ day: t.String(), conversations: t.Integer(), messages: t.Integer(), tokens: t.Integer(), errors: t.Integer() })),
    totals: t.Object({ conversations: t.Integer(), messages: t.Integer(), tokens: t.Integer(), errorRate: t.Number() }),
  },
  { title: 'Stats' },
);

export const IdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 128 }) });
