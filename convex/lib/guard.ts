import { ConvexError } from 'convex/values';

/**
 * Every public function of this deployment is reachable by anyone who knows its URL, so each one proves the
 * caller is our server by a shared secret (`CONVEX_SERVER_SECRET` in the deployment env), compared in constant
 * time so the answer time does not reveal how much of a guess was right.
 */

export type ConvexFailureCode = 'unauthorized' | 'not_configured' | 'not_found' | 'invalid_cursor' | 'bad_request';

// A type alias, not an interface: ConvexError data must be assignable to a Convex `Value`.
export type ConvexFailure = {
  code: ConvexFailureCode;
  message: string;
};

// Convex's runtime provides `process.env` (deployment env vars) without Node's types.
declare const process: { env: Record<string, string | undefined> };

export function fail(code: ConvexFailureCode, message: string): never {
  throw new ConvexError<ConvexFailure>({ code, message });
}

/** Length-independent comparison: walks the longer input whatever the mismatch position. */
export function constantTimeEqual(a: string, b: string): boolean {
  const length = Math.max(a.length, b.length);
  let difference = a.length ^ b.length;
  for (let i = 0; i < length; i++) {
    difference |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  }
  return difference === 0;
}

export function requireServerSecret(secret: string, env: Record<string, string | undefined> = process.env): void {
  const expected = env.CONVEX_SERVER_SECRET;
  if (!expected) {
    fail(
      'not_configured',
      'CONVEX_SERVER_SECRET is not set in this Convex deployment; set it with `npx convex env set CONVEX_SERVER_SECRET <secret>`.',
    );
  }
  if (!constantTimeEqual(secret, expected)) {
    fail('unauthorized', 'The server secret does not match CONVEX_SERVER_SECRET of this Convex deployment.');
  }
}
