import { v } from 'convex/values';
import type { Doc, Id } from './_generated/dataModel';
import { mutation, query, type MutationCtx, type QueryCtx } from './_generated/server';
import { fail, requireServerSecret } from './lib/guard';
import { previewOf } from '../server/src/shared/conversation';
import { toConversation, toMessage } from './lib/model';
import { feedbackValidator, usageValidator } from './schema';

/** The visitor-facing half of the store: one chat turn, its end, the visitor's own thread, and feedback. */

const optionalNullableString = v.optional(v.union(v.string(), v.null()));
const optionalNullableNumber = v.optional(v.union(v.number(), v.null()));

async function conversationOfSession(ctx: QueryCtx, sessionId: string) {
  return await ctx.db
    .query('conversations')
    .withIndex('by_sessionId', (q) => q.eq('sessionId', sessionId))
    .unique();
}

/** The newest `limit` messages of a conversation, oldest first; `ended` leaves out replies still streaming. */
async function newestMessages(
  ctx: QueryCtx,
  conversationId: Id<'conversations'>,
  limit: number,
  options: { ended?: boolean } = {},
) {
  const newestFirst = ctx.db
    .query('messages')
    .withIndex('by_conversation', (q) => q.eq('conversationId', conversationId))
    .order('desc');
  const selected = options.ended ? newestFirst.filter((q) => q.neq(q.field('status'), 'streaming')) : newestFirst;
  return (await selected.take(limit)).reverse();
}

async function findOrCreateConversation(
  ctx: MutationCtx,
  input: { sessionId: string; origin?: string | null; pageUrl?: string | null; userAgent?: string | null; now: number },
): Promise<Doc<'conversations'>> {
  const existing = await conversationOfSession(ctx, input.sessionId);
  if (existing) return existing;
  const id = await ctx.db.insert('conversations', {
    sessionId: input.sessionId,
    createdAt: input.now,
    updatedAt: input.now,
    origin: input.origin ?? null,
    pageUrl: input.pageUrl ?? null,
    userAgent: input.userAgent ?? null,
    messageCount: 0,
    errorCount: 0,
    stoppedCount: 0,
    feedbackUp: 0,
    feedbackDown: 0,
    totalTokens: 0,
    lastMessagePreview: null,
    lastMessageRole: null,
  });
  return (await ctx.db.get(id))!;
}

export const startTurn = mutation({
  args: {
    secret: v.string(),
    sessionId: v.string(),
    content: v.string(),
    origin: optionalNullableString,
    pageUrl: optionalNullableString,
    userAgent: optionalNullableString,
    model: v.union(v.string(), v.null()),
    historyLimit: v.number(),
    now: v.optional(v.number()),
  },
  handler: async (ctx, args) => {
    requireServerSecret(args.secret);
    const now = args.now ?? Date.now();
    const conversation = await findOrCreateConversation(ctx, { ...args, now });
    // Read before inserting, so the new placeholder is not there; replies of other tabs still streaming are
    // half-written and would mislead the model, so they stay out too.
    const earlier = await newestMessages(ctx, conversation._id, Math.max(0, Math.floor(args.historyLimit) - 1), {
      ended: true,
    });

    const common = {
      conversationId: conversation._id,
      createdAt: now,
      usage: null,
      finishReason: null,
      errorCode: null,
      firstTokenMs: null,
      totalMs: null,
      feedback: null,
    };
    const userId = await ctx.db.insert('messages', {
      ...common,
      role: 'user',
      content: args.content,
      status: 'complete',
      model: null,
    });
    const assistantId = await ctx.db.insert('messages', {
      ...common,
      role: 'assistant',
      content: '',
      status: 'streaming',
      model: args.model,
    });
    await ctx.db.patch(conversation._id, {
      updatedAt: Math.max(conversation.updatedAt, now),
      // Counters count a message once it has ended: the placeholder joins at finishTurn.
      messageCount: conversation.messageCount + 1,
      lastMessagePreview: previewOf(args.content),
      lastMessageRole: 'user',
    });

    const userMessage = toMessage((await ctx.db.get(userId))!);
    const history = args.historyLimit >= 1 ? [...earlier.map(toMessage), userMessage] : [];
    return {
      conversation: toConversation((await ctx.db.get(conversation._id))!),
      userMessage,
      assistantMessage: toMessage((await ctx.db.get(assistantId))!),
      history,
    };
  },
});

/** How one reply's status change moves its conversation's problem counters. */
function statusDelta(before: Doc<'messages'>['status'], after: Doc<'messages'>['status']) {
  const count = (status: Doc<'messages'>['status'], wanted: Doc<'messages'>['status']) => (status === wanted ? 1 : 0);
  return {
    errors: count(after, 'error') - count(before, 'error'),
    stopped: count(after, 'stopped') - count(before, 'stopped'),
  };
}

export const finishTurn = mutation({
  args: {
    secret: v.string(),
    assistantMessageId: v.string(),
    content: v.string(),
    status: v.union(v.literal('complete'), v.literal('stopped'), v.literal('error')),
    model: optionalNullableString,
    usage: v.optional(v.union(usageValidator, v.null())),
    finishReason: optionalNullableString,
    errorCode: optionalNullableString,
    firstTokenMs: optionalNullableNumber,
    totalMs: optionalNullableNumber,
    now: v.optional(v.number()),
  },
  handler: async (ctx, args) => {
    requireServerSecret(args.secret);
    const id = ctx.db.normalizeId('messages', args.assistantMessageId);
    const message = id ? await ctx.db.get(id) : null;
    if (!message || message.role !== 'assistant') {
      fail('not_found', `No assistant message ${args.assistantMessageId}.`);
    }
    const conversation = await ctx.db.get(message.conversationId);
    if (!conversation) fail('not_found', `The conversation of message ${args.assistantMessageId} was deleted.`);

    const usage = args.usage === undefined ? message.usage : args.usage;
    await ctx.db.patch(message._id, {
      content: args.content,
      status: args.status,
      model: args.model === undefined ? message.model : args.model,
      usage,
      finishReason: args.finishReason ?? null,
      errorCode: args.errorCode ?? null,
      firstTokenMs: args.firstTokenMs ?? null,
      totalMs: args.totalMs ?? null,
    });
    const delta = statusDelta(message.status, args.status);
    const now = args.now ?? Date.now();
    await ctx.db.patch(conversation._id, {
      updatedAt: Math.max(conversation.updatedAt, now),
      messageCount: conversation.messageCount + (message.status === 'streaming' ? 1 : 0),
      errorCount: conversation.errorCount + delta.errors,
      stoppedCount: conversation.stoppedCount + delta.stopped,
      totalTokens: conversation.totalTokens - (message.usage?.totalTokens ?? 0) + (usage?.totalTokens ?? 0),
      lastMessagePreview: previewOf(args.content),
      lastMessageRole: 'assistant',
    });
    return toMessage((await ctx.db.get(message._id))!);
  },
});

export const sessionThread = query({
  args: { secret: v.string(), sessionId: v.string(), limit: v.number() },
  handler: async (ctx, args) => {
    requireServerSecret(args.secret);
    const conversation = await conversationOfSession(ctx, args.sessionId);
    if (!conversation) return null;
    const messages = await newestMessages(ctx, conversation._id, Math.max(0, Math.floor(args.limit)));
    return { conversation: toConversation(conversation), messages: messages.map(toMessage) };
  },
});

export const setFeedback = mutation({
  args: {
    secret: v.string(),
    sessionId: v.string(),
    messageId: v.string(),
    feedback: v.union(feedbackValidator, v.null()),
  },
  handler: async (ctx, args) => {
    requireServerSecret(args.secret);
    const id = ctx.db.normalizeId('messages', args.messageId);
    const message = id ? await ctx.db.get(id) : null;
    if (!message || message.role !== 'assistant') return false;
    const conversation = await ctx.db.get(message.conversationId);
    if (!conversation || conversation.sessionId !== args.sessionId) return false;

    const up = (args.feedback === 'up' ? 1 : 0) - (message.feedback === 'up' ? 1 : 0);
    const down = (args.feedback === 'down' ? 1 : 0) - (message.feedback === 'down' ? 1 : 0);
    await ctx.db.patch(message._id, { feedback: args.feedback });
    await ctx.db.patch(conversation._id, {
      feedbackUp: conversation.feedbackUp + up,
      feedbackDown: conversation.feedbackDown + down,
    });
    return true;
  },
});
