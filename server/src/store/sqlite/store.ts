/**
 * The embedded store: one SQLite file (bun:sqlite, WAL). `openSqliteStore` creates the parent directory, sets
 * the pragmas and runs the migrations before answering. bun:sqlite is synchronous; the async methods only honour
 * the `ChatStore` interface. Statements come from `db.query()`, which compiles each SQL text once and caches it.
 */
import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { clampListLimit } from '../../shared/conversation.ts';
import { buildListQuery, SEARCH_PROBE_SQL, WALK_LIST_ABOVE, type SearchPlan, type SqlValue } from './list-query.ts';
import { toFtsMatchQuery } from './fts-query.ts';
import { migrate, MIGRATIONS, type Migration } from './migrations.ts';
import { MESSAGE_COLUMNS, toConversation, toMessage, type ConversationRow, type MessageRow } from './rows.ts';
import { readStats } from './stats.ts';
import { createTurnWriter, type TurnWriter } from './turn-writer.ts';
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
    // A ceiling, not an allocation (pages are cached as they are read): the default 2 MB was outgrown after ~35k turns
    // by the indexes' working set and the store slowed down with age; 64 MiB keeps the recent conversations, the
    // right-hand edges of the indexes and the full-text segments being merged in memory.
    db.exec('PRAGMA cache_size = -65536');
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
  const db = openSqliteDatabase(path, options);
  return new SqliteStore(db, options.clock ?? Date.now, createTurnWriter(db));
}

export class SqliteStore implements ChatStore {
  readonly kind = 'sqlite' as const;

  constructor(
    private readonly db: Database,
    private readonly clock: () => number,
    /** The chat's two writes per turn, group-committed, and the full-text indexing; see turn-writer.ts. */
    private readonly writer: TurnWriter,
  ) {}

  async startTurn(input: StartTurnInput): Promise<StartTurnResult> {
    const now = input.now ?? this.clock();
    return this.writer.startTurn(input, now);
  }

  async finishTurn(input: FinishTurnInput): Promise<Message> {
    const now = input.now ?? this.clock();
    return this.writer.finishTurn(input, now);
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
    await this.indexBeforeSearch(input.q);
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

  /** Whatever is still queued for the full-text index goes in first: a search always sees every stored message. */
  private async indexBeforeSearch(q: string | undefined): Promise<void> {
    if (toFtsMatchQuery(q) !== null) await this.writer.indexQueued();
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
    await this.indexBeforeSearch(filter.q);
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
    await this.writer.close();
    this.db.close();
  }
}
