/** Admin API schemas: the stored shapes with the original API's extra fields, the list/export filters and replies. */
import { t } from 'elysia';
import { FEEDBACK_FILTERS, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, PROBLEM_FILTERS } from '../shared/conversation.ts';
import { RetrievedChunkModel } from '../knowledge/schemas.ts';
import { ConversationSchema, literalUnion, MessageSchema, nullable } from '../store/schemas.ts';

/** The stored shapes plus the original API's field names (see legacy.ts): added, never renamed. */
export const AdminMessage = t.Object(
  { ...MessageSchema.properties, _id: t.String({ description: 'Same as `id` (kept for clients of the original API).' }) },
  { title: 'AdminMessage' },
);

export const AdminConversation = t.Object(
  {
    ...ConversationSchema.properties,
    _id: t.String({ description: 'Same as `id` (kept for clients of the original API).' }),
    _creationTime: t.Number({ description: 'Same as `createdAt` (kept for clients of the original API).' }),
    lastMessage: t.String({ description: 'Same as `lastMessagePreview`, or "" (kept for clients of the original API).' }),
  },
  { title: 'AdminConversation' },
);

/** A thread's message with the knowledge-base passages its model call was given (empty for user messages). */
export const AdminThreadMessage = t.Object(
  {
    ...AdminMessage.properties,
    retrievedChunks: t.Array(RetrievedChunkModel, { description: 'The passages the model was shown for this reply, in the order given.' }),
  },
  { title: 'AdminThreadMessage' },
);

export const AdminThread = t.Object({ conversation: AdminConversation, messages: t.Array(AdminThreadMessage) }, { title: 'ConversationThread' });

const filterFields = {
  q: t.Optional(t.String({ maxLength: 200, description: 'Full-text search over message content (words, prefix-matched).' })),
  from: t.Optional(t.Numeric({ minimum: 0, description: 'Last activity at or after (epoch ms).' })),
  to: t.Optional(t.Numeric({ minimum: 0, description: 'Last activity at or before (epoch ms).' })),
  problem: t.Optional(literalUnion(PROBLEM_FILTERS, { description: 'Only conversations with replies that failed or were stopped.' })),
  feedback: t.Optional(literalUnion(FEEDBACK_FILTERS, { description: 'Only conversations with that feedback.' })),
};

export const ListQuery = t.Object(
  {
    ...filterFields,
    limit: t.Optional(
      t.Numeric({
        minimum: 1,
        maximum: LIST_LIMIT_MAX,
        default: LIST_LIMIT_DEFAULT,
        description: `Page size (1 to ${LIST_LIMIT_MAX}, default ${LIST_LIMIT_DEFAULT} as in the original API).`,
      }),
    ),
    cursor: t.Optional(t.String({ maxLength: 512, description: 'nextCursor of the previous page.' })),
  },
  { title: 'ConversationListQuery' },
);

export const ExportQuery = t.Object(
  { ...filterFields, format: t.Optional(t.Union([t.Literal('jsonl'), t.Literal('csv')], { default: 'jsonl' })) },
  { title: 'ExportQuery' },
);

export const ConversationPage = t.Object(
  {
    conversations: t.Array(AdminConversation),
    nextCursor: nullable(t.String({ description: 'Pass as `cursor` for the next page; null on the last page.' })),
  },
  { title: 'ConversationPage' },
);

export const DeleteReply = t.Object({ deleted: t.Literal(true) }, { title: 'DeleteReply' });

/** The export is a file, not JSON (its media types are in the route's detail). */
export const ExportFile = t.String({
  description: 'A download: JSON Lines (`application/x-ndjson`, one `{conversation, messages}` per line) or CSV (`text/csv`, one message per row).',
});

export const StatsQuery = t.Object({
  from: t.Optional(t.Numeric({ minimum: 0 })),
  to: t.Optional(t.Numeric({ minimum: 0 })),
});

export const IdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 128 }) });
