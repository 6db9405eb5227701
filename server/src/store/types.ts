/**
 * The store contract: one interface, two implementations (SQLite, Convex), one shared contract test suite
 * (`contract.ts`). Every timestamp is epoch milliseconds; every list is cursor-paginated.
 */

export type MessageRole = 'user' | 'assistant';

/**
 * `streaming`: the assistant reply is being produced (a row left in this state by a crash is turned into
 * `error` with code `interrupted` at the next boot, so nothing stays half-written forever).
 * `complete`: the model finished. `stopped`: the visitor went away or pressed Stop (partial text kept).
 * `error`: the model call failed (partial text kept, `errorCode` says why).
 */
export type MessageStatus = 'streaming' | 'complete' | 'stopped' | 'error';

export type Feedback = 'up' | 'down';

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface Message {
  id: string;
  conversationId: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  createdAt: number;
  /** Assistant messages only (null otherwise). */
  model: string | null;
  usage: TokenUsage | null;
  finishReason: string | null;
  errorCode: string | null;
  /** Milliseconds from the model call to its first token, and to its end. */
  firstTokenMs: number | null;
  totalMs: number | null;
  feedback: Feedback | null;
}

export interface Conversation {
  id: string;
  sessionId: string;
  createdAt: number;
  /** Time of the last message: lists are ordered by this, newest first. */
  updatedAt: number;
  /** Where the widget that started it was embedded (Origin header, page URL, User-Agent). */
  origin: string | null;
  pageUrl: string | null;
  userAgent: string | null;
  messageCount: number;
  /** Assistant replies that ended as `error` / `stopped`. */
  errorCount: number;
  stoppedCount: number;
  feedbackUp: number;
  feedbackDown: number;
  totalTokens: number;
  /** First 200 characters of the newest message. */
  lastMessagePreview: string | null;
  lastMessageRole: MessageRole | null;
}

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
  status: Exclude<MessageStatus, 'streaming'>;
  model?: string | null;
  usage?: TokenUsage | null;
  finishReason?: string | null;
  errorCode?: string | null;
  firstTokenMs?: number | null;
  totalMs?: number | null;
  now?: number;
}

export type ProblemFilter = 'error' | 'stopped' | 'any';
export type FeedbackFilter = 'up' | 'down' | 'any';

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
  /** 1..200 */
  limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface DayStats {
  /** UTC day, YYYY-MM-DD */
  day: string;
  conversations: number;
  messages: number;
  tokens: number;
  errors: number;
}

export interface Stats {
  days: DayStats[];
  totals: {
    conversations: number;
    messages: number;
    tokens: number;
    /** Assistant replies ending in `error` over all assistant replies, 0..1 (0 when none). */
    errorRate: number;
  };
}

export interface ChatStore {
  readonly kind: 'sqlite' | 'convex';

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
