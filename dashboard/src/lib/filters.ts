/**
 * The conversation list's filters, in the three forms they take: the page's query string (bookmarkable, works
 * without JavaScript), the form's fields, and the admin API's query (epoch ms).
 */
import type { ConversationFilter } from './types.ts';

export type ProblemChoice = '' | 'error' | 'stopped' | 'any';
export type FeedbackChoice = '' | 'up' | 'down' | 'any';

export interface ListFilters {
  q: string;
  /** YYYY-MM-DD (UTC day) or '' */
  from: string;
  to: string;
  problem: ProblemChoice;
  feedback: FeedbackChoice;
}

export const EMPTY_FILTERS: ListFilters = { q: '', from: '', to: '', problem: '', feedback: '' };

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PROBLEMS: readonly ProblemChoice[] = ['error', 'stopped', 'any'];
const FEEDBACKS: readonly FeedbackChoice[] = ['up', 'down', 'any'];
export const MAX_QUERY_CHARS = 200;

function validDay(value: string | null): string {
  if (!value || !DAY.test(value)) return '';
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value ? '' : value;
}

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | '' {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : '';
}

/** Anything unknown or malformed is dropped rather than rejected: a hand-edited URL still shows a list. */
export function parseFilters(params: URLSearchParams): ListFilters {
  let from = validDay(params.get('from'));
  let to = validDay(params.get('to'));
  if (from && to && from > to) [from, to] = [to, from];
  return {
    q: (params.get('q') ?? '').trim().slice(0, MAX_QUERY_CHARS),
    from,
    to,
    problem: oneOf(params.get('problem'), PROBLEMS),
    feedback: oneOf(params.get('feedback'), FEEDBACKS),
  };
}

/** The query string for a page URL: only the filters that are set, in a stable order. */
export function filtersToSearchParams(filters: ListFilters, extra: Record<string, string | null | undefined> = {}): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q) params.set('q', filters.q);
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (filters.problem) params.set('problem', filters.problem);
  if (filters.feedback) params.set('feedback', filters.feedback);
  for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
  return params;
}

/**
 * The query string without its blank fields, or null when it has none. Without JavaScript the filter form is a
 * plain GET that sends every field, empty ones too (`?q=lamp&from=&to=&problem=&feedback=`); the list redirects
 * that to the URL the scripted form navigates to, so both ways land on the same page address.
 */
export function withoutBlankFields(params: URLSearchParams): URLSearchParams | null {
  const all = [...params];
  const kept = all.filter(([, value]) => value.trim() !== '');
  return kept.length === all.length ? null : new URLSearchParams(kept);
}

export function hasActiveFilters(filters: ListFilters): boolean {
  return Boolean(filters.q || filters.from || filters.to || filters.problem || filters.feedback);
}

const DAY_MS = 86_400_000;

/** The admin API's filter: whole UTC days become an inclusive epoch-ms range on last activity. */
export function filtersToApiQuery(filters: ListFilters): ConversationFilter {
  const query: ConversationFilter = {};
  if (filters.q) query.q = filters.q;
  if (filters.from) query.from = Date.parse(`${filters.from}T00:00:00Z`);
  if (filters.to) query.to = Date.parse(`${filters.to}T00:00:00Z`) + DAY_MS - 1;
  if (filters.problem) query.problem = filters.problem;
  if (filters.feedback) query.feedback = filters.feedback;
  return query;
}

/** A key that changes exactly when the filters do (used to drop pages loaded for other filters). */
export function filtersKey(filters: ListFilters): string {
  return filtersToSearchParams(filters).toString();
}
