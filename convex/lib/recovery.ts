import type { Doc } from '../_generated/dataModel';
import type { MutationCtx } from '../_generated/server';

/** Ends a reply that will never be finished: `error` with code `interrupted`, counted once in its conversation. */
export async function markInterrupted(ctx: MutationCtx, message: Doc<'messages'>): Promise<void> {
  await ctx.db.patch(message._id, { status: 'error', errorCode: 'interrupted' });
  const conversation = await ctx.db.get(message.conversationId);
  if (!conversation) return;
  // Counters count a reply once it has ended (see finishTurn): this is where a dead replica's reply ends.
  await ctx.db.patch(conversation._id, {
    errorCount: conversation.errorCount + 1,
    messageCount: conversation.messageCount + 1,
  });
}

/** Replies stored before leases existed carry no limit of their own: the boot-time cutoff's default. */
export const LEGACY_STREAM_LIMIT_MS = 60_000 + 60_000;

/**
 * Whether a `streaming` reply can no longer be finished by anyone: its replica's lease ran out (the replica died
 * or lost Convex for longer than the lease), or it outlived the longest a model call may take plus a margin,
 * which also covers a live replica whose finishTurn call failed. Times are this deployment's clock on both sides
 * (`_creationTime`, lease expiry), so server clock skew plays no part.
 */
export function isAbandoned(message: Doc<'messages'>, leaseExpiresAt: number | undefined, now: number): boolean {
  const limit = message.streamLimitMs ?? LEGACY_STREAM_LIMIT_MS;
  if (message._creationTime + limit < now) return true;
  if (message.replicaId === undefined) return false;
  return leaseExpiresAt === undefined || leaseExpiresAt <= now;
}
