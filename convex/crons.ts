import { cronJobs } from 'convex/server';
import { internal } from './_generated/api.js';

/**
 * Interrupts replies left `streaming` by a replica that died (see recovery.ts). Every 30 s: with the default
 * 30 s lease, a dead replica's replies end within about a minute, while the others keep running.
 */
const crons = cronJobs();
crons.interval('interrupt abandoned replies', { seconds: 30 }, internal.recovery.sweepAbandonedReplies, {});

export default crons;
