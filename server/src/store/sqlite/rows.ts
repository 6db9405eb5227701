/** SQLite rows as stored, and their translation into the store's domain types. */
import type { Conversation, Feedback, Message, MessageRole, MessageStatus } from '../chat-store.ts';

export interface ConversationRow {
  seq: number;
  id: string;
  session_id: string;
  created_at: number;
  updated_at: number;
  origin: string | null;
  page_url: string | null;
  user_agent: string | null;
  message_count: number;
  error_count: number;
  stopped_count: number;
  feedback_up: number;
  feedback_down: number;
  total_tokens: number;
  last_message_preview: string | null;
  last_message_role: MessageRole | null;
}

export interface MessageRow {
  seq: number;
  id: string;
  conversation_seq: number;
  /** The conversation's public id, joined in by every message query. */
  conversation_id: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  created_at: number;
  model: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  finish_reason: string | null;
  error_code: string | null;
  first_token_ms: number | null;
  total_ms: number | null;
  feedback: Feedback | null;
}

/** The select list that yields a `MessageRow` from `messages m JOIN conversations c`. */
export const MESSAGE_COLUMNS = `m.seq, m.id, m.conversation_seq, c.id AS conversation_id, m.role, m.content, m.status,
  m.created_at, m.model, m.prompt_tokens, m.completion_tokens, m.total_tokens, m.finish_reason, m.error_code,
  m.first_token_ms, m.total_ms, m.feedback`;

export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    sessionId: row.session_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    origin: row.origin,
    pageUrl: row.page_url,
    userAgent: row.user_agent,
    messageCount: row.message_count,
    errorCount: row.error_count,
    stoppedCount: row.stopped_count,
    feedbackUp: row.feedback_up,
    feedbackDown: row.feedback_down,
    totalTokens: row.total_tokens,
    lastMessagePreview: row.last_message_preview,
    lastMessageRole: row.last_message_role,
  };
}

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    role: row.role,
    content: row.content,
    status: row.status,
    createdAt: row.created_at,
    model: row.model,
    usage:
      row.total_tokens === null
        ? null
        : {
            promptTokens: row.prompt_tokens ?? 0,
            completionTokens: row.completion_tokens ?? 0,
            totalTokens: row.total_tokens,
          },
    finishReason: row.finish_reason,
    errorCode: row.error_code,
    firstTokenMs: row.first_token_ms,
    totalMs: row.total_ms,
    feedback: row.feedback,
  };
}
