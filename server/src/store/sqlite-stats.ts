/** Usage statistics per UTC day from SQLite: two GROUP BY queries over covering indexes on creation time. */
import type { Database } from 'bun:sqlite';
import type { DayStats, Stats } from './types.ts';

interface MessageDayRow {
  day: number;
  messages: number;
  tokens: number;
  errors: number;
  replies: number;
}

interface ConversationDayRow {
  day: number;
  conversations: number;
}

const DAY_MS = 86_400_000;
// Integer day numbers group far faster than strftime() per row; they become YYYY-MM-DD once per day.
const DAY_OF = (column: string) => `CAST(${column} / ${DAY_MS} AS INTEGER)`;
const dayLabel = (dayNumber: number) => new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);

// A reply still streaming is not counted yet (see the contract's rules).
const MESSAGES_BY_DAY = `
  SELECT ${DAY_OF('created_at')} AS day,
         count(*) AS messages,
         coalesce(sum(total_tokens), 0) AS tokens,
         sum(status = 'error') AS errors,
         sum(role = 'assistant') AS replies
  FROM messages
  WHERE created_at BETWEEN ? AND ? AND status != 'streaming'
  GROUP BY day`;

const CONVERSATIONS_BY_DAY = `
  SELECT ${DAY_OF('created_at')} AS day, count(*) AS conversations
  FROM conversations
  WHERE created_at BETWEEN ? AND ?
  GROUP BY day`;

export function readStats(db: Database, from: number, to: number): Stats {
  const messageDays = db.query<MessageDayRow, [number, number]>(MESSAGES_BY_DAY).all(from, to);
  const conversationDays = db.query<ConversationDayRow, [number, number]>(CONVERSATIONS_BY_DAY).all(from, to);

  const days = new Map<string, DayStats>();
  const dayEntry = (day: string): DayStats => {
    let entry = days.get(day);
    if (!entry) {
      entry = { day, conversations: 0, messages: 0, tokens: 0, errors: 0 };
      days.set(day, entry);
    }
    return entry;
  };
  let replies = 0;
  for (const row of messageDays) {
    Object.assign(dayEntry(dayLabel(row.day)), { messages: row.messages, tokens: row.tokens, errors: row.errors });
    replies += row.replies;
  }
  for (const row of conversationDays) dayEntry(dayLabel(row.day)).conversations = row.conversations;

  const sorted = [...days.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const sum = (key: 'conversations' | 'messages' | 'tokens' | 'errors') =>
    sorted.reduce((total, day) => total + day[key], 0);
  const errors = sum('errors');
  return {
    days: sorted,
    totals: {
      conversations: sum('conversations'),
      messages: sum('messages'),
      tokens: sum('tokens'),
      errorRate: replies === 0 ? 0 : errors / replies,
    },
  };
}
