/**
 * The store contract: one interface, two implementations (`sqlite/`, `convex/`), one contract suite run against both
 * (server/test/support/store-contract.ts). The stored shapes are defined once in `schemas.ts`. Every timestamp is
 * epoch milliseconds; every list is cursor-paginated.
 */
import type { Feedback, FeedbackFilter, FinalMessageStatus, ProblemFilter } from '../shared/conversation.ts';
import type { Conversation, Message, Stats, TokenUsage } from './schemas.ts';

export type { Feedback, FeedbackFilter, MessageRole, MessageStatus, ProblemFilter } from '../shared/conversation.ts';
export type { Conversation, DayStats, Message, Stats, TokenUsage } from './schemas.ts';

export interface ConversationThread {
  conversation: Conversation;
  messages: Message[];
}

export interface StartTurnInput {
  sessionId: string;
  content: string;
  /** Recorded when the conversation is created; ignored for an existing one. */
  origin?: string | null;
  pageUrl?: string | null;
  userAgent?: string | null;
  /** Model that will answer (recorded on the assistant placeholder). */
  model: string | null;
  /** How many messages of history to return (the new user message included). */
  historyLimit: number;
  now?: number;
  /**
   * What a store that holds the turn limits itself (`sharesTurnLimits`) needs to admit the turn and reserve its
   * budget in the same step; other stores ignore it.
   */
  admission?: TurnAdmission;
}

export interface TurnAdmission {
  clientIp: string;
  /** The turn without its history: the system prompt, the message and the longest reply. */
  minTokens: number;
  maxOutputTokens: number;
}

export interface StartTurnResult {
  conversation: Conversation;
  userMessage: Message;
  /** The assistant placeholder, status `streaming`, content ''. */
  assistantMessage: Message;
  /**
   * The last `historyLimit` messages in chronological order, ending with `userMessage`; the placeholder is
   * not included.
   */
  history: Message[];
}

export interface FinishTurnInput {
  assistantMessageId: string;
  content: string;
  status: FinalMessageStatus;
  model?: string | null;
  usage?: TokenUsage | null;
  finishReason?: string | null;
  errorCode?: string | null;
  firstTokenMs?: number | null;
  totalMs?: number | null;
  now?: number;
  /** What the turn really cost, to settle its budget reservation in a store that `sharesTurnLimits`. */
  spentTokens?: number;
}


export interface ConversationFilter {
  /** Full-text search over message content (words, prefix-matched). */
  q?: string;
  /** Inclusive range on `updatedAt`. */
  from?: number;
  to?: number;
  /** Only conversations with at least one assistant reply in that state. */
  problem?: ProblemFilter;
  /** Only conversations with that feedback on at least one reply. */
  feedback?: FeedbackFilter;
}

export interface ListConversationsInput extends ConversationFilter {
  /** 1..LIST_LIMIT_MAX (shared/conversation.ts); stores clamp it. */
  limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ChatStore {
  readonly kind: 'sqlite' | 'convex';
  /**
   * True when the store enforces the per-session rate limit and the daily budgets itself, shared by every server
   * replica (Convex): startTurn admits and reserves, or throws the same `DomainError`s as the in-memory limits, and
   * finishTurn settles. Otherwise the chat service keeps them in this process's memory.
   */
  readonly sharesTurnLimits?: boolean;

  /**
   * One round trip for the start of a chat turn: find or create the conversation for `sessionId`, store the
   * user message, create the assistant placeholder (`streaming`), and return the history for the model.
   */
  startTurn(input: StartTurnInput): Promise<StartTurnResult>;
  /** Store the assistant reply's final text and status. Throws `StoreError('not_found')` if unknown. */
  finishTurn(input: FinishTurnInput): Promise<Message>;

  /** The visitor's own conversation (for restoring the widget), newest `limit` messages, or null. */
  getSessionThread(sessionId: string, limit: number): Promise<ConversationThread | null>;
  /**
   * Feedback on an assistant message of that session's conversation (null clears it). Returns false when the
   * message does not exist, is not in that session, or is not an assistant message.
   */
  setFeedback(sessionId: string, messageId: string, feedback: Feedback | null): Promise<boolean>;

  // Admin
  listConversations(input: ListConversationsInput): Promise<Page<Conversation>>;
  getThread(conversationId: string): Promise<ConversationThread | null>;
  /** Deletes the conversation and all its messages; false when it did not exist. */
  deleteConversation(conversationId: string): Promise<boolean>;
  /** Every matching conversation with its messages, newest first, fetched page by page. */
  exportConversations(filter: ConversationFilter): AsyncIterable<ConversationThread>;
  stats(input: { from: number; to: number }): Promise<Stats>;

  /** Marks `streaming` messages older than `olderThanMs` as `error`/`interrupted`; returns how many. */
  recoverInterrupted(olderThanMs: number): Promise<number>;
  /** Throws when the store cannot answer (readiness probe). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class StoreError extends Error {
  constructor(
    readonly code: 'not_found' | 'invalid_cursor' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
