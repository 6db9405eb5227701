/**
 * What every admin API client of the dashboard shares: a fetch with a deadline, Eden Treaty's reply shape, and the
 * one way a reply becomes data, "not found" (null) or an `AdminApiError` worded for whoever set up the dashboard.
 */

export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

export interface EdenReply<T> {
  data: T | null;
  error: { status: unknown; value: unknown } | null;
  status: number;
  /** Undefined when the request never got an answer (Eden then reports status 503 with the fetch error). */
  response?: Response;
}

/** A fetch that gives up after `timeoutMs` unless the caller brings its own signal. */
export function fetchWithDeadline(fetch: typeof globalThis.fetch, timeoutMs: number): typeof globalThis.fetch {
  return ((input: RequestInfo | URL, init?: RequestInit) =>
    fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) })) as typeof globalThis.fetch;
}

export function codeOf(body: unknown): string | null {
  const code = typeof body === 'object' && body !== null ? (body as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : null;
}

export function unreachable(baseUrl: string, cause: unknown): AdminApiError {
  const late = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
  return new AdminApiError(502, 'api_unreachable', `The chat server at ${baseUrl} ${late ? 'did not answer in time' : 'could not be reached'}.`);
}

/** The server's `{error, code}` body as an AdminApiError that keeps the server's sentence; a 401 says what to fix. */
export function refusal(status: number, body: unknown): AdminApiError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (status === 401) {
    return new AdminApiError(401, codeOf(body) ?? 'invalid_admin_key', "The chat server refused the dashboard's admin key: set ADMIN_API_KEY to the server's value.");
  }
  return new AdminApiError(status, codeOf(body) ?? 'api_error', typeof error === 'string' ? error : `The chat server answered ${status}.`);
}

/**
 * The reply's data; null when `isMissing` says the 404 means "no such thing" (not a wrong route); otherwise the
 * failure as an AdminApiError.
 */
export async function settleReply<T>(
  baseUrl: string,
  call: () => Promise<EdenReply<T>>,
  isMissing: (reply: EdenReply<T>) => boolean,
): Promise<T | null> {
  let reply: EdenReply<T>;
  try {
    reply = await call();
  } catch (cause) {
    throw unreachable(baseUrl, cause);
  }
  if (!reply.response) throw unreachable(baseUrl, reply.error?.value);
  if (reply.status === 404 && isMissing(reply)) return null;
  if (reply.error || reply.data === null) throw refusal(reply.status, reply.error?.value);
  return reply.data;
}

/**
 * Eden puts a path parameter into the URL as given: encode it, so no value can add a segment, a query or a fragment
 * (ids are checked first anyway; this holds for any parameter added later).
 */
export function pathSegment(value: string): string {
  return encodeURIComponent(value);
}
