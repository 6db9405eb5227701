/** Adds up the per-day parts that `admin:stats` returns page by page into the store's `Stats`. */
import type { DayStats, Stats } from '../chat-store.ts';

export interface StatsDayPart {
  day: string;
  conversations: number;
  messages: number;
  tokens: number;
  errors: number;
  /** Ended assistant replies: the error rate's denominator. */
  replies: number;
}

export function mergeStatsParts(parts: Iterable<StatsDayPart>): Stats {
  const byDay = new Map<string, StatsDayPart>();
  for (const part of parts) {
    const sum = byDay.get(part.day) ?? { day: part.day, conversations: 0, messages: 0, tokens: 0, errors: 0, replies: 0 };
    sum.conversations += part.conversations;
    sum.messages += part.messages;
    sum.tokens += part.tokens;
    sum.errors += part.errors;
    sum.replies += part.replies;
    byDay.set(part.day, sum);
  }
  const sums = [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const days: DayStats[] = sums.map(({ day, conversations, messages, tokens, errors }) => ({
    day,
    conversations,
    messages,
    tokens,
    errors,
  }));
  const total = (pick: (day: StatsDayPart) => number) => sums.reduce((sum, day) => sum + pick(day), 0);
  const replies = total((day) => day.replies);
  return {
    days,
    totals: {
      conversations: total((day) => day.conversations),
      messages: total((day) => day.messages),
      tokens: total((day) => day.tokens),
      errorRate: replies === 0 ? 0 : total((day) => day.errors) / replies,
    },
  };
}
