/**
 * The stored shapes, defined once as TypeBox schemas: the store contract's types are derived from them, and the admin
 * and chat APIs reuse them in their replies (so the OpenAPI document is these shapes).
 */
import { Type } from '@sinclair/typebox';
import { t, type Static, type TSchema } from 'elysia';
import { TokenUsageSchema } from '../llm/usage.ts';
import { FEEDBACK_VALUES, MESSAGE_ROLES, MESSAGE_STATUSES } from '../shared/conversation.ts';

/** A union of string literals from a value list (Elysia's `t.UnionEnum` would add a `default` to the document). */
export function literalUnion<const T extends readonly [string, ...string[]]>(values: T, options?: { description?: string }) {
  // Unsafe keeps the union's own kind (so validation is the union's) and only narrows its static type.
  return t.Unsafe<T[number]>(t.Union(values.map((value) => t.Literal(value)), options));
}

/**
 * `value` or null. Elysia's `t.Nullable` also writes OpenAPI 3.0's `nullable: true`, which a 3.1 document must not
 * carry (3.1 says `type: [X, "null"]`, which the OpenAPI plugin derives from this plain union). A union of literals
 * takes null as one more member: wrapped whole, the plugin would write `type: [string, null]` beside an `enum`
 * without null, a schema that refuses null.
 */
export function nullable<T extends TSchema>(value: T, options?: { description?: string; title?: string }) {
  const literals = (value as { anyOf?: { const?: unknown }[] }).anyOf;
  const members = literals?.length && literals.every((member) => member.const !== undefined) ? [...(literals as TSchema[]), t.Null()] : [value, t.Null()];
  // Unsafe keeps the union's own kind (so validation is the union's) and only states its static type.
  return t.Unsafe<Static<T> | null>(t.Union(members, options));
}

/**
 * A whole number, as stored and sent. Elysia's `t.Integer` also accepts a numeric string (for query strings) and the
 * OpenAPI document then offers `string | integer`, so a generated client would type every count as either.
 */
export function integer(options?: { description?: string }) {
  return Type.Integer(options);
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
    model: nullable(t.String({ description: 'Assistant replies only.' })),
    usage: nullable(TokenUsageSchema),
    finishReason: nullable(t.String()),
    errorCode: nullable(t.String()),
    firstTokenMs: nullable(t.Number({ description: 'Milliseconds from the model call to its first token.' })),
    totalMs: nullable(t.Number({ description: 'Milliseconds the whole reply took.' })),
    feedback: nullable(FeedbackSchema),
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
    origin: nullable(t.String({ description: 'Origin header of the page that started it.' })),
    pageUrl: nullable(t.String({ description: 'The page the widget was on (origin and path).' })),
    userAgent: nullable(t.String()),
    messageCount: integer(),
    errorCount: integer({ description: 'Assistant replies that ended as `error`.' }),
    stoppedCount: integer({ description: 'Assistant replies that ended as `stopped`.' }),
    feedbackUp: integer(),
    feedbackDown: integer(),
    totalTokens: integer(),
    lastMessagePreview: nullable(t.String({ description: 'First 200 characters of the newest message.' })),
    lastMessageRole: nullable(MessageRoleSchema),
  },
  { title: 'Conversation' },
);
export type Conversation = typeof ConversationSchema.static;

export const DayStatsSchema = t.Object({
  day: t.String({ description: 'UTC day, YYYY-MM-DD.' }),
  conversations: integer(),
  messages: integer(),
  tokens: integer(),
  errors: integer(),
});
export type DayStats = typeof DayStatsSchema.static;

export const StatsSchema = t.Object(
  {
    days: t.Array(DayStatsSchema),
    totals: t.Object({
      conversations: integer(),
      messages: integer(),
      tokens: integer(),
      errorRate: t.Number({ description: 'Assistant replies ending in `error` over all assistant replies, 0..1.' }),
    }),
  },
  { title: 'Stats' },
);
export type Stats = typeof StatsSchema.static;
