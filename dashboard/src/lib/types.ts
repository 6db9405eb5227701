/** The chat server's data shapes, shared with its store contract so a renamed field breaks this build. */
export type {
  Conversation,
  ConversationFilter,
  ConversationThread,
  DayStats,
  Feedback,
  FeedbackFilter,
  Message,
  MessageStatus,
  Page,
  ProblemFilter,
  Stats,
  TokenUsage,
} from '../../../server/src/store/chat-store.ts';
