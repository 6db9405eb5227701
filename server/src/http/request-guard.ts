/**
 * Refusals for hostile request shapes that no honest client sends, checked before any route runs (URL) or before the
 * schema sees the body (JSON value): malformed percent-encoding, control characters, lone surrogates, deep nesting.
 * Each would otherwise reach the store, the model or the logs as data nobody meant to write.
 */
import { HttpError } from './http-error.ts';

export const MAX_URL_LENGTH = 8192;
/** Our bodies are flat objects; anything deeper is an attack on the parser or the validator, not a chat message. */
export const MAX_JSON_DEPTH = 16;

// C0 controls except tab, line feed and carriage return (which real messages contain), DEL, and the C1 controls
// (U+0080–U+009F: NEL, U+0085, is a line break to some parsers and terminals, and none of them is ever typed as text).
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// URLs have no business carrying any control character, tab and newlines included.
const URL_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const invalidUrl = (why: string) => new HttpError(400, 'invalid_url', `The request URL is not valid: ${why}.`);
const invalidText = () =>
  new HttpError(400, 'invalid_characters', 'The request contains control characters or broken Unicode (a lone surrogate), which this API does not accept.');

/**
 * The parsed URL of a request. Bun gives a bare path (or `host:port` for CONNECT) when the Host header is missing or
 * unusable, as in an HTTP/1.0 probe, so a base is supplied rather than letting `new URL` throw.
 */
export function urlOf(request: Request): URL | null {
  try {
    return new URL(request.url, 'http://localhost');
  } catch {
    return null;
  }
}

export function pathOf(request: Request): string | null {
  return urlOf(request)?.pathname ?? null;
}

function decodeComponent(raw: string): string | null {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** The refusal for this request's URL, or null when it is well-formed. */
export function checkRequestUrl(request: Request): HttpError | null {
  if (request.url.length > MAX_URL_LENGTH) return new HttpError(414, 'uri_too_long', `The request URL is longer than ${MAX_URL_LENGTH} characters.`);
  const url = urlOf(request);
  if (!url) return invalidUrl('it cannot be parsed');
  // The URL parser percent-encodes every control character it keeps, so without a '%' there is nothing to decode
  // and nothing to refuse: the common case skips the per-part decoding below.
  if (!url.pathname.includes('%') && !url.search.includes('%')) return null;
  const parts = [...url.pathname.split('/'), ...url.search.slice(1).split(/[&=]/)];
  for (const part of parts) {
    const decoded = decodeComponent(part);
    if (decoded === null) return invalidUrl('it has a malformed percent-encoding or invalid UTF-8');
    if (URL_CONTROL.test(decoded)) return invalidUrl('it contains control characters');
  }
  return null;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function cleanText(text: string): boolean {
  return !CONTROL.test(text) && !LONE_SURROGATE.test(text);
}

/** The refusal for a parsed JSON body, or null when every string in it is clean and it is shallow enough. */
export function checkJsonValue(value: unknown): HttpError | null {
  // Iterative walk: a recursive one would hand the attacker the stack depth it is meant to bound.
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: item, depth } = pending.pop()!;
    if (typeof item === 'string') {
      if (!cleanText(item)) return invalidText();
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return new HttpError(400, 'body_too_deep', `The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`);
    for (const [key, child] of Object.entries(item)) {
      if (!cleanText(key)) return invalidText();
      pending.push({ value: child, depth: depth + 1 });
    }
  }
  return null;
}
