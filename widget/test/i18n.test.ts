import { describe, expect, it } from 'bun:test';
import { format, languages, pickLanguage } from '../src/i18n/index.ts';
import { en } from '../src/i18n/en.ts';

describe('languages', () => {
  it('ships English, German, Spanish, French and Arabic', () => {
    expect(Object.keys(languages).sort()).toEqual(['ar', 'de', 'en', 'es', 'fr']);
  });

  it('translates every string, keeping its placeholders', () => {
    const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
    for (const [code, strings] of Object.entries(languages)) {
      for (const key of Object.keys(en) as Array<keyof typeof en>) {
        expect(strings[key], `${code}.${key}`).toBeTruthy();
        expect(placeholders(strings[key]), `${code}.${key}`).toEqual(placeholders(en[key]));
        if (code !== 'en' && !['transcript', 'assistant', 'sources'].includes(key)) expect(strings[key], `${code}.${key} is still English`).not.toBe(en[key]);
      }
    }
  });

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
