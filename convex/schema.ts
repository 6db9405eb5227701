import { defineSchema, defineTable } from 'convex/server';
import { v } from 'convex/values';
import { knowledgeTables } from './lib/knowledge-schema';

/**
 * Mirrors `Conversation` / `Message` in server/src/store/types.ts. Conversations carry denormalised counters so
 * that lists and filters never read messages; every query the functions run has an index here.
 */

const nullableString = v.union(v.string(), v.null());
const nullableNumber = v.union(v.number(), v.null());

export const roleValidator = v.union(v.literal('user'), v.literal('assistant'));
export const statusValidator = v.union(
  v.literal('streaming'),
  v.literal('complete'),
  v.literal('stopped'),
  v.literal('error'),
);
export const feedbackValidator = v.union(v.literal('up'), v.literal('down'));
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
  })
    .index('by_conversation', ['conversationId', 'createdAt'])
    .index('by_status', ['status', 'createdAt'])
    .index('by_createdAt', ['createdAt'])
    .searchIndex('search_content', { searchField: 'content', filterFields: ['conversationId'] }),

  ...knowledgeTables,
});
