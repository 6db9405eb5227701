/**
 * Message keys carry their conversation: `messages.seq = conversation.seq * 2^20 + n`. A full-text match
 * (whose rowid is the message seq) then names its conversation as `rowid >> 20` without reading the messages
 * table, which is what keeps a search for a common word cheap at a million messages.
 */
import { StoreError } from '../chat-store.ts';

export const MESSAGE_SEQ_BITS = 20;
const SLOTS = 2 ** MESSAGE_SEQ_BITS;

/** The key of the next message after `lastSeq` (the conversation's newest key, or null when it has none). */
export function nextMessageSeq(conversationSeq: number, lastSeq: number | null): number {
  const next = lastSeq === null ? conversationSeq * SLOTS : lastSeq + 1;
  if (next >= (conversationSeq + 1) * SLOTS) {
    throw new StoreError('unavailable', `A conversation holds at most ${SLOTS - 1} messages; start a new session.`);
  }
  return next;
}

/** Inclusive range of message keys that belong to a conversation. */
export function messageSeqRange(conversationSeq: number): [number, number] {
  return [conversationSeq * SLOTS, (conversationSeq + 1) * SLOTS - 1];
}
