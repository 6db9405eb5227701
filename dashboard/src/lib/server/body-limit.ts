/**
 * Request body limits, checked from the headers before anything reads a body. adapter-node has one global
 * BODY_SIZE_LIMIT; the entry turns it off (entry/index.js) so that a file upload on the Knowledge page may be as
 * large as the chat server accepts (KNOWLEDGE_MAX_FILE_BYTES), while every other form keeps the small default.
 */

/** adapter-node's own default, kept for every route but the upload. */
export const FORM_BODY_LIMIT = 512 * 1024;
/** The multipart envelope around the file: boundaries, part headers, the title field. */
export const UPLOAD_ENVELOPE_BYTES = 64 * 1024;

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type BodyCheck = { ok: true } | { ok: false; status: 411 | 413; code: 'length_required' | 'body_too_large'; message: string };

/** The Knowledge page's upload action (`POST /knowledge?/upload`), the one route with the larger limit. */
export function isUploadAction(url: URL): boolean {
  return url.pathname === '/knowledge' && url.searchParams.has('/upload');
}

/**
 * Whether a body of this declared size may be read. A body without a Content-Length (chunked) is refused: its size
 * is known only by reading it. Browsers always send the length of a form post.
 */
export function checkBody(method: string, headers: Headers, limitBytes: number): BodyCheck {
  if (!BODY_METHODS.has(method.toUpperCase())) return { ok: true };
  const declared = headers.get('content-length');
  if (declared === null) {
    if (!headers.has('transfer-encoding')) return { ok: true }; // no body at all
    return { ok: false, status: 411, code: 'length_required', message: 'Send the body with a Content-Length header.' };
  }
  const length = Number(declared);
  if (!/^\d{1,15}$/.test(declared.trim()) || !Number.isSafeInteger(length)) {
    return { ok: false, status: 411, code: 'length_required', message: 'The Content-Length header is not a number.' };
  }
  if (length > limitBytes) {
    return { ok: false, status: 413, code: 'body_too_large', message: `The request body is larger than ${limitBytes.toLocaleString('en')} bytes.` };
  }
  return { ok: true };
}
