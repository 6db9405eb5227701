import { describe, expect, it } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, languages, pickLanguage } from '../src/i18n/index.ts';
import { en } from '../src/i18n/en.ts';
import type { MessageKey } from '../src/i18n/translation.ts';

const KEYS = Object.keys(en) as MessageKey[];
const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
/** How a string ends, in any of the shipped scripts (Arabic has its own question mark). */
function ending(text: string): 'ellipsis' | 'full stop' | 'question' | 'exclamation' | 'none' {
  const last = text.trim().slice(-1);
  if (last === '…') return 'ellipsis';
  if (last === '.') return 'full stop';
  if (last === '?' || last === '؟') return 'question';
  if (last === '!') return 'exclamation';
  return 'none';
}

describe('languages', () => {
  it('ships English, German, Spanish, French and Arabic', () => {
    expect(Object.keys(languages).sort()).toEqual(['ar', 'de', 'en', 'es', 'fr']);
  });

  it('translates every string, keeping its placeholders', () => {
    for (const [code, strings] of Object.entries(languages)) {
      for (const key of KEYS) {
        expect(strings[key], `${code}.${key}`).toBeTruthy();
        expect(placeholders(strings[key]), `${code}.${key}`).toEqual(placeholders(en[key]));
        if (code !== 'en' && !['transcript', 'assistant', 'sources'].includes(key)) expect(strings[key], `${code}.${key} is still English`).not.toBe(en[key]);
      }
    }
  });
});

/**
 * Other languages list their strings by position in en.ts's key order (translation.ts says why), so a string added,
 * dropped or moved in one table shifts or swaps every string after it, and translation() quietly fills a short table
 * with English. Each line names its key in a trailing comment; these checks read the tables as written.
 */
describe('translation tables', () => {
  const translated = Object.keys(languages).filter((code) => code !== 'en');
  // One entry per line: 'text', // key   (the text may contain the other quote character, never its own).
  const ENTRY = /^\s*(['"])(.*)\1,\s*\/\/\s*(\w+)\s*$/;

  function entriesOf(code: string): Array<{ key: string; text: string }> {
    const source = readFileSync(join(import.meta.dir, `../src/i18n/${code}.ts`), 'utf8');
    const body = source.slice(source.indexOf('translation(['), source.lastIndexOf(']);'));
    return body
      .split('\n')
      .map((line) => ENTRY.exec(line))
      .filter((match) => match !== null)
      .map((match) => ({ text: match[2]!, key: match[3]! }));
  }

  it.each(translated)('%s gives exactly one string per English key, in en.ts order, each beside its key name', (code) => {
    const entries = entriesOf(code);
    expect(entries.map((entry) => entry.key)).toEqual(KEYS);
    // The module exports what the annotated lines say: no string slipped in unannotated or with a mislabelled key.
    const strings = languages[code]!;
    for (const { key, text } of entries) expect(strings[key as MessageKey], `${code}.${key}`).toBe(text);
  });

  it.each(translated)('%s ends each string as English does (ellipsis, full stop, question, none): a label and a sentence cannot swap', (code) => {
    const strings = languages[code]!;
    for (const key of KEYS) expect(`${key}: ${ending(strings[key])}`).toBe(`${key}: ${ending(en[key])}`);
  });

  it.each(translated)('%s keeps apart the strings English tells apart', (code) => {
    const strings = languages[code]!;
    const seen = new Map<string, MessageKey>();
    for (const key of KEYS) {
      const twin = seen.get(strings[key]);
      if (twin) expect(`${code}: ${twin} and ${key} are both "${strings[key]}"`).toBe(`${code}: distinct`);
      seen.set(strings[key], key);
    }
  });

  /**
   * One word (or short phrase) per key that its string must contain, written by hand: a string moved to another key,
   * even with the key comments left in place, loses its word. Words rather than whole strings, so rewording a
   * sentence rarely touches this table; a new key in en.ts makes it fail to typecheck until each language has one.
   */
  const GLOSSARY: Record<string, Record<MessageKey, string>> = {
    de: {
      title: 'chatten', welcome: 'hallo', placeholder: 'schreiben', closeChat: 'schließen', send: 'senden', stop: 'stoppen',
      retry: 'erneut versuchen', newConversation: 'neues', transcript: 'gespräch', you: 'sie', assistant: 'assistent',
      typing: 'schreibt', copy: 'kopieren', copied: 'kopiert', helpful: 'hilfreich', notHelpful: 'nicht hilfreich',
      stopped: 'gestoppt', errorRateLimited: 'zu viele', errorConfig: 'eingerichtet', errorInvalidMessage: 'kürzen',
      errorOffline: 'offline', errorUnavailable: 'verfügbar', errorServer: 'schiefgelaufen', sources: 'quellen',
    },
    es: {
      title: 'chatea', welcome: 'hola', placeholder: 'escribe un', closeChat: 'cerrar', send: 'enviar', stop: 'detener',
      retry: 'reintentar', newConversation: 'nueva', transcript: 'conversación', you: 'tú', assistant: 'asistente',
      typing: 'escribiendo', copy: 'copiar', copied: 'copiado', helpful: 'útil', notHelpful: 'no útil', stopped: 'detenido',
      errorRateLimited: 'demasiados', errorConfig: 'configurado', errorInvalidMessage: 'acórtalo', errorOffline: 'conexión',
      errorUnavailable: 'disponible', errorServer: 'salió mal', sources: 'fuentes',
    },
    fr: {
      title: 'discutez', welcome: 'bonjour', placeholder: 'écrivez', closeChat: 'fermer', send: 'envoyer', stop: 'arrêter',
      retry: 'réessayer', newConversation: 'nouvelle', transcript: 'conversation', you: 'vous', assistant: 'assistant',
      typing: 'écrit…', copy: 'copier', copied: 'copié', helpful: 'utile', notHelpful: 'pas utile', stopped: 'arrêté',
      errorRateLimited: 'trop', errorConfig: 'configuré', errorInvalidMessage: 'raccourcissez', errorOffline: 'hors ligne',
      errorUnavailable: 'indisponible', errorServer: 'erreur', sources: 'sources',
    },
    ar: {
      title: 'تحدث', welcome: 'مرحبًا', placeholder: 'اكتب', closeChat: 'إغلاق', send: 'إرسال', stop: 'إيقاف',
      retry: 'إعادة', newConversation: 'جديدة', transcript: 'المحادثة', you: 'أنت', assistant: 'المساعد', typing: 'يكتب',
      copy: 'نسخ', copied: 'تم النسخ', helpful: 'مفيد', notHelpful: 'غير مفيد', stopped: 'تم الإيقاف',
      errorRateLimited: 'كثيرة', errorConfig: 'مُعدّة', errorInvalidMessage: 'اختصارها', errorOffline: 'متصل',
      errorUnavailable: 'متاح', errorServer: 'خطأ', sources: 'المصادر',
    },
  };

  it('has a glossary for every translated language', () => {
    expect(Object.keys(GLOSSARY).sort()).toEqual([...translated].sort());
  });

  it.each(translated)('%s has each key\'s own word in its string', (code) => {
    const strings = languages[code]!;
    const misplaced = KEYS.filter((key) => !strings[key].toLowerCase().includes(GLOSSARY[code]![key].toLowerCase()));
    expect(misplaced.map((key) => `${code}.${key} = "${strings[key]}" lacks "${GLOSSARY[code]![key]}"`)).toEqual([]);
  });
});

describe('picking and formatting', () => {
  it('picks data-lang first, then the page language, then English; Arabic is right-to-left', () => {
    expect(pickLanguage('de', 'fr')).toMatchObject({ code: 'de', dir: 'ltr', strings: { send: 'Senden' } });
    expect(pickLanguage(null, 'fr-CA')).toMatchObject({ code: 'fr' });
    expect(pickLanguage('pt', 'es_MX')).toMatchObject({ code: 'es' });
    expect(pickLanguage('AR')).toMatchObject({ code: 'ar', dir: 'rtl' });
    expect(pickLanguage('xx', '', undefined)).toMatchObject({ code: 'en', dir: 'ltr', strings: en });
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(format('Wait {seconds} s', { seconds: 5 })).toBe('Wait 5 s');
    expect(format('Wait {seconds} s')).toBe('Wait {seconds} s');
  });
});
