/** Admin API (`x-admin-api-key`): conversations, search, one thread, delete, export, stats. Used by the dashboard. */
import { Elysia } from 'elysia';
import type { AppConfig } from '../config.ts';
import { HttpError, commonErrors, ErrorBody } from '../http/http-error.ts';
import { adminAccess, type IpLimiters } from '../http/access.ts';
import { repliesAs } from '../http/openapi-media-types.ts';
import { needsAdminKey } from '../http/openapi-security.ts';
import type { KnowledgeStore } from '../knowledge/store/types.ts';
import type { ChatStore, ConversationFilter } from '../store/chat-store.ts';
import { exportStream } from './export.ts';
import { withLegacyConversationFields, withLegacyThreadFields } from './legacy.ts';
import { LIST_LIMIT_DEFAULT } from '../shared/conversation.ts';
import { StatsSchema } from '../store/schemas.ts';
import { AdminThread, ConversationPage, DeleteReply, ExportFile, ExportQuery, IdParams, ListQuery, StatsQuery } from './schemas.ts';

const DAY_MS = 86_400_000;

function filterOf(query: { q?: string; from?: number; to?: number; problem?: ConversationFilter['problem']; feedback?: ConversationFilter['feedback'] }): ConversationFilter {
  const q = query.q?.trim();
  return { q: q || undefined, from: query.from, to: query.to, problem: query.problem, feedback: query.feedback };
}

export function adminRoutes({ config, store, limiters, knowledgeStore = null }: { config: AppConfig; store: ChatStore; limiters: IpLimiters; knowledgeStore?: KnowledgeStore | null }) {
  const notFound = () => new HttpError(404, 'conversation_not_found', 'No conversation with that id.');
  return new Elysia({ name: 'admin-routes', seed: config, prefix: '/v1/admin', detail: needsAdminKey })
    .use(adminAccess({ config, limiters }))
    .get(
      '/conversations',
      async ({ query }) => {
        const page = await store.listConversations({ ...filterOf(query), limit: query.limit ?? LIST_LIMIT_DEFAULT, cursor: query.cursor ?? null });
        return { conversations: page.items.map(withLegacyConversationFields), nextCursor: page.nextCursor };
      },
      {
        query: ListQuery,
        response: { 200: ConversationPage, ...commonErrors },
        detail: { tags: ['Admin'], summary: 'List conversations, newest activity first', description: 'Cursor-paginated; filter by full-text `q`, date range, problem replies and feedback.' },
      },
    )
    .get(
      '/conversations/:id',
      async ({ params }) => {
        const thread = await store.getThread(params.id);
        if (!thread) throw notFound();
        const legacy = withLegacyThreadFields(thread);
        const retrievals = knowledgeStore ? await knowledgeStore.retrievalsFor(thread.messages.filter((m) => m.role === 'assistant').map((m) => m.id)) : new Map();
        return { ...legacy, messages: legacy.messages.map((message) => ({ ...message, retrievedChunks: retrievals.get(message.id) ?? [] })) };
      },
      { params: IdParams, response: { 200: AdminThread, ...commonErrors, 404: ErrorBody }, detail: { tags: ['Admin'], summary: 'One conversation with all its messages' } },
    )
    .delete(
      '/conversations/:id',
      async ({ params }) => {
        if (!(await store.deleteConversation(params.id))) throw notFound();
        return { deleted: true as const };
      },
      { params: IdParams, detail: { tags: ['Admin'], summary: 'Delete a conversation and its messages' }, response: { 200: DeleteReply, 404: ErrorBody, ...commonErrors } },
    )
    .get(
      '/export',
      ({ query, set }) => {
        const format = query.format ?? 'jsonl';
        const stamp = new Date().toISOString().slice(0, 10);
        return new Response(exportStream(store.exportConversations(filterOf(query)), format), {
          headers: {
            ...(set.headers as Record<string, string>),
            'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
            'content-disposition': `attachment; filename="conversations-${stamp}.${format}"`,
            'cache-control': 'no-store',
          },
        });
      },
      {
        query: ExportQuery,
        response: { 200: ExportFile, ...commonErrors },
        detail: { ...repliesAs('application/x-ndjson', 'text/csv'), tags: ['Admin'], summary: 'Export conversations as JSONL or CSV (streamed)', description: 'JSONL: one `{conversation, messages}` per line. CSV: one message per row.' },
      },
    )
    .get(
      '/stats',
      ({ query }) => {
        const to = query.to ?? Date.now();
        const from = query.from ?? to - 30 * DAY_MS;
        if (from > to) throw new HttpError(400, 'validation_failed', '"from" must not be after "to".');
        if (to - from > 366 * DAY_MS) throw new HttpError(400, 'validation_failed', 'The stats range is limited to 366 days.');
        return store.stats({ from, to });
      },
      { query: StatsQuery, response: { 200: StatsSchema, ...commonErrors }, detail: { tags: ['Admin'], summary: 'Conversations, messages, tokens and errors per day' } },
    );
}
