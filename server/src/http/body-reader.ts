/**
 * Reads JSON request bodies against a deadline. Bun bounds only the silence on a connection, so a client sending one
 * byte a second keeps a request open indefinitely while the route waits for its body; here the whole body must arrive
 * within REQUEST_BODY_TIMEOUT_MS of the headers, or the request is answered 408 and its connection closed.
 * body.ts has already refused, from the headers, every body that is not JSON of a declared length within the limit.
 */
import { Elysia } from 'elysia';
import { HttpError } from './http-error.ts';

/** The least time a file upload gets to arrive: 10 MB at under 100 KB/s. */
const UPLOAD_TIMEOUT_MS = 120_000;

function bodyTimeout(timeoutMs: number): HttpError {
  const seconds = Math.round(timeoutMs / 100) / 10;
  // The rest of the body may still be on its way: the connection cannot be reused, so it is closed with the answer.
  return new HttpError(408, 'body_timeout', `The request body did not arrive within ${seconds} seconds.`, { connection: 'close' });
}

async function readWithin<T>(request: Request, timeoutMs: number, read: (request: Request) => Promise<T>): Promise<T> {
  const text = read(request);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(bodyTimeout(timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([text, deadline]);
  } finally {
    clearTimeout(timer);
    // After a timeout the read fails once the connection closes; nobody is waiting for it any more.
    text.catch(() => {});
  }
}

export function bodyReader({ timeoutMs }: { timeoutMs: number }) {
  // The parser returns a value for every request (null when there is no body), so the `json` entry after it never
  // runs: it is there for the OpenAPI generator, which describes a route's body by the named parsers it finds.
  const parseJsonWithin = async ({ request }: { request: Request }) => {
    if (request.body === null) return null;
    // The knowledge upload (the one multipart route, knowledge-body-rules.ts, admin key checked before the body is read) may
    // carry megabytes: it gets at least UPLOAD_TIMEOUT_MS. Its fields become an object.
    if (/^multipart\/form-data/i.test(request.headers.get('content-type') ?? '')) {
      const form = await readWithin(request, Math.max(timeoutMs, UPLOAD_TIMEOUT_MS), (r) => r.formData());
      return Object.fromEntries(form.entries()) as unknown;
    }
    const text = await readWithin(request, timeoutMs, (r) => r.text());
    return text === '' ? null : (JSON.parse(text) as unknown);
  };
  // Elysia runs named parsers given in a list (compose.ts) but its types accept functions only there.
  const parsers = [parseJsonWithin, 'json'] as unknown as Array<typeof parseJsonWithin>;
  return new Elysia({ name: 'body-reader', seed: timeoutMs }).onParse({ as: 'global' }, parsers);
}
