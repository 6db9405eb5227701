import { describe, expect, it } from 'bun:test';
import { parseConfig } from '../src/lib/server/config.ts';

const STRONG = {
  NODE_ENV: 'production',
  ADMIN_API_KEY: 'admin-key',
  DASHBOARD_PASSWORD: 'a-long-password',
  SESSION_SECRET: 'x'.repeat(32),
  API_URL: 'http://server:4000/',
};

describe('dashboard config', () => {
  it('accepts a complete production environment and trims the API URL', () => {
    const result = parseConfig(STRONG);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.apiUrl).toBe('http://server:4000');
    expect(result.config.production).toBe(true);
    expect(result.config.sessionTtlMs).toBe(12 * 3_600_000);
    expect(result.config.loginMaxAttempts).toBe(5);
    expect(result.notices).toEqual([]);
  });

  it('refuses production without secrets, with one line per problem', () => {
    const result = parseConfig({ NODE_ENV: 'production' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(3);
    expect(result.problems.join('\n')).toContain('ADMIN_API_KEY');
    expect(result.problems.join('\n')).toContain('DASHBOARD_PASSWORD');
    expect(result.problems.join('\n')).toContain('SESSION_SECRET');
  });

  it('refuses an unknown NODE_ENV such as "Production" and applies the production checks meanwhile', () => {
    const result = parseConfig({ ...STRONG, NODE_ENV: 'Production', DASHBOARD_PASSWORD: 'short' });
    expect(result.ok ? [] : result.problems).toEqual([
      'NODE_ENV must be one of development, production, test (got "Production"; the value is case-sensitive).',
      'DASHBOARD_PASSWORD is too short: use at least 12 characters.',
    ]);
  });

  it('refuses weak secrets in production', () => {
    const result = parseConfig({ ...STRONG, DASHBOARD_PASSWORD: 'short', SESSION_SECRET: 'x'.repeat(23) });
    expect(result.ok ? [] : result.problems).toEqual([
      'DASHBOARD_PASSWORD is too short: use at least 12 characters.',
      'SESSION_SECRET is too short: use at least 24 random characters (openssl rand -base64 32).',
    ]);
  });

  it('generates a session secret in development and says sessions will not survive a restart', () => {
    const result = parseConfig({ DASHBOARD_PASSWORD: 'pw' }, () => 'generated-secret');
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.sessionSecret).toBe('generated-secret');
    expect(result.config.apiUrl).toBe('http://127.0.0.1:4000');
    expect(result.notices.some((n) => n.includes('will not survive a restart'))).toBe(true);
  });

  it('rejects a malformed API_URL and numbers in every environment', () => {
    const result = parseConfig({ API_URL: 'ftp://x', DASHBOARD_POLL_SECONDS: 'soon' });
    expect(result.ok ? [] : result.problems).toEqual([
      'API_URL must be an http(s) URL such as http://server:4000 (got "ftp://x").',
      'DASHBOARD_POLL_SECONDS must be a positive number (got "soon").',
    ]);
  });
});
