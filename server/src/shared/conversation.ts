/**
 * The value lists and limits that the server, the Convex functions and the widget all need, written once. Pure: no
 * imports, so Convex's bundler and the widget's type-only imports can take it as it is.
 */

export const MESSAGE_ROLES = ['user', 'assistant'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/**
 * `streaming`: the reply is being produced (one left so by a crash becomes `error` with code `interrupted`).
 * `complete`: the model finished. `stopped`: the visitor went away or pressed Stop (partial text kept).
 * `error`: the model call failed (partial text kept, `errorCode` says why).
 */
export const MESSAGE_STATUSES = ['streaming', 'complete', 'stopped', 'error'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export type FinalMessageStatus = Exclude<MessageStatus, 'streaming'>;

export const FEEDBACK_VALUES = ['up', 'down'] as const;
export type Feedback = (typeof FEEDBACK_VALUES)[number];

/** The daily token budgets, narrowest last: per conversation, per client network, for the whole deployment. */
export const BUDGET_SCOPES = ['session', 'ip', 'deployment'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];

/** The error code of a reply whose process died mid-stream. */
export const INTERRUPTED_ERROR_CODE = 'interrupted';

/** Admin conversation lists: page size bounds (the original API's default was 100). */
export const LIST_LIMIT_DEFAULT = 100;
export const LIST_LIMIT_MAX = 200;

/** The conversation list's preview of the newest message, in code points. */
export const PREVIEW_CHARS = 200;

/** A search of more words than this is not a search: the rest are ignored. */
export const MAX_SEARCH_WORDS = 16;

/** How long the server waits for one Convex call before it counts the store as unavailable. */
export const DEFAULT_CONVEX_TIMEOUT_MS = 15_000;

/** First `PREVIEW_CHARS` code points, so an emoji is never cut in half. */
export function previewOf(content: string): string {
  if (content.length <= PREVIEW_CHARS) return content;
  return Array.from(content).slice(0, PREVIEW_CHARS).join('');
}

/** Lower-cased runs of letters and digits of any script; everything else separates words. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The words of an admin's search, at most `MAX_SEARCH_WORDS`. */
export function searchWords(q: string | undefined | null): string[] {
  if (!q) return [];
  return wordsOf(q).slice(0, MAX_SEARCH_WORDS);
}

/** Clamps a requested page size to 1..LIST_LIMIT_MAX. */
export function clampListLimit(limit: number): number {
  return Math.min(LIST_LIMIT_MAX, Math.max(1, Math.floor(limit)));
}

/** Admin list filters: conversations with a reply in that state, or with that feedback (`any`: either kind). */
export const PROBLEM_FILTERS = ['error', 'stopped', 'any'] as const;
export type ProblemFilter = (typeof PROBLEM_FILTERS)[number];
export const FEEDBACK_FILTERS = ['up', 'down', 'any'] as const;
export type FeedbackFilter = (typeof FEEDBACK_FILTERS)[number];
