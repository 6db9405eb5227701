/**
 * The stored shapes, defined once as TypeBox schemas: the store contract's types are derived from them, and the admin
 * and chat APIs reuse them in their replies (so the OpenAPI document is these shapes).
 */
import { t } from 'elysia';
import { TokenUsageSchema } from '../llm/usage.ts';
import { FEEDBACK_VALUES, MESSAGE_ROLES, MESSAGE_STATUSES } from '../shared/conversation.ts';

/** A union of string literals from a value list (Elysia's `t.UnionEnum` would add a `default` to the document). */
export function literalUnion<const T extends readonly [string, ...string[]]>(values: T, options?: { description?: string }) {
  // Unsafe keeps the union's own kind (so validation is the union's) and only narrows its static type.
  return t.Unsafe<T[number]>(t.Union(values.map((value) => t.Literal(value)), options));
}

export const MessageRoleSchema = literalUnion(MESSAGE_ROLES);
export const MessageStatusSchema = literalUnion(MESSAGE_STATUSES);
export const FeedbackSchema = literalUnion(FEEDBACK_VALUES);

export { TokenUsageSchema, type TokenUsage } from '../llm/usage.ts';

export const MessageSchema = t.Object(
  {
    id: t.String(),
    conversationId: t.String(),
    role: MessageRoleSchema,
    content: t.String(),
    status: MessageStatusSchema,
    createdAt: t.Number({ description: 'Epoch milliseconds.' }),
    model: t.Nullable(t.String({ description: 'Assistant replies only.' })),
    usage: t.Nullable(TokenUsageSchema),
    finishReason: t.Nullable(t.String()),
    errorCode: t.Nullable(t.String()),
    firstTokenMs: t.Nullable(t.Number({ description: 'Milliseconds from the model call to its first token.' })),
    totalMs: t.Nullable(t.Number({ description: 'Milliseconds the whole reply took.' })),
    feedback: t.Nullable(FeedbackSchema),
  },
  { title: 'Message' },
);
export type Message = typeof MessageSchema.static;

export const ConversationSchema = t.Object(
  {
    id: t.String(),
    sessionId: t.String(),
    createdAt: t.Number(),
    updatedAt: t.Number({ description: 'Time of the last message: lists are ordered by this, newest first.' }),
    origin: t.Nullable(t.String({ description: 'Origin header of the page that started it.' })),
    pageUrl: t.Nullable(t.String({ description: 'The page the widget was on (origin and path).' })),
    userAgent: t.Nullable(t.String()),
    messageCount: t.Integer(),
    errorCount: t.Integer({ description: 'Assistant replies that ended as `error`.' }),
    stoppedCount: t.Integer({ description: 'Assistant replies that ended as `stopped`.' }),
    feedbackUp: t.Integer(),
    feedbackDown: t.Integer(),
    totalTokens: t.Integer(),
    lastMessagePreview: t.Nullable(t.String({ description: 'First 200 characters of the newest message.' })),
    lastMessageRole: t.Nullable(MessageRoleSchema),
  },
  { title: 'Conversation' },
);
export type Conversation = typeof ConversationSchema.static;

export const DayStatsSchema = t.Object({
  day: t.String({ description: 'UTC day, YYYY-MM-DD.' }),
  conversations: t.Integer(),
  messages: t.Integer(),
  tokens: t.Integer(),
  errors: t.Integer(),
});
export type DayStats = typeof DayStatsSchema.static;

export const StatsSchema = t.Object(
  {
    days: t.Array(DayStatsSchema),
    totals: t.Object({
      conversations: t.Integer(),
      messages: t.Integer(),
      tokens: t.Integer(),
      errorRate: t.Number({ description: 'Assistant replies ending in `error` over all assistant replies, 0..1.' }),
    }),
  },
  { title: 'Stats' },
);
export type Stats = typeof StatsSchema.static;
