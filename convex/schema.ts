import { defineSchema, defineTable } from 'convex/server';
import { v } from 'convex/values';
import { FEEDBACK_VALUES, MESSAGE_ROLES, MESSAGE_STATUSES } from '../server/src/shared/conversation';
import { knowledgeTables } from './lib/knowledge-schema';

/**
 * Mirrors `Conversation` / `Message` in server/src/store/chat-store.ts. Conversations carry denormalised counters so
 * that lists and filters never read messages; every query the functions run has an index here.
 */

const nullableString = v.union(v.string(), v.null());
const nullableNumber = v.union(v.number(), v.null());

/** `v.union` of one literal per value of a shared list. */
function literalUnion<const T extends readonly [string, string, ...string[]]>(values: T) {
  const [first, second, ...rest] = values.map((value) => v.literal(value as T[number]));
  return v.union(first!, second!, ...rest);
}

export const roleValidator = literalUnion(MESSAGE_ROLES);
export const statusValidator = literalUnion(MESSAGE_STATUSES);
export const feedbackValidator = literalUnion(FEEDBACK_VALUES);
export const usageValidator = v.object({
  promptTokens: v.number(),
  completionTokens: v.number(),
  totalTokens: v.number(),
});

export default defineSchema({
  conversations: defineTable({
    sessionId: v.string(),
    createdAt: v.number(),
    updatedAt: v.number(),
    origin: nullableString,
    pageUrl: nullableString,
    userAgent: nullableString,
    messageCount: v.number(),
    errorCount: v.number(),
    stoppedCount: v.number(),
    feedbackUp: v.number(),
    feedbackDown: v.number(),
    totalTokens: v.number(),
    lastMessagePreview: nullableString,
    lastMessageRole: v.union(roleValidator, v.null()),
  })
    .index('by_sessionId', ['sessionId'])
    .index('by_updatedAt', ['updatedAt'])
    .index('by_createdAt', ['createdAt']),

  messages: defineTable({
    conversationId: v.id('conversations'),
    role: roleValidator,
    content: v.string(),
    status: statusValidator,
    createdAt: v.number(),
    model: nullableString,
    usage: v.union(usageValidator, v.null()),
    finishReason: nullableString,
    errorCode: nullableString,
    firstTokenMs: nullableNumber,
    totalMs: nullableNumber,
    feedback: v.union(feedbackValidator, v.null()),
    // Set on replies started by a server that holds a replica lease (see recovery.ts): while `streaming`, the
    // reply belongs to that replica, and is interrupted once its lease runs out or it outlives `streamLimitMs`.
    // Optional: replies stored before leases existed have neither.
    replicaId: v.optional(v.string()),
    streamLimitMs: v.optional(v.number()),
  })
    .index('by_conversation', ['conversationId', 'createdAt'])
    .index('by_status', ['status', 'createdAt'])
    .index('by_createdAt', ['createdAt'])
    .searchIndex('search_content', { searchField: 'content', filterFields: ['conversationId'] }),

  ...knowledgeTables,
  /** One lease per running server replica, renewed while it lives; an expired lease means the replica died. */
  replicaLeases: defineTable({
    replicaId: v.string(),
    expiresAt: v.number(),
  })
    .index('by_replicaId', ['replicaId'])
    .index('by_expiresAt', ['expiresAt']),
});
