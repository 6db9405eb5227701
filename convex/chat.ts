import { v } from 'convex/values';
import type { Doc, Id } from './_generated/dataModel';
import { mutation, query, type MutationCtx, type QueryCtx } from './_generated/server';
import { fail, requireServerSecret } from './lib/guard';
import { admitTurn, pickDeploymentShard, reserveTurn, settleTurn, turnLimitsValidator, worstCaseTokens } from './lib/limits';
import { previewOf, type FinalMessageStatus } from '../server/src/shared/conversation';
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

interface TurnToStore {
  sessionId: string;
  content: string;
  origin?: string | null;
  pageUrl?: string | null;
  userAgent?: string | null;
  model: string | null;
  historyLimit: number;
  replicaId?: string;
  streamLimitMs?: number;
}

/** Stores the visitor's message and the reply placeholder; returns them with the history read before them. */
async function storeTurn(ctx: MutationCtx, args: TurnToStore, now: number) {
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
    ...(args.replicaId === undefined ? {} : { replicaId: args.replicaId }),
    ...(args.streamLimitMs === undefined ? {} : { streamLimitMs: args.streamLimitMs }),
  });
  await ctx.db.patch(conversation._id, {
    updatedAt: Math.max(conversation.updatedAt, now),
    // Counters count a message once it has ended: the placeholder joins at finishTurn.
    messageCount: conversation.messageCount + 1,
    lastMessagePreview: previewOf(args.content),
    lastMessageRole: 'user',
  });

  return { conversation, earlier, userId, assistantId };
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
    /** Shared limits (several replicas): admitted and reserved in this same transaction, or refused (lib/limits.ts). */
    limits: v.optional(turnLimitsValidator),
    /** The replica streaming the reply and the longest it may take (see recovery.ts). */
    replicaId: v.optional(v.string()),
    streamLimitMs: v.optional(v.number()),
  },
  handler: async (ctx, args) => {
    requireServerSecret(args.secret);
    const deploymentShard = args.limits ? pickDeploymentShard(args.limits) : 0;
    if (args.limits) {
      const refused = await admitTurn(ctx, args.sessionId, args.limits, deploymentShard);
      // Returned, not thrown: the rate-limit token taken before a budget refusal stays taken, as on one replica.
      if (refused) return { refused, stored: false as const };
    }
    const now = args.now ?? Date.now();
    const { conversation, earlier, userId, assistantId } = await storeTurn(ctx, args, now);
    const userDoc = (await ctx.db.get(userId))!;
    const userMessage = toMessage(userDoc);
    const history = args.historyLimit >= 1 ? [...earlier.map(toMessage), userMessage] : [];

    let reservedTokens = 0;
    if (args.limits) {
      const tokens = worstCaseTokens(args.historyLimit >= 1 ? [...earlier, userDoc] : [userDoc], args.limits);
      const refused = await reserveTurn(ctx, args.sessionId, args.limits, deploymentShard, tokens);
      if (refused) {
        // As on one replica: the visitor's message stays stored, and the reply says why it never came.
        const placeholder = (await ctx.db.get(assistantId))!;
        const current = (await ctx.db.get(conversation._id))!;
        await endReply(ctx, placeholder, current, { content: '', status: 'error', errorCode: refused.code }, now);
        return { refused, stored: true as const };
      }
      reservedTokens = tokens;
    }
    return {
      refused: null,
      reservedTokens,
      deploymentShard,
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

interface ReplyEnd {
  content: string;
  status: FinalMessageStatus;
  model?: string | null;
  usage?: Doc<'messages'>['usage'];
  finishReason?: string | null;
  errorCode?: string | null;
  firstTokenMs?: number | null;
  totalMs?: number | null;
}

/** Stores a reply's end and moves its conversation's counters (a reply counts once it has ended). */
async function endReply(ctx: MutationCtx, message: Doc<'messages'>, conversation: Doc<'conversations'>, end: ReplyEnd, now: number) {
  const usage = end.usage === undefined ? message.usage : end.usage;
  await ctx.db.patch(message._id, {
    content: end.content,
    status: end.status,
    model: end.model === undefined ? message.model : end.model,
    usage,
    finishReason: end.finishReason ?? null,
    errorCode: end.errorCode ?? null,
    firstTokenMs: end.firstTokenMs ?? null,
    totalMs: end.totalMs ?? null,
  });
  const delta = statusDelta(message.status, end.status);
  await ctx.db.patch(conversation._id, {
    updatedAt: Math.max(conversation.updatedAt, now),
    messageCount: conversation.messageCount + (message.status === 'streaming' ? 1 : 0),
    errorCount: conversation.errorCount + delta.errors,
    stoppedCount: conversation.stoppedCount + delta.stopped,
    totalTokens: conversation.totalTokens - (message.usage?.totalTokens ?? 0) + (usage?.totalTokens ?? 0),
    lastMessagePreview: previewOf(end.content),
    lastMessageRole: 'assistant',
  });
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
    /** The turn's real cost, replacing what startTurn reserved under the same `limits`. */
    settle: v.optional(
      v.object({ limits: turnLimitsValidator, deploymentShard: v.optional(v.number()), reservedTokens: v.number(), spentTokens: v.number() }),
    ),
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

    // Once per turn: a repeated finish, or one after a reply was already ended, must not refund twice. A reply
    // interrupted while its replica lost Convex for a while still owes its settlement.
    const unsettled = message.status === 'streaming' || message.errorCode === 'interrupted';
    if (args.settle && unsettled) {
      await settleTurn(ctx, conversation.sessionId, args.settle);
    }

    await endReply(ctx, message, conversation, args, args.now ?? Date.now());
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
