/**
 * The embedded store: one SQLite file (bun:sqlite, WAL). `openSqliteStore` creates the parent directory, sets
 * the pragmas and runs the migrations before answering. bun:sqlite is synchronous; the async methods only honour
 * the `ChatStore` interface. Statements come from `db.query()`, which compiles each SQL text once and caches it.
 */
import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { messageSeqRange, nextMessageSeq } from './message-seq.ts';
import { clampListLimit, previewOf } from '../../shared/conversation.ts';
import { buildListQuery, SEARCH_PROBE_SQL, WALK_LIST_ABOVE, type SearchPlan, type SqlValue } from './list-query.ts';
import { toFtsMatchQuery } from './fts-query.ts';
import { migrate, MIGRATIONS, type Migration } from './migrations.ts';
import { MESSAGE_COLUMNS, toConversation, toMessage, type ConversationRow, type MessageRow } from './rows.ts';
import { readStats } from './stats.ts';
import {
  StoreError,
  type ChatStore,
  type Conversation,
  type ConversationFilter,
  type ConversationThread,
  type Feedback,
  type FinishTurnInput,
  type ListConversationsInput,
  type Message,
  type MessageRole,
  type Page,
  type StartTurnInput,
  type StartTurnResult,
  type Stats,
} from '../chat-store.ts';

export interface SqliteStoreOptions {
  /** Clock for times the caller does not pass (`now` inputs, `recoverInterrupted`). */
  clock?: () => number;
  /** Replaces the schema history; for migration tests. */
  migrations?: readonly Migration[];
  /** How long a writer waits for another process's lock before failing. */
  busyTimeoutMs?: number;
}

const EXPORT_PAGE_SIZE = 100;

/** Opens (creating if needed) a SQLite file with the store's pragmas and schema. Also used by the seed script. */
export function openSqliteDatabase(path: string, options: SqliteStoreOptions = {}): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { create: true, readwrite: true });
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.exec('PRAGMA journal_mode = WAL');
    // In WAL mode NORMAL loses at most the last commits on power loss, never consistency.
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    migrate(db, options.migrations ?? MIGRATIONS, options.clock);
    // Keeps planner statistics fresh for a long-lived connection (SQLite's advice: run it at open).
    db.exec('PRAGMA optimize = 0x10002');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Async only for symmetry with the Convex store; the work is synchronous. */
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  return new SqliteStore(openSqliteDatabase(path, options), options.clock ?? Date.now);
}

export class SqliteStore implements ChatStore {
  readonly kind = 'sqlite' as const;

  constructor(
    private readonly db: Database,
    private readonly clock: () => number,
  ) {}

  async startTurn(input: StartTurnInput): Promise<StartTurnResult> {
    const now = input.now ?? this.clock();
    return this.db.transaction(() => {
      const conversation = this.db
        .query<ConversationRow, (SqlValue | null)[]>(
          `INSERT INTO conversations (id, session_id, created_at, updated_at, origin, page_url, user_agent,
             message_count, last_message_preview, last_message_role)
           VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, 'user')
           ON CONFLICT (session_id) DO UPDATE SET
             updated_at = max(updated_at, excluded.updated_at),
             message_count = message_count + 1,
             last_message_preview = excluded.last_message_preview,
             last_message_role = 'user'
           RETURNING *`,
        )
        .get(
          crypto.randomUUID(),
          input.sessionId,
          now,
          now,
          input.origin ?? null,
          input.pageUrl ?? null,
          input.userAgent ?? null,
          previewOf(input.content),
        )!;
      const userMessage = this.insertMessage(conversation, 'user', input.content, 'complete', now, null);
      const history = this.db
        .query<MessageRow, [number, number]>(
          `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.seq = m.conversation_seq
           WHERE m.conversation_seq = ? AND m.status != 'streaming'
           ORDER BY m.created_at DESC, m.seq DESC LIMIT ?`,
        )
        .all(conversation.seq, Math.max(1, input.historyLimit))
        .reverse()
        .map(toMessage);
      const assistantMessage = this.insertMessage(conversation, 'assistant', '', 'streaming', now, input.model);
      return { conversation: toConversation(conversation), userMessage, assistantMessage, history };
    }).immediate();
  }

  private insertMessage(
    conversation: ConversationRow,
    role: MessageRole,
    content: string,
    status: Message['status'],
    now: number,
    model: string | null,
  ): Message {
    const id = crypto.randomUUID();
    const [first, last] = messageSeqRange(conversation.seq);
    const newest = this.db
      .query<{ seq: number | null }, [number, number]>('SELECT max(seq) AS seq FROM messages WHERE seq BETWEEN ? AND ?')
      .get(first, last);
    this.db
      .query(
        `INSERT INTO messages (seq, id, conversation_seq, role, content, status, created_at, model)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(nextMessageSeq(conversation.seq, newest?.seq ?? null), id, conversation.seq, role, content, status, now, model);
    return {
      id,
      conversationId: conversation.id,
      role,
      content,
      status,
      createdAt: now,
      model,
      usage: null,
      finishReason: null,
      errorCode: null,
      firstTokenMs: null,
      totalMs: null,
      feedback: null,
    };
  }

  private findMessage(messageId: string): MessageRow | null {
    return this.db
      .query<MessageRow, [string]>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.seq = m.conversation_seq WHERE m.id = ?`,
      )
      .get(messageId);
  }

  async finishTurn(input: FinishTurnInput): Promise<Message> {
    const now = input.now ?? this.clock();
    return this.db.transaction(() => {
      const before = this.findMessage(input.assistantMessageId);
      if (!before || before.role !== 'assistant') {
        throw new StoreError('not_found', 'No assistant message has that id.');
      }
      const usage = input.usage ?? null;
      this.db
        .query(
          `UPDATE messages SET content = ?, status = ?, model = coalesce(?, model), prompt_tokens = ?,
             completion_tokens = ?, total_tokens = ?, finish_reason = ?, error_code = ?, first_token_ms = ?, total_ms = ?
           WHERE seq = ?`,
        )
        .run(
          input.content,
          input.status,
          input.model ?? null,
          usage?.promptTokens ?? null,
          usage?.completionTokens ?? null,
          usage?.totalTokens ?? null,
          input.finishReason ?? null,
          input.errorCode ?? null,
          input.firstTokenMs ?? null,
          input.totalMs ?? null,
          before.seq,
        );
      // Deltas against the previous state keep the counters right if a reply is finished twice
      // (for instance after recoverInterrupted already ended it).
      const counted = (status: string, wanted: string) => (status === wanted ? 1 : 0);
      this.db
        .query(
          `UPDATE conversations SET
             message_count = message_count + ?,
             error_count = error_count + ?,
             stopped_count = stopped_count + ?,
             total_tokens = total_tokens + ?,
             last_message_preview = CASE WHEN ? >= updated_at THEN ? ELSE last_message_preview END,
             last_message_role = CASE WHEN ? >= updated_at THEN 'assistant' ELSE last_message_role END,
             updated_at = max(updated_at, ?)
           WHERE seq = ?`,
        )
        .run(
          before.status === 'streaming' ? 1 : 0,
          counted(input.status, 'error') - counted(before.status, 'error'),
          counted(input.status, 'stopped') - counted(before.status, 'stopped'),
          (usage?.totalTokens ?? 0) - (before.total_tokens ?? 0),
          now,
          previewOf(input.content),
          now,
          now,
          before.conversation_seq,
        );
      return toMessage(this.findMessage(input.assistantMessageId)!);
    }).immediate();
  }

  async getSessionThread(sessionId: string, limit: number): Promise<ConversationThread | null> {
    const conversation = this.db
      .query<ConversationRow, [string]>('SELECT * FROM conversations WHERE session_id = ?')
      .get(sessionId);
    if (!conversation) return null;
    const messages = this.db
      .query<MessageRow, [number, number]>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.seq = m.conversation_seq
         WHERE m.conversation_seq = ? ORDER BY m.created_at DESC, m.seq DESC LIMIT ?`,
      )
      .all(conversation.seq, Math.max(0, limit))
      .reverse()
      .map(toMessage);
    return { conversation: toConversation(conversation), messages };
  }

  async setFeedback(sessionId: string, messageId: string, feedback: Feedback | null): Promise<boolean> {
    return this.db.transaction(() => {
      const message = this.db
        .query<{ seq: number; conversation_seq: number; feedback: Feedback | null }, [string, string]>(
          `SELECT m.seq, m.conversation_seq, m.feedback FROM messages m JOIN conversations c ON c.seq = m.conversation_seq
           WHERE m.id = ? AND c.session_id = ? AND m.role = 'assistant'`,
        )
        .get(messageId, sessionId);
      if (!message) return false;
      if (message.feedback === feedback) return true;
      const delta = (value: Feedback) => (feedback === value ? 1 : 0) - (message.feedback === value ? 1 : 0);
      this.db.query('UPDATE messages SET feedback = ? WHERE seq = ?').run(feedback, message.seq);
      this.db
        .query('UPDATE conversations SET feedback_up = feedback_up + ?, feedback_down = feedback_down + ? WHERE seq = ?')
        .run(delta('up'), delta('down'), message.conversation_seq);
      return true;
    }).immediate();
  }

  async listConversations(input: ListConversationsInput): Promise<Page<Conversation>> {
    const page = this.listRows(input);
    return { items: page.items.map(toConversation), nextCursor: page.nextCursor };
  }

  /** Fetches one row more than the page so that the last page carries no cursor. */
  private listRows(input: ListConversationsInput): Page<ConversationRow> {
    const limit = clampListLimit(input.limit);
    const after = input.cursor ? decodeCursor(input.cursor) : null;
    const query = buildListQuery(input, after, limit + 1, this.searchPlan(input.q));
    const rows = this.db.query<ConversationRow, SqlValue[]>(query.sql).all(...query.params);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor({ updatedAt: last.updated_at, id: last.id }) : null,
    };
  }

  private searchPlan(q: string | undefined): SearchPlan {
    const match = toFtsMatchQuery(q);
    if (match === null) return 'matches-first';
    const found = this.db.query<{ n: number }, [string]>(SEARCH_PROBE_SQL).get(match)?.n ?? 0;
    return found > WALK_LIST_ABOVE ? 'walk-list' : 'matches-first';
  }

  async getThread(conversationId: string): Promise<ConversationThread | null> {
    const conversation = this.db
      .query<ConversationRow, [string]>('SELECT * FROM conversations WHERE id = ?')
      .get(conversationId);
    return conversation ? { conversation: toConversation(conversation), messages: this.messagesOf(conversation.seq) } : null;
  }

  private messagesOf(conversationSeq: number): Message[] {
    return this.db
      .query<MessageRow, [number]>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.seq = m.conversation_seq
         WHERE m.conversation_seq = ? ORDER BY m.created_at, m.seq`,
      )
      .all(conversationSeq)
      .map(toMessage);
  }

  async deleteConversation(conversationId: string): Promise<boolean> {
    // Messages (and through their trigger, the full-text rows) go with it by ON DELETE CASCADE.
    return this.db.query('DELETE FROM conversations WHERE id = ?').run(conversationId).changes > 0;
  }

  async *exportConversations(filter: ConversationFilter): AsyncIterable<ConversationThread> {
    let cursor: string | null = null;
    do {
      const page = this.listRows({ ...filter, limit: EXPORT_PAGE_SIZE, cursor });
      for (const row of page.items) yield { conversation: toConversation(row), messages: this.messagesOf(row.seq) };
      cursor = page.nextCursor;
    } while (cursor !== null);
  }

  async stats(input: { from: number; to: number }): Promise<Stats> {
    return readStats(this.db, input.from, input.to);
  }

  async recoverInterrupted(olderThanMs: number): Promise<number> {
    const cutoff = this.clock() - olderThanMs;
    return this.db.transaction(() => {
      // Written as IN + correlated counts so that both reads go through the small partial index of
      // streaming rows; a GROUP BY here made SQLite walk every message.
      this.db
        .query(
          `UPDATE conversations SET
             message_count = message_count + (SELECT count(*) FROM messages
               WHERE conversation_seq = conversations.seq AND status = 'streaming' AND created_at < ?1),
             error_count = error_count + (SELECT count(*) FROM messages
               WHERE conversation_seq = conversations.seq AND status = 'streaming' AND created_at < ?1)
           WHERE seq IN (SELECT conversation_seq FROM messages WHERE status = 'streaming' AND created_at < ?1)`,
        )
        .run(cutoff);
      return this.db
        .query(`UPDATE messages SET status = 'error', error_code = 'interrupted' WHERE status = 'streaming' AND created_at < ?`)
        .run(cutoff).changes;
    }).immediate();
  }

  async ping(): Promise<void> {
    try {
      this.db.query('SELECT 1').get();
    } catch (error) {
      throw new StoreError('unavailable', `The SQLite database does not answer: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
