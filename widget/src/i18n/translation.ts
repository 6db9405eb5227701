import { en } from './en.ts';

export type MessageKey = keyof typeof en;
export type Strings = Record<MessageKey, string>;

/**
 * Other languages list their strings in en.ts's key order: repeating every key name in every table cost bundle
 * bytes that every host page pays for. A missing string falls back to English.
 */
export function translation(values: string[]): Strings {
  return Object.fromEntries(Object.keys(en).map((key, i) => [key, values[i] ?? en[key as MessageKey]])) as Strings;
}
