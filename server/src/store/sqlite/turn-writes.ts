/**
 * The two writes of a chat turn, as synchronous SQL on one connection; the store runs them through its group commit.
 */
import type { Database } from 'bun:sqlite';
import { previewOf } from '../../shared/conversation.ts';
import { StoreError, type FinishTurnInput, type Message, type MessageRole, type StartTurnInput, type StartTurnResult } from '../chat-store.ts';
import type { SqlValue } from './list-query.ts';
import { messageSeqRange, nextMessageSeq } from './message-seq.ts';
import { MESSAGE_COLUMNS, toConversation, toMessage, type ConversationRow, type MessageRow } from './rows.ts';

/**
 * Time-ordered ids (UUID version 7): new rows land at the right-hand edge of the unique indexes on `id` instead of
 * at random pages, which is what made the page cache go cold as the file grew.
 */
export const newId = (): string => Bun.randomUUIDv7();

/**
 * Each method must run inside a transaction or savepoint, so that one failing midway leaves nothing behind: the
 * group commit (write-batch.ts) gives every call its own savepoint. Statements are compiled once, here.
 */
export class TurnWrites {
  private readonly upsertConversation;
  private readonly newestMessageSeq;
  private readonly insertMessageRow;
  private readonly historyOf;
  private readonly messageById;
  private readonly updateReply;
  private readonly updateConversationAfterReply;

  constructor(db: Database) {
    this.upsertConversation = db.query<ConversationRow, (SqlValue | null)[]>(
      `INSERT INTO conversations (id, session_id, created_at, updated_at, origin, page_url, user_agent,
         message_count, last_message_preview, last_message_role)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, 'user')
       ON CONFLICT (session_id) DO UPDATE SET
         updated_at = max(updated_at, excluded.updated_at),
         message_count = message_count + 1,
         last_message_preview = excluded.last_message_preview,
         last_message_role = 'user'
       RETURNING *`,
    );
    this.newestMessageSeq = db.query<{ seq: number | null }, [number, number]>('SELECT max(seq) AS seq FROM messages WHERE seq BETWEEN ? AND ?');
    this.insertMessageRow = db.query<never, (SqlValue | null)[]>(
      `INSERT INTO messages (seq, id, conversation_seq, role, content, status, created_at, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // The conversation's public id is known here: no join back to conversations for it.
    this.historyOf = db.query<Omit<MessageRow, 'conversation_id'>, [number, number]>(
      `SELECT ${MESSAGE_COLUMNS.replace('c.id AS conversation_id, ', '')} FROM messages m
       WHERE m.conversation_seq = ? AND m.status != 'streaming'
       ORDER BY m.created_at DESC, m.seq DESC LIMIT ?`,
    );
    this.messageById = db.query<MessageRow, [string]>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.seq = m.conversation_seq WHERE m.id = ?`,
    );
    this.updateReply = db.query<never, (SqlValue | null)[]>(
      `UPDATE messages SET content = ?, status = ?, model = coalesce(?, model), prompt_tokens = ?,
         completion_tokens = ?, total_tokens = ?, finish_reason = ?, error_code = ?, first_token_ms = ?, total_ms = ?
       WHERE seq = ?`,
    );
    this.updateConversationAfterReply = db.query<never, (SqlValue | null)[]>(
      `UPDATE conversations SET
         message_count = message_count + ?,
         error_count = error_count + ?,
         stopped_count = stopped_count + ?,
         total_tokens = total_tokens + ?,
         last_message_preview = CASE WHEN ? >= updated_at THEN ? ELSE last_message_preview END,
         last_message_role = CASE WHEN ? >= updated_at THEN 'assistant' ELSE last_message_role END,
         updated_at = max(updated_at, ?)
       WHERE seq = ?`,
    );
  }

  startTurn(input: StartTurnInput, now: number): StartTurnResult {
    const conversation = this.upsertConversation.get(
      newId(),
      input.sessionId,
      now,
      now,
      input.origin ?? null,
      input.pageUrl ?? null,
      input.userAgent ?? null,
      previewOf(input.content),
    )!;
    const [first, last] = messageSeqRange(conversation.seq);
    const userSeq = nextMessageSeq(conversation.seq, this.newestMessageSeq.get(first, last)?.seq ?? null);
    const userMessage = this.insertMessage(conversation, userSeq, 'user', input.content, 'complete', now, null);
    const history = this.historyOf
      .all(conversation.seq, Math.max(1, input.historyLimit))
      .reverse()
      .map((row) => toMessage({ ...row, conversation_id: conversation.id }));
    const assistantSeq = nextMessageSeq(conversation.seq, userSeq);
    const assistantMessage = this.insertMessage(conversation, assistantSeq, 'assistant', '', 'streaming', now, input.model);
    return { conversation: toConversation(conversation), userMessage, assistantMessage, history };
  }

  private insertMessage(
    conversation: ConversationRow,
    seq: number,
    role: MessageRole,
    content: string,
    status: Message['status'],
    now: number,
    model: string | null,
  ): Message {
    const id = newId();
    this.insertMessageRow.run(seq, id, conversation.seq, role, content, status, now, model);
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

  finishTurn(input: FinishTurnInput, now: number): Message {
    const before = this.messageById.get(input.assistantMessageId);
    if (!before || before.role !== 'assistant') {
      throw new StoreError('not_found', 'No assistant message has that id.');
    }
    const usage = input.usage ?? null;
    this.updateReply.run(
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
    this.updateConversationAfterReply.run(
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
    // The row as just written, without reading it back.
    return toMessage({
      ...before,
      content: input.content,
      status: input.status,
      model: input.model ?? before.model,
      prompt_tokens: usage?.promptTokens ?? null,
      completion_tokens: usage?.completionTokens ?? null,
      total_tokens: usage?.totalTokens ?? null,
      finish_reason: input.finishReason ?? null,
      error_code: input.errorCode ?? null,
      first_token_ms: input.firstTokenMs ?? null,
      total_ms: input.totalMs ?? null,
    });
  }
}
