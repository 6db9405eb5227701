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
import { AdminApiError, fetchWithDeadline, refusal, pathSegment, settleReply, unreachable } from './eden-reply.ts';

export { AdminApiError };

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

export function createAdminApi({ baseUrl, adminKey, fetch = globalThis.fetch, timeoutMs = 15_000 }: AdminApiOptions): AdminApi {
  const client = treaty<App>(baseUrl, {
    headers: { 'x-admin-api-key': adminKey },
    // Timestamps are epoch numbers; leave every string as sent (a message may well look like a date).
    parseDate: false,
    fetcher: fetchWithDeadline(fetch, timeoutMs),
  });

  /** The reply's data, null for a 404, or the failure as an AdminApiError. */
  const settle = <T>(call: Parameters<typeof settleReply<T>>[1]) => settleReply(baseUrl, call, () => true);

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
      if (!response.ok) throw refusal(response.status, await response.json().catch(() => null));
      return response;
    },
  };
}
