/**
 * The chat server's admin API (`/v1/admin/*`), called from the dashboard's server side only: the admin key lives
 * in this module's closure and never in anything sent to a browser.
 *
 * JSON routes go through Eden Treaty typed by the server's own `App`, so a renamed route, query field or reply
 * field breaks this build. The export is a plain `fetch`: Eden reads a reply body whole, and an export must
 * be passed on as it streams.
 */
import { treaty } from '@elysiajs/eden';
import type { App } from 'server';
import type { Conversation, ConversationFilter, ConversationThread, Page, Stats } from '../types.ts';
import { isConversationId } from './conversation-id.ts';

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

export interface ListInput extends ConversationFilter {
  limit: number;
  cursor?: string | null;
}

export interface AdminApi {
  listConversations(input: ListInput): Promise<Page<Conversation>>;
  /** Null when the conversation does not exist (or `conversationId` cannot be an id at all). */
  getThread(conversationId: string): Promise<ConversationThread | null>;
  /** False when it did not exist (or `conversationId` cannot be an id at all). */
  deleteConversation(conversationId: string): Promise<boolean>;
  stats(range: { from: number; to: number }): Promise<Stats>;
  /** The export's response with its body unread, so the caller can pipe it on as it arrives. */
  exportStream(filter: ConversationFilter, format: 'jsonl' | 'csv', signal: AbortSignal): Promise<Response>;
}

export interface AdminApiOptions {
  baseUrl: string;
  adminKey: string;
  fetch?: typeof globalThis.fetch;
  /** For the JSON calls; an export runs as long as its download does. */
  timeoutMs?: number;
}

interface EdenReply<T> {
  data: T | null;
  error: { status: unknown; value: unknown } | null;
  status: number;
  /** Undefined when the request never got an answer (Eden then reports status 503 with the fetch error). */
  response?: Response;
}

export function createAdminApi({ baseUrl, adminKey, fetch = globalThis.fetch, timeoutMs = 15_000 }: AdminApiOptions): AdminApi {
  const client = treaty<App>(baseUrl, {
    headers: { 'x-admin-api-key': adminKey },
    // Timestamps are epoch numbers; leave every string as sent (a message may well look like a date).
    parseDate: false,
    fetcher: ((input: RequestInfo | URL, init?: RequestInit) =>
      fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) })) as typeof globalThis.fetch,
  });

  /** The reply's data, null for a 404, or the failure as an AdminApiError. */
  const settle = async <T>(call: () => Promise<EdenReply<T>>): Promise<T | null> => {
    let reply: EdenReply<T>;
    try {
      reply = await call();
    } catch (cause) {
      throw unreachable(baseUrl, cause);
    }
    if (!reply.response) throw unreachable(baseUrl, reply.error?.value);
    if (reply.status === 404) return null;
    if (reply.error || reply.data === null) throw apiError(reply.status, reply.error?.value);
    return reply.data;
  };

  const required = <T>(value: T | null, path: string): T => {
    if (value === null) throw new AdminApiError(502, 'api_not_found', `The chat server has no admin API at ${path}.`);
    return value;
  };

  return {
    async listConversations({ cursor, ...query }) {
      const page = required(
        await settle(() => client.v1.admin.conversations.get({ query: { ...query, ...(cursor ? { cursor } : {}) } })),
        '/v1/admin/conversations',
      );
      return { items: page.conversations, nextCursor: page.nextCursor };
    },
    async getThread(conversationId) {
      if (!isConversationId(conversationId)) return null;
      return settle(() => client.v1.admin.conversations({ id: pathSegment(conversationId) }).get());
    },
    async deleteConversation(conversationId) {
      if (!isConversationId(conversationId)) return false;
      const result = await settle(() => client.v1.admin.conversations({ id: pathSegment(conversationId) }).delete());
      return result?.deleted === true;
    },
    async stats(range) {
      return required(await settle(() => client.v1.admin.stats.get({ query: range })), '/v1/admin/stats');
    },
    async exportStream(filter, format, signal) {
      const url = new URL('/v1/admin/export', baseUrl);
      url.searchParams.set('format', format);
      for (const [key, value] of Object.entries(filter)) if (value !== undefined) url.searchParams.set(key, String(value));
      let response: Response;
      try {
        response = await fetch(url, { headers: { 'x-admin-api-key': adminKey }, signal });
      } catch (cause) {
        throw unreachable(baseUrl, cause);
      }
      if (!response.ok) throw apiError(response.status, await response.json().catch(() => null));
      return response;
    },
  };
}

/**
 * Eden puts a path parameter into the URL as it is given: encode it, so no value can add a segment, a query or a
 * fragment (ids are checked first anyway; this holds for any other parameter added later).
 */
function pathSegment(value: string): string {
  return encodeURIComponent(value);
}

function unreachable(baseUrl: string, cause: unknown): AdminApiError {
  const late = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
  return new AdminApiError(502, 'api_unreachable', `The chat server at ${baseUrl} ${late ? 'did not answer in time' : 'could not be reached'}.`);
}

/** The server's `{error, code}` body as an AdminApiError; a 401 is worded for whoever set up the dashboard. */
function apiError(status: number, body: unknown): AdminApiError {
  const { error, code } = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; code?: unknown };
  if (status === 401) {
    return new AdminApiError(401, typeof code === 'string' ? code : 'invalid_admin_key', "The chat server refused the dashboard's admin key: set ADMIN_API_KEY to the server's value.");
  }
  return new AdminApiError(
    status,
    typeof code === 'string' ? code : 'api_error',
    typeof error === 'string' ? error : `The chat server answered ${status}.`,
  );
}
