import { paginationOptsValidator } from 'convex/server';
import { v } from 'convex/values';
import { mutation, query } from './_generated/server';
import { requireServerSecret } from './lib/guard';
import { listConversationPage } from './lib/listing';
import { toConversation, toMessage } from './lib/model';
import { markInterrupted } from './lib/recovery';
import { addConversationToDays, addMessageToDays, dayList, emptyStatsPart } from './lib/stats';

/** The admin half of the store: lists, one thread, deletion, stats and crash recovery. */

/** Writes per mutation call: well under Convex's per-transaction limits, callers loop until `done`. */
const WRITE_BATCH = 256;

export const listConversations = query({
  args: {
    secret: v.string(),
    limit: v.number(),
    cursor: v.optional(v.union(v.string(), v.null())),
    q: v.optional(v.string()),
    from: v.optional(v.number()),
    to: v.optional(v.number()),
    problem: v.optional(v.union(v.literal('error'), v.literal('stopped'), v.literal('any'))),
    feedback: v.optional(v.union(v.literal('up'), v.literal('down'), v.literal('any'))),
  },
  handler: async (ctx, { secret, cursor, ...input }) => {
    requireServerSecret(secret);
    const page = await listConversationPage(ctx, { ...input, cursor: cursor ?? null });
    return { items: page.items.map(toConversation), nextCursor: page.nextCursor };
  },
});

export const getThread = query({
  args: { secret: v.string(), conversationId: v.string() },
  handler: async (ctx, args) => {
    requireServerSecret(args.secret);
    const id = ctx.db.normalizeId('conversations', args.conversationId);
    const conversation = id ? await ctx.db.get(id) : null;
    if (!conversation) return null;
    const messages = await ctx.db
      .query('messages')
      .withIndex('by_conversation', (q) => q.eq('conversationId', conversation._id))
      .collect();
    return { conversation: toConversation(conversation), messages: messages.map(toMessage) };
  },
});

/**
 * Removes the conversation at once (so it leaves every list), then its messages `WRITE_BATCH` at a time; the
 * caller repeats the call until `done`. A repeat after a crash finishes the orphaned messages.
 */
export const deleteConversation = mutation({
  args: { secret: v.string(), conversationId: v.string() },
  handler: async (ctx, args) => {
    requireServerSecret(args.secret);
    const id = ctx.db.normalizeId('conversations', args.conversationId);
    if (!id) return { existed: false, done: true };
    const conversation = await ctx.db.get(id);
    if (conversation) await ctx.db.delete(id);
    const messages = await ctx.db
      .query('messages')
      .withIndex('by_conversation', (q) => q.eq('conversationId', id))
      .take(WRITE_BATCH);
    for (const message of messages) await ctx.db.delete(message._id);
    return { existed: conversation !== null, done: messages.length < WRITE_BATCH };
  },
});

/**
 * One page of the stats over `from`..`to` for one table; the caller sums the parts. Paged because a month of
 * messages can exceed what one Convex function may read.
 */
export const stats = query({
  args: {
    secret: v.string(),
    from: v.number(),
    to: v.number(),
    source: v.union(v.literal('conversations'), v.literal('messages')),
    paginationOpts: paginationOptsValidator,
  },
  handler: async (ctx, args) => {
    requireServerSecret(args.secret);
    const part = emptyStatsPart();
    if (args.source === 'conversations') {
      const page = await ctx.db
        .query('conversations')
        .withIndex('by_createdAt', (q) => q.gte('createdAt', args.from).lte('createdAt', args.to))
        .paginate(args.paginationOpts);
      for (const doc of page.page) addConversationToDays(part, doc);
      return { days: dayList(part), isDone: page.isDone, continueCursor: page.continueCursor };
    }
    const page = await ctx.db
      .query('messages')
      .withIndex('by_createdAt', (q) => q.gte('createdAt', args.from).lte('createdAt', args.to))
      .paginate(args.paginationOpts);
    for (const doc of page.page) addMessageToDays(part, doc);
    return { days: dayList(part), isDone: page.isDone, continueCursor: page.continueCursor };
  },
});

/** Marks up to `WRITE_BATCH` replies left `streaming` before `now - olderThanMs` as interrupted; loop until done. */
export const recoverInterrupted = mutation({
  args: { secret: v.string(), olderThanMs: v.number(), now: v.optional(v.number()) },
  handler: async (ctx, args) => {
    requireServerSecret(args.secret);
    const cutoff = (args.now ?? Date.now()) - args.olderThanMs;
    const stale = await ctx.db
      .query('messages')
      .withIndex('by_status', (q) => q.eq('status', 'streaming').lt('createdAt', cutoff))
      .take(WRITE_BATCH);
    for (const message of stale) await markInterrupted(ctx, message);
    return { recovered: stale.length, done: stale.length < WRITE_BATCH };
  },
});
