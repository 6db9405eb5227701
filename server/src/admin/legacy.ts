/**
 * Fields of the original Open Chat Widget admin API (Convex document names `_id`, `_creationTime`, and
 * `lastMessage`), added beside ours so clients written for it keep working: fields are added, never renamed.
 */
import type { Conversation, ConversationThread, Message } from '../store/chat-store.ts';

export function withLegacyConversationFields(conversation: Conversation) {
  return { ...conversation, _id: conversation.id, _creationTime: conversation.createdAt, lastMessage: conversation.lastMessagePreview ?? '' };
}

export function withLegacyMessageFields(message: Message) {
  return { ...message, _id: message.id };
}

export function withLegacyThreadFields(thread: ConversationThread) {
  return { conversation: withLegacyConversationFields(thread.conversation), messages: thread.messages.map(withLegacyMessageFields) };
}
