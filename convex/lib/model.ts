import type { Doc } from '../_generated/dataModel';
import { wordsOf } from '../../server/src/shared/conversation';
import { fail } from './guard';

/** Turns stored documents into the wire shapes of server/src/store/schemas.ts, and the small pure rules around them. */

export function toConversation(doc: Doc<'conversations'>) {
  return {
    id: doc._id as string,
    sessionId: doc.sessionId,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    origin: doc.origin,
    pageUrl: doc.pageUrl,
    userAgent: doc.userAgent,
    messageCount: doc.messageCount,
    errorCount: doc.errorCount,
    stoppedCount: doc.stoppedCount,
    feedbackUp: doc.feedbackUp,
    feedbackDown: doc.feedbackDown,
    totalTokens: doc.totalTokens,
    lastMessagePreview: doc.lastMessagePreview,
    lastMessageRole: doc.lastMessageRole,
  };
}

export function toMessage(doc: Doc<'messages'>) {
  return {
    id: doc._id as string,
    conversationId: doc.conversationId as string,
    role: doc.role,
    content: doc.content,
    status: doc.status,
    createdAt: doc.createdAt,
    model: doc.model,
    usage: doc.usage,
    finishReason: doc.finishReason,
    errorCode: doc.errorCode,
    firstTokenMs: doc.firstTokenMs,
    totalMs: doc.totalMs,
    feedback: doc.feedback,
  };
}

/** True when every search term is the prefix of some word of `content` (the SQLite store's `term*` semantics). */
export function matchesAllTerms(content: string, terms: string[]): boolean {
  const contentWords = wordsOf(content);
  return terms.every((term) => contentWords.some((word) => word.startsWith(term)));
}

/**
 * A position in the newest-first order of conversations: `updatedAt` then `_creationTime`, both descending.
 * Plain text so that it survives any transport; opaque to callers.
 */
export interface ListCursor {
  updatedAt: number;
  creationTime: number;
}

export function encodeCursor(position: ListCursor): string {
  return `${position.updatedAt}_${position.creationTime}`;
}

export function decodeCursor(cursor: string): ListCursor {
  const match = /^(-?\d+(?:\.\d+)?)_(\d+(?:\.\d+)?)$/.exec(cursor);
  const updatedAt = Number(match?.[1]);
  const creationTime = Number(match?.[2]);
  if (!match || !Number.isFinite(updatedAt) || !Number.isFinite(creationTime)) {
    fail('invalid_cursor', 'The cursor is not one this deployment issued; start again without a cursor.');
  }
  return { updatedAt, creationTime };
}

/** True when the conversation comes strictly after `cursor` in newest-first order. */
export function isAfterCursor(doc: Doc<'conversations'>, cursor: ListCursor): boolean {
  if (doc.updatedAt !== cursor.updatedAt) return doc.updatedAt < cursor.updatedAt;
  return doc._creationTime < cursor.creationTime;
}

export function compareNewestFirst(a: Doc<'conversations'>, b: Doc<'conversations'>): number {
  return b.updatedAt - a.updatedAt || b._creationTime - a._creationTime;
}
