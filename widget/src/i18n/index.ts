/** Picks the UI language (data-lang, then the page's <html lang>, then English) and fills in placeholders. */
import { en } from './en.ts';
import { de } from './de.ts';
import { es } from './es.ts';
import { fr } from './fr.ts';
import { ar } from './ar.ts';

export type { MessageKey, Strings } from './translation.ts';
import type { Strings } from './translation.ts';

export const languages: Record<string, Strings> = { en, de, es, fr, ar };
const RIGHT_TO_LEFT = ['ar'];

export interface Language {
  code: string;
  dir: 'ltr' | 'rtl';
  strings: Strings;
}

/** `de-AT` and `de_at` both mean German; unknown or empty tags fall through to the next candidate. */
export function pickLanguage(...candidates: Array<string | null | undefined>): Language {
  for (const candidate of candidates) {
    const code = candidate?.trim().toLowerCase().split(/[-_]/)[0];
    if (code && languages[code]) return { code, dir: RIGHT_TO_LEFT.includes(code) ? 'rtl' : 'ltr', strings: languages[code] };
  }
  return { code: 'en', dir: 'ltr', strings: en };
}

/** Replaces `{name}` with params.name; a missing param leaves the placeholder visible rather than "undefined". */
export function format(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
