import { describe, expect, it } from 'bun:test';
import { parseColor, parseConfig, textColorOn } from '../src/lib/config.ts';

const base = { apiUrl: 'https://chat.example.com/', apiKey: 'key-123' };

describe('script tag configuration', () => {
  it('reads every data attribute into a typed config with defaults', () => {
    const result = parseConfig({ ...base, title: ' Help ', welcomeMessage: 'Hi', inputPlaceholder: 'Ask', position: 'LEFT', accentColor: '#0a7', theme: 'dark', lang: 'de', open: '' });
    expect(result).toEqual({
      ok: true,
      warnings: [],
      config: { apiUrl: 'https://chat.example.com', apiKey: 'key-123', title: 'Help', welcomeMessage: 'Hi', inputPlaceholder: 'Ask', position: 'left', accentColor: '#0a7', theme: 'dark', lang: 'de', open: true },
    });
    expect(parseConfig(base)).toMatchObject({ ok: true, config: { title: null, position: null, accentColor: null, theme: 'light', lang: null, open: false } });
  });

  it('accepts the original widget\'s data-api-url, which named the chat endpoint itself', () => {
    for (const apiUrl of ['https://api.example.com/chat', 'https://api.example.com/chat/', 'https://api.example.com/']) {
      expect(parseConfig({ apiUrl, apiKey: 'k' })).toMatchObject({ ok: true, config: { apiUrl: 'https://api.example.com' } });
    }
    expect(parseConfig({ apiUrl: 'https://example.com/support/chat', apiKey: 'k' })).toMatchObject({ config: { apiUrl: 'https://example.com/support' } });
  });

  it('treats data-open="false" as closed', () => {
    expect(parseConfig({ ...base, open: 'false' })).toMatchObject({ config: { open: false } });
  });

  it('refuses to start without the api url or key, naming what is missing in one sentence', () => {
    const missing = parseConfig({ apiUrl: 'https://x.example' });
    expect(missing).toMatchObject({ ok: false });
    expect(!missing.ok && missing.error).toContain('missing data-api-key');
    const both = parseConfig({});
    expect(!both.ok && both.error).toContain('data-api-url and data-api-key');
    expect(parseConfig(null)).toMatchObject({ ok: false });
  });

  it('refuses api urls that are not absolute http(s)', () => {
    for (const apiUrl of ['/relative', 'javascript:alert(1)', 'ftp://x.example']) {
      const result = parseConfig({ apiUrl, apiKey: 'k' });
      expect(!result.ok && result.error).toContain('is not an absolute http(s) URL');
    }
  });

  it('falls back with a warning on a colour, position or theme it does not accept', () => {
    const result = parseConfig({ ...base, accentColor: 'red; background: url(x)', position: 'top', theme: 'neon' });
    expect(result).toMatchObject({ ok: true, config: { accentColor: null, position: null, theme: 'light' } });
    expect(result.warnings).toHaveLength(3);
    expect(result.warnings[0]).toContain('data-accent-color');
  });
});

describe('accent colour', () => {
  it('parses #rgb and #rrggbb only', () => {
    expect(parseColor('#fff')).toEqual([255, 255, 255]);
    expect(parseColor('#4F46E5')).toEqual([79, 70, 229]);
    expect(parseColor('rgb(1,2,3)')).toBeNull();
    expect(parseColor('#12345')).toBeNull();
  });

  it('picks white text on dark accents and dark text on light ones', () => {
    expect(textColorOn('#4f46e5')).toBe('#ffffff');
    expect(textColorOn('#000000')).toBe('#ffffff');
    expect(textColorOn('#facc15')).toBe('#111827');
    expect(textColorOn('#ffffff')).toBe('#111827');
  });
});
