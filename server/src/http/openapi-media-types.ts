/**
 * @elysiajs/openapi documents every success reply as application/json (text/plain for a string schema), whatever the
 * route really sends, so a generated client would JSON-parse an NDJSON stream or a CSV file. A route that answers
 * another media type says which in its `detail` (`...repliesAs('application/x-ndjson')`), and the OpenAPI plugin,
 * wrapped in `withReplyMediaTypes`, serves that operation's 200 reply with those media types.
 */
import { Elysia, type AnyElysia } from 'elysia';

const EXTENSION = 'x-reply-media-types';

/** Spread into a route's `detail`: the media types its 200 reply comes as (the schema stays the route's own). */
export function repliesAs(...mediaTypes: [string, ...string[]]): Record<typeof EXTENSION, string[]> {
  return { [EXTENSION]: mediaTypes };
}

interface DocumentOperation {
  [EXTENSION]?: string[];
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

/** Rewrites the document in place; running it twice changes nothing (the plugin serves one cached document). */
export function applyReplyMediaTypes(document: { paths?: Record<string, Record<string, DocumentOperation>> }): void {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const mediaTypes = operation[EXTENSION];
      const ok = operation.responses?.['200'];
      const [media] = Object.values(ok?.content ?? {});
      if (!mediaTypes || !ok || media === undefined) continue;
      ok.content = Object.fromEntries(mediaTypes.map((type) => [type, media]));
    }
  }
}

/**
 * Wraps the OpenAPI plugin: the hook is local to this instance, so it runs for the document's own routes and no other.
 * The document route is the only one here that answers a plain object: that object is the document.
 */
export function withReplyMediaTypes<const Docs extends AnyElysia>(docs: Docs) {
  return new Elysia({ name: 'openapi-reply-media-types' })
    .onAfterHandle(({ responseValue }) => {
      if (responseValue && typeof responseValue === 'object' && 'paths' in responseValue) applyReplyMediaTypes(responseValue as Parameters<typeof applyReplyMediaTypes>[0]);
    })
    .use(docs);
}
