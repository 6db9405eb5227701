/**
 * Usage statistics per UTC day from SQLite. Each day with activity is one aggregate over a range of a covering
 * index on creation time, and an index seek jumps over empty days. A single GROUP BY would sort every row of
 * the range first: measured at 1M messages, 30 days took ~190 ms that way against ~60 ms day by day.
 */
import type { Database } from 'bun:sqlite';
import type { DayStats, Stats } from '../chat-store.ts';

const DAY_MS = 86_400_000;

interface MessageTotals {
  messages: number;
  tokens: number;
  errors: number;
  replies: number;
}

// A reply still streaming is not counted yet (see the contract's rules).
const MESSAGES_IN_RANGE = `
  SELECT count(*) AS messages, coalesce(sum(total_tokens), 0) AS tokens,
         coalesce(sum(status = 'error'), 0) AS errors, coalesce(sum(role = 'assistant'), 0) AS replies
  FROM messages WHERE created_at BETWEEN ? AND ? AND status != 'streaming'`;
const NEXT_MESSAGE_TIME = 'SELECT min(created_at) AS at FROM messages WHERE created_at BETWEEN ? AND ?';
const CONVERSATIONS_IN_RANGE = 'SELECT count(*) AS conversations FROM conversations WHERE created_at BETWEEN ? AND ?';
const NEXT_CONVERSATION_TIME = 'SELECT min(created_at) AS at FROM conversations WHERE created_at BETWEEN ? AND ?';

/** Calls `visit(dayStart, rangeFrom, rangeTo)` for each UTC day in [from, to] that has a row, in order. */
function forEachDayWithRows(
  db: Database,
  nextTimeSql: string,
  from: number,
  to: number,
  visit: (dayStart: number, rangeFrom: number, rangeTo: number) => void,
): void {
  const nextTime = db.query<{ at: number | null }, [number, number]>(nextTimeSql);
  let cursor = from;
  while (cursor <= to) {
    const at = nextTime.get(cursor, to)?.at ?? null;
    if (at === null) return;
    const dayStart = Math.floor(at / DAY_MS) * DAY_MS;
    const dayEnd = dayStart + DAY_MS - 1;
    visit(dayStart, Math.max(from, dayStart), Math.min(to, dayEnd));
    cursor = dayEnd + 1;
  }
}

export function readStats(db: Database, from: number, to: number): Stats {
  const days = new Map<number, DayStats>();
  const dayEntry = (dayStart: number): DayStats => {
    let entry = days.get(dayStart);
    if (!entry) {
      entry = { day: new Date(dayStart).toISOString().slice(0, 10), conversations: 0, messages: 0, tokens: 0, errors: 0 };
      days.set(dayStart, entry);
    }
    return entry;
  };

  let replies = 0;
  const messagesIn = db.query<MessageTotals, [number, number]>(MESSAGES_IN_RANGE);
  forEachDayWithRows(db, NEXT_MESSAGE_TIME, from, to, (dayStart, rangeFrom, rangeTo) => {
    const totals = messagesIn.get(rangeFrom, rangeTo);
    if (!totals || totals.messages === 0) return;
    Object.assign(dayEntry(dayStart), { messages: totals.messages, tokens: totals.tokens, errors: totals.errors });
    replies += totals.replies;
  });
  const conversationsIn = db.query<{ conversations: number }, [number, number]>(CONVERSATIONS_IN_RANGE);
  forEachDayWithRows(db, NEXT_CONVERSATION_TIME, from, to, (dayStart, rangeFrom, rangeTo) => {
    const count = conversationsIn.get(rangeFrom, rangeTo)?.conversations ?? 0;
    if (count > 0) dayEntry(dayStart).conversations = count;
  });

  const sorted = [...days.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
  const sum = (key: 'conversations' | 'messages' | 'tokens' | 'errors') =>
    sorted.reduce((total, day) => total + day[key], 0);
  return {
    days: sorted,
    totals: {
      conversations: sum('conversations'),
      messages: sum('messages'),
      tokens: sum('tokens'),
      errorRate: replies === 0 ? 0 : sum('errors') / replies,
    },
  };
}
