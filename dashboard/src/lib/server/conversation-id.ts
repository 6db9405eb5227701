/**
 * What a conversation id looks like: the server makes them, as a UUID (SQLite store) or a Convex document id
 * (lowercase base32). Anything else cannot name a conversation, so it is answered as "not found" without ever
 * becoming part of an admin API path (`../export?format=csv` would otherwise walk to another endpoint).
 */
const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function isConversationId(value: string): boolean {
  return CONVERSATION_ID.test(value);
}
