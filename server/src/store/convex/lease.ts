/**
 * This replica's lease in the Convex deployment (convex/recovery.ts): renewed every third of its length while the
 * process lives, so the deployment's cron can tell a reply whose replica died from one still being streamed.
 */
import { api } from '../../../../convex/_generated/api.js';
import type { ConvexCalls } from './calls.ts';

export interface ReplicaLeaseOptions {
  /** Random per process: a restarted replica is a new one, and its predecessor's replies are swept. */
  replicaId: string;
  leaseMs: number;
}

export interface ReplicaLease {
  replicaId: string;
  /** Settles once the first renewal was tried, so the first turn is stored after the lease exists. */
  ready: Promise<void>;
  /** Stops renewing and ends the lease at once (clean shutdown): its leftover replies are swept on the next run. */
  release(): Promise<void>;
}

export function holdReplicaLease(calls: ConvexCalls, { replicaId, leaseMs }: ReplicaLeaseOptions): ReplicaLease {
  // A failed renewal is retried on the next tick; two in a row still leave a third before the lease runs out.
  const renew = () => calls.mutation(api.recovery.renewLease, { replicaId, leaseMs }).then(() => undefined, () => undefined);
  const ready = renew();
  const timer = setInterval(() => void renew(), Math.max(250, Math.floor(leaseMs / 3)));
  // The lease must not keep a process alive that has nothing else to do.
  timer.unref?.();
  return {
    replicaId,
    ready,
    async release() {
      clearInterval(timer);
      await calls.mutation(api.recovery.releaseLease, { replicaId }).catch(() => undefined);
    },
  };
}
