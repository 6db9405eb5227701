import type { Doc } from '../_generated/dataModel';

/** Per-UTC-day sums that one stats page contributes; pages add up by plain addition. */

export interface DayPart {
  conversations: number;
  messages: number;
  tokens: number;
  errors: number;
  /** Assistant replies, the denominator of the error rate. */
  replies: number;
}

export interface StatsPart {
  days: Record<string, DayPart>;
}

export function emptyStatsPart(): StatsPart {
  return { days: {} };
}

export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

function dayOf(part: StatsPart, epochMs: number): DayPart {
  const day = utcDay(epochMs);
  const existing = part.days[day];
  if (existing) return existing;
  const created = { conversations: 0, messages: 0, tokens: 0, errors: 0, replies: 0 };
  part.days[day] = created;
  return created;
}

export function addConversationToDays(part: StatsPart, doc: Doc<'conversations'>): void {
  dayOf(part, doc.createdAt).conversations += 1;
}

/** A reply still `streaming` is not counted until it ends (the contract's rule for counters and stats). */
export function addMessageToDays(part: StatsPart, doc: Doc<'messages'>): void {
  if (doc.status === 'streaming') return;
  const day = dayOf(part, doc.createdAt);
  day.messages += 1;
  day.tokens += doc.usage?.totalTokens ?? 0;
  if (doc.role === 'assistant') {
    day.replies += 1;
    if (doc.status === 'error') day.errors += 1;
  }
}

/** Convex values travel better as arrays than as objects keyed by dates. */
export function dayList(part: StatsPart): Array<DayPart & { day: string }> {
  return Object.entries(part.days).map(([day, sums]) => ({ day, ...sums }));
}
