/** The session cookie on a request: issue, read (signature, expiry, revocation) and clear. */
import type { Cookies } from '@sveltejs/kit';
import { newSession, signSession, verifySession, type SessionPayload } from './session.ts';

export const SESSION_COOKIE = 'ocw_session';

export interface SessionKeeper {
  read(cookies: Cookies, now: number): SessionPayload | null;
  issue(cookies: Cookies, secure: boolean, now: number): SessionPayload;
  /** Clears the cookie and refuses that session id until it would have expired anyway. */
  revoke(cookies: Cookies, session: SessionPayload | null, secure: boolean, now: number): void;
}

export function createSessionKeeper(options: { secret: string; ttlMs: number }): SessionKeeper {
  const { secret, ttlMs } = options;
  // Logged-out ids, kept only until their own expiry; in memory because a restart with a new secret (dev) or
  // the same one (prod) both bound the risk by the cookie's expiry.
  const revoked = new Map<string, number>();
  const forgetExpired = (now: number) => {
    for (const [id, exp] of revoked) if (exp <= now) revoked.delete(id);
  };

  const cookieOptions = (secure: boolean) => ({ path: '/', httpOnly: true, sameSite: 'lax' as const, secure });

  return {
    read(cookies, now) {
      const session = verifySession(cookies.get(SESSION_COOKIE), secret, now);
      if (!session || revoked.has(session.id)) return null;
      return session;
    },
    issue(cookies, secure, now) {
      const session = newSession(now, ttlMs);
      cookies.set(SESSION_COOKIE, signSession(session, secret), { ...cookieOptions(secure), maxAge: Math.floor(ttlMs / 1000) });
      return session;
    },
    revoke(cookies, session, secure, now) {
      forgetExpired(now);
      if (session) revoked.set(session.id, session.exp);
      cookies.delete(SESSION_COOKIE, cookieOptions(secure));
    },
  };
}
