import { v } from 'convex/values';
import { query } from './_generated/server';
import { requireServerSecret } from './lib/guard';

/** Readiness probe: proves the deployment answers and shares our secret, without reading data. */
export const ping = query({
  args: { secret: v.string() },
  handler: async (_ctx, args) => {
    requireServerSecret(args.secret);
    return { ok: true as const };
  },
});
