/** Every failure becomes `{ error, code }` with the right status, here and nowhere else. No stack trace leaves. */
import { DomainError, type DomainErrorCode } from '../errors.ts';
import { KnowledgeError, type KnowledgeErrorCode } from '../knowledge/errors.ts';
import { LlmError, type LlmErrorCode } from '../llm/types.ts';
import { StoreError } from '../store/chat-store.ts';
import { HttpError } from './http-error.ts';

const DOMAIN_ERROR_STATUS: Record<DomainErrorCode, number> = {
  llm_not_configured: 503,
  validation_failed: 400,
  rate_limited: 429,
  budget_exhausted: 429,
  interrupted: 503,
};

const KNOWLEDGE_ERROR_STATUS: Record<KnowledgeErrorCode, number> = {
  source_not_found: 404,
  empty_file: 400,
  unsupported_file_type: 415,
  not_text: 400,
  file_too_large: 413,
  invalid_pdf: 400,
  empty_text: 400,
  invalid_url: 400,
  url_refused: 400,
  fetch_failed: 400,
  sitemap_loop: 400,
  sitemap_invalid: 400,
  not_refetchable: 409,
  knowledge_disabled: 409,
};

/** HTTP status the API answers for each upstream failure (the visitor did nothing wrong: 5xx). */
export const LLM_ERROR_STATUS: Record<LlmErrorCode, number> = {
  upstream_auth_failed: 502,
  upstream_rate_limited: 503,
  upstream_unavailable: 502,
  upstream_timeout: 504,
  upstream_rejected: 502,
  upstream_aborted: 499,
};

function retryHeaders(retryAfterSeconds: number | null): Record<string, string> {
  return retryAfterSeconds === null ? {} : { 'retry-after': String(retryAfterSeconds) };
}

export interface ErrorReply {
  status: number;
  body: { error: string; code: string };
  headers: Record<string, string>;
}

interface ValidationIssue {
  path?: string;
  message?: string;
  summary?: string;
  /** The failing schema; its `x-error` string, when it has one, says what the field must be better than a pattern. */
  schema?: { 'x-error'?: unknown };
}

function describeValidation(error: unknown): string {
  const all = (error as { all?: ValidationIssue[] }).all;
  const first = Array.isArray(all) ? all[0] : undefined;
  if (!first) return 'The request is not valid.';
  const field = (first.path ?? '').replace(/^\//, '').replace(/\//g, '.');
  const own = typeof first.schema?.['x-error'] === 'string' ? first.schema['x-error'] : null;
  const why = (own ?? first.summary ?? first.message ?? 'is not valid').replace(/^Expected/, 'expected');
  return field ? `Invalid field "${field}": ${why}.`.replace(/\.\.$/, '.') : `Invalid request: ${why}.`.replace(/\.\.$/, '.');
}

/** `elysiaCode` is the code Elysia gives its own errors (VALIDATION, PARSE, NOT_FOUND, …). */
export function toErrorReply(error: unknown, elysiaCode: string | number): ErrorReply {
  // Elysia wraps whatever a body parser throws in its ParseError: our own parser's refusals (413, 415) come out whole.
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (elysiaCode === 'PARSE' && cause instanceof HttpError) error = cause;
  if (error instanceof HttpError) return { status: error.status, body: { error: error.message, code: error.code }, headers: error.headers };
  if (error instanceof DomainError) {
    const headers = retryHeaders(error.retryAfterSeconds);
    if (error.rateLimit) {
      headers['ratelimit-limit'] = String(error.rateLimit.limit);
      headers['ratelimit-remaining'] = String(error.rateLimit.remaining);
      headers['ratelimit-reset'] = String(error.rateLimit.resetSeconds);
    }
    return { status: DOMAIN_ERROR_STATUS[error.code], body: { error: error.message, code: error.code }, headers };
  }
  if (error instanceof KnowledgeError) {
    return { status: KNOWLEDGE_ERROR_STATUS[error.code], body: { error: error.message, code: error.code }, headers: {} };
  }
  if (error instanceof LlmError) {
    return { status: LLM_ERROR_STATUS[error.code], body: { error: error.message, code: error.code }, headers: retryHeaders(error.retryAfterSeconds) };
  }
  if (error instanceof StoreError) {
    if (error.code === 'not_found') return { status: 404, body: { error: error.message, code: 'not_found' }, headers: {} };
    if (error.code === 'invalid_cursor') return { status: 400, body: { error: error.message, code: 'invalid_cursor' }, headers: {} };
    return { status: 503, body: { error: 'The conversation store is unavailable; try again shortly.', code: 'store_unavailable' }, headers: {} };
  }
  switch (elysiaCode) {
    case 'VALIDATION':
      return { status: 400, body: { error: describeValidation(error), code: 'validation_failed' }, headers: {} };
    case 'PARSE':
      return { status: 400, body: { error: 'The request body could not be parsed; send JSON with Content-Type: application/json.', code: 'invalid_body' }, headers: {} };
    case 'NOT_FOUND':
      return { status: 404, body: { error: 'No such route. See /v1/openapi.json for the API.', code: 'not_found' }, headers: {} };
    case 'INVALID_COOKIE_SIGNATURE':
      return { status: 400, body: { error: 'Invalid cookie.', code: 'invalid_cookie' }, headers: {} };
  }
  const status = typeof elysiaCode === 'number' ? elysiaCode : Number((error as { status?: unknown })?.status);
  if (Number.isInteger(status) && status >= 400 && status < 500) {
    return { status, body: { error: 'The request was refused.', code: 'bad_request' }, headers: {} };
  }
  return { status: 500, body: { error: 'Something went wrong on the server; it has been logged.', code: 'internal_error' }, headers: {} };
}
