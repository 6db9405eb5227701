/**
 * Body rules checked before anything reads the body: JSON only, a declared length, and that length within the limit.
 * Checking headers (rather than parsing in a custom parser) keeps Elysia's own JSON parser, which is what lets the
 * OpenAPI generator describe every request body; Bun's maxRequestBodySize backs the declared length up.
 */
import { HttpError } from './http-error.ts';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'payload_too_large', `The request body is larger than ${maxBytes} bytes.`);
}

/** What a route accepts as a body; most take JSON up to MAX_BODY_BYTES (a number is that rule with its limit). */
export interface BodyRule {
  maxBytes: number;
  mediaType: 'application/json' | 'multipart/form-data';
  /** The refusal for a body over `maxBytes`, when the route has a more precise one than `payload_too_large`. */
  tooLarge?: HttpError;
}

/** The refusal for this request's body headers, or null when the body may be read. */
export function checkBodyHeaders(request: Request, rule: number | BodyRule): HttpError | null {
  const { maxBytes, mediaType, tooLarge: overLimit } = typeof rule === 'number' ? { maxBytes: rule, mediaType: 'application/json', tooLarge: undefined } : rule;
  if (!BODY_METHODS.has(request.method)) return null;
  const lengthHeader = request.headers.get('content-length');
  const chunked = /chunked/i.test(request.headers.get('transfer-encoding') ?? '');
  if (lengthHeader === null && !chunked) return null; // no body at all
  if (lengthHeader === '0') return null;
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== mediaType) {
    return mediaType === 'application/json'
      ? new HttpError(415, 'unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.')
      : new HttpError(415, 'unsupported_media_type', `Send the body as ${mediaType}.`);
  }
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') {
    // Compressed bodies are refused rather than inflated: a few kilobytes of gzip can expand to gigabytes.
    return new HttpError(415, 'unsupported_content_encoding', 'Send the body uncompressed (no Content-Encoding).');
  }
  if (lengthHeader === null) {
    return new HttpError(411, 'length_required', 'Send the body with a Content-Length header (chunked bodies are not accepted).');
  }
  const length = Number(lengthHeader);
  if (!Number.isSafeInteger(length) || length < 0) return new HttpError(400, 'invalid_body', 'The Content-Length header is not valid.');
  if (length > maxBytes) return overLimit ?? tooLarge(maxBytes);
  return null;
}
