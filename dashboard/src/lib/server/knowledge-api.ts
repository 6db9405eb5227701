/**
 * The chat server's knowledge admin API (`/v1/admin/knowledge…`), called from the dashboard's server side only.
 * JSON routes go through Eden Treaty typed by the server's own knowledge routes (the `App` type mounts them only
 * when a knowledge base is configured, a union Eden cannot follow); the file upload is a plain `fetch` that passes
 * the browser's multipart body on as it arrives (Eden would build its own FormData from a buffered file).
 */
import { treaty } from '@elysiajs/eden';
import type { knowledgeRoutes } from '../../../../server/src/knowledge/routes.ts';
import { isSourceId, type KnowledgeOverview, type KnowledgeSource } from '../knowledge.ts';
import { AdminApiError, codeOf, fetchWithDeadline, refusal, pathSegment, settleReply, unreachable } from './eden-reply.ts';
import { relay } from './request-body.ts';

export interface KnowledgeApi {
  list(): Promise<KnowledgeOverview>;
  /** Null when the source does not exist (or `id` cannot be a source id at all). */
  get(id: string): Promise<KnowledgeSource | null>;
  addText(input: { title: string; text: string }): Promise<KnowledgeSource>;
  addUrl(input: { url: string; kind?: 'page' | 'sitemap' }): Promise<KnowledgeSource>;
  /**
   * `body` is a `multipart/form-data` body with `file` and optional `title`, sent on unread with the browser's own
   * content type (its boundary) and length: the server refuses bodies without a Content-Length.
   */
  upload(body: ReadableStream<Uint8Array>, headers: { contentType: string | null; contentLength: string | null }): Promise<KnowledgeSource>;
  /** Null when the source does not exist. */
  refetch(id: string): Promise<KnowledgeSource | null>;
  /** False when it did not exist. */
  remove(id: string): Promise<boolean>;
}

export interface KnowledgeApiOptions {
  baseUrl: string;
  adminKey: string;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
  /** An upload may be large and the server reads it whole before answering. */
  uploadTimeoutMs?: number;
}

export function createKnowledgeApi({
  baseUrl,
  adminKey,
  fetch = globalThis.fetch,
  timeoutMs = 15_000,
  uploadTimeoutMs = 120_000,
}: KnowledgeApiOptions): KnowledgeApi {
  // Adding a URL fetches it (or its sitemap) before the server answers: allow for the server's own fetch timeout.
  const client = treaty<ReturnType<typeof knowledgeRoutes>>(baseUrl, {
    headers: { 'x-admin-api-key': adminKey },
    parseDate: false,
    fetcher: fetchWithDeadline(fetch, timeoutMs),
  });
  const knowledge = client.v1.admin.knowledge;

  /** The reply's data, null for a 404 `source_not_found`, or the failure as an AdminApiError. */
  const settle = <T>(call: Parameters<typeof settleReply<T>>[1]) =>
    settleReply(baseUrl, call, (reply) => codeOf(reply.error?.value) === 'source_not_found');

  const required = <T>(value: T | null): T => {
    if (value === null) throw new AdminApiError(502, 'api_not_found', 'The chat server has no knowledge API at /v1/admin/knowledge: update the server.');
    return value;
  };

  return {
    async list() {
      return required(await settle(() => knowledge.get()));
    },
    async get(id) {
      if (!isSourceId(id)) return null;
      return settle(() => knowledge({ id: pathSegment(id) }).get());
    },
    async addText(input) {
      return required(await settle(() => knowledge.texts.post(input)));
    },
    async addUrl(input) {
      return required(await settle(() => knowledge.urls.post(input)));
    },
    async upload(body, { contentType, contentLength }) {
      const headers: Record<string, string> = { 'x-admin-api-key': adminKey };
      if (contentType) headers['content-type'] = contentType;
      if (contentLength && /^\d{1,15}$/.test(contentLength)) headers['content-length'] = contentLength;
      // The server may answer (refuse) before the whole body has arrived: the rest is read and dropped afterwards.
      const relayed = relay(body);
      let response: Response;
      try {
        response = await fetch(`${baseUrl}/v1/admin/knowledge/files`, {
          method: 'POST',
          headers,
          body: relayed.stream,
          // A stream body must say so; the browser's bytes go on as they arrive.
          duplex: 'half',
          signal: AbortSignal.timeout(uploadTimeoutMs),
        } as RequestInit);
      } catch (cause) {
        // The dashboard's own body limit errors the stream it passes on: say which limit, not "unreachable".
        if (isPayloadTooLarge(cause)) throw new AdminApiError(413, 'body_too_large', 'The file is larger than the dashboard accepts (BODY_SIZE_LIMIT).');
        throw unreachable(baseUrl, cause);
      } finally {
        await relayed.discardRest();
      }
      const reply = (await response.json().catch(() => null)) as unknown;
      if (!response.ok) throw refusal(response.status, reply);
      return reply as KnowledgeSource;
    },
    async refetch(id) {
      if (!isSourceId(id)) return null;
      return settle(() => knowledge({ id: pathSegment(id) }).refetch.post());
    },
    async remove(id) {
      if (!isSourceId(id)) return false;
      const result = await settle(() => knowledge({ id: pathSegment(id) }).delete());
      return result?.deleted === true;
    },
  };
}


/** Kit's own body limit (BODY_SIZE_LIMIT, when an operator sets one) errors the stream with a 413 SvelteKitError. */
function isPayloadTooLarge(cause: unknown): boolean {
  for (let error = cause, depth = 0; typeof error === 'object' && error !== null && depth < 5; error = (error as { cause?: unknown }).cause, depth++) {
    if ((error as { status?: unknown }).status === 413) return true;
  }
  return false;
}


