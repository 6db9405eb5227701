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

/** A path as this site's own links write it: printable ASCII only (anything else arrives percent-encoded). */
const PLAIN_PATH = /^\/[\x21-\x7e]*$/;

/**
 * Where to go after signing in: a path on this site only (no `//host`, no scheme), else the list. Tabs, newlines
 * and non-ASCII characters are refused too: a Location header cannot carry them (the redirect would fail with a
 * 500), and browsers drop tabs and newlines from URLs, which would turn `/\t/evil.example` into `//evil.example`.
 */
export function safeNext(next: string | null): string {
  if (!next || !PLAIN_PATH.test(next) || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}
