/**
 * The HTTP layer's own refusals (keys, origins, bodies, routes): a status, a code and a sentence, answered as
 * `{ error, code }` by http/errors.ts. Domain code throws `DomainError` (errors.ts) instead and knows no status.
 */
import { t } from 'elysia';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const ErrorBody = t.Object(
  {
    error: t.String({ description: 'A sentence for humans.' }),
    code: t.String({ description: 'A stable machine code, e.g. `validation_failed`, `invalid_api_key`.' }),
  },
  { title: 'Error' },
);
export type ErrorBody = typeof ErrorBody.static;

/** The error replies every guarded route can give, for the OpenAPI document. */
export const commonErrors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  429: ErrorBody,
  503: ErrorBody,
} as const;
