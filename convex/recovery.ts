import { v } from 'convex/values';
import { internal } from './_generated/api.js';
import { internalMutation, mutation } from './_generated/server';
import { requireServerSecret } from './lib/guard';
import { isAbandoned, markInterrupted } from './lib/recovery';

/**
 * Recovery without a reboot. Each server replica holds a lease here, renewed every third of its length; the cron
 * in crons.ts sweeps `streaming` replies and interrupts those whose replica's lease ran out, so a replica that
 * dies mid-stream leaves nothing half-written for longer than a lease plus one sweep interval, and a reply that a
 * live replica is still streaming is never touched.
 */

/** Streaming replies looked at per sweep (each is one live model call, so this is far above any real load). */
const SCAN_LIMIT = 2048;
/** Replies interrupted per transaction; a longer list continues in a follow-up run. */
const WRITE_BATCH = 256;
/** Expired leases are kept this long (replies of a dead replica are swept well before), then deleted. */
const LEASE_RETENTION_MS = 24 * 60 * 60 * 1000;

export const renewLease = mutation({
  args: { secret: v.string(), replicaId: v.string(), leaseMs: v.number() },
  handler: async (ctx, args) => {
    requireServerSecret(args.secret);
    const expiresAt = Date.now() + Math.max(1000, args.leaseMs);
    const lease = await ctx.db
      .query('replicaLeases')
      .withIndex('by_replicaId', (q) => q.eq('replicaId', args.replicaId))
      .unique();
    if (lease) await ctx.db.patch(lease._id, { expiresAt });
    else await ctx.db.insert('replicaLeases', { replicaId: args.replicaId, expiresAt });
    return { expiresAt };
  },
});

/** Ends a replica's lease at once (clean shutdown): its replies still streaming are swept by the next run. */
export const releaseLease = mutation({
  args: { secret: v.string(), replicaId: v.string() },
  handler: async (ctx, args) => {
    requireServerSecret(args.secret);
    const lease = await ctx.db
      .query('replicaLeases')
      .withIndex('by_replicaId', (q) => q.eq('replicaId', args.replicaId))
      .unique();
    if (lease) await ctx.db.patch(lease._id, { expiresAt: Date.now() });
  },
});

/** The cron's job: interrupts abandoned replies, forgets long-expired leases. Internal: not callable from outside. */
export const sweepAbandonedReplies = internalMutation({
  args: {},
  handler: async (ctx) => {
    const now = Date.now();
    const leases = new Map<string, number>();
    for (const lease of await ctx.db.query('replicaLeases').collect()) leases.set(lease.replicaId, lease.expiresAt);

    const streaming = await ctx.db
      .query('messages')
      .withIndex('by_status', (q) => q.eq('status', 'streaming'))
      .take(SCAN_LIMIT);
    const abandoned = streaming.filter((message) =>
      isAbandoned(message, message.replicaId === undefined ? undefined : leases.get(message.replicaId), now),
    );
    for (const message of abandoned.slice(0, WRITE_BATCH)) await markInterrupted(ctx, message);
    if (abandoned.length > WRITE_BATCH) await ctx.scheduler.runAfter(0, internal.recovery.sweepAbandonedReplies, {});

    const forgotten = await ctx.db
      .query('replicaLeases')
      .withIndex('by_expiresAt', (q) => q.lt('expiresAt', now - LEASE_RETENTION_MS))
      .take(WRITE_BATCH);
    for (const lease of forgotten) await ctx.db.delete(lease._id);
    return { interrupted: Math.min(abandoned.length, WRITE_BATCH) };
  },
});
