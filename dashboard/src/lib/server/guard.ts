/** Which paths answer without a session, and what a request without one gets instead. */

const PUBLIC_PATHS = new Set(['/login', '/healthz']);
/** Endpoints fetched by scripts: a 401 JSON error suits them better than a redirect to a login page. */
const JSON_ENDPOINTS = new Set(['/export', '/conversations.json']);

export type GuardDecision = { kind: 'pass' } | { kind: 'login'; location: string } | { kind: 'unauthorized' };

export function guard(pathname: string, search: string, signedIn: boolean): GuardDecision {
  if (signedIn || PUBLIC_PATHS.has(pathname)) return { kind: 'pass' };
  if (JSON_ENDPOINTS.has(pathname)) return { kind: 'unauthorized' };
  const next = pathname === '/' && !search ? '' : `?next=${encodeURIComponent(pathname + search)}`;
  return { kind: 'login', location: `/login${next}` };
}

/** Where to go after signing in: a path on this site only (no `//host`, no scheme), else the list. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}
