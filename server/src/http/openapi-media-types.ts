/**
 * @elysiajs/openapi documents every success reply as application/json (text/plain for a string schema), whatever the
 * route really sends, so a generated client would JSON-parse an NDJSON stream or a CSV file; and it documents every
 * request body as JSON too, because the body reader names a global `json` parser. A route that sends or takes other
 * media types says which in its `detail` (`...repliesAs('application/x-ndjson')`, `...takes('multipart/form-data')`),
 * and the OpenAPI plugin, wrapped in `withMediaTypes`, serves the document with those media types.
 */
import { Elysia, type AnyElysia } from 'elysia';

const REPLY = 'x-reply-media-types';
const REQUEST = 'x-request-media-types';

/** Spread into a route's `detail`: the media types its 200 reply comes as (the schema stays the route's own). */
export function repliesAs(...mediaTypes: [string, ...string[]]): Record<typeof REPLY, string[]> {
  return { [REPLY]: mediaTypes };
}

/** Spread into a route's `detail`: the only media types its request body may come as. */
export function takes(...mediaTypes: [string, ...string[]]): Record<typeof REQUEST, string[]> {
  return { [REQUEST]: mediaTypes };
}

type Content = Record<string, unknown>;
interface DocumentOperation {
  [REPLY]?: string[];
  [REQUEST]?: string[];
  requestBody?: { content?: Content };
  responses?: Record<string, { content?: Content }>;
}

/** The same schema under each of `mediaTypes` (the schema of the type already there, or of the first one). */
function withTypes(content: Content, mediaTypes: string[]): Content {
  const schema = mediaTypes.map((type) => content[type]).find((media) => media !== undefined) ?? Object.values(content)[0];
  return Object.fromEntries(mediaTypes.map((type) => [type, schema]));
}

/** Rewrites the document in place; running it twice changes nothing (the plugin serves one cached document). */
export function applyMediaTypes(document: { paths?: Record<string, Record<string, DocumentOperation>> }): void {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const ok = operation.responses?.['200'];
      if (operation[REPLY] && ok?.content) ok.content = withTypes(ok.content, operation[REPLY]);
      const body = operation.requestBody;
      if (operation[REQUEST] && body?.content) body.content = withTypes(body.content, operation[REQUEST]);
    }
  }
}

/**
 * Wraps the OpenAPI plugin: the hook is local to this instance, so it runs for the document's own routes and no other.
 * The document route is the only one here that answers a plain object: that object is the document.
 */
export function withMediaTypes<const Docs extends AnyElysia>(docs: Docs) {
  return new Elysia({ name: 'openapi-media-types' })
    .onAfterHandle(({ responseValue }) => {
      if (responseValue && typeof responseValue === 'object' && 'paths' in responseValue) applyMediaTypes(responseValue as Parameters<typeof applyMediaTypes>[0]);
    })
    .use(docs);
}
