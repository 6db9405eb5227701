import { describe, expect, it } from 'bun:test';
import { guard, safeNext } from '../src/lib/server/guard.ts';

describe('request guard', () => {
  it('lets a signed-in request through anywhere', () => {
    expect(guard('/conversations/abc', '', true)).toEqual({ kind: 'pass' });
  });

  it('lets the login page and health probe through without a session', () => {
    expect(guard('/login', '', false)).toEqual({ kind: 'pass' });
    expect(guard('/healthz', '', false)).toEqual({ kind: 'pass' });
  });

  it('sends pages to login, remembering where the user was going', () => {
    expect(guard('/', '', false)).toEqual({ kind: 'login', location: '/login' });
    expect(guard('/conversations/abc', '?x=1', false)).toEqual({ kind: 'login', location: '/login?next=%2Fconversations%2Fabc%3Fx%3D1' });
    expect(guard('/logout', '', false).kind).toBe('login');
  });

  it('answers 401 to script endpoints', () => {
    expect(guard('/export', '?format=csv', false)).toEqual({ kind: 'unauthorized' });
    expect(guard('/conversations.json', '', false)).toEqual({ kind: 'unauthorized' });
  });

  it('only returns to paths on this site after login', () => {
    expect(safeNext('/conversations/abc?x=1')).toBe('/conversations/abc?x=1');
    for (const next of [null, '', 'https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)']) {
      expect(safeNext(next)).toBe('/');
    }
  });

  it('returns to / for a next no Location header can carry: tabs, newlines, other controls, non-ASCII', () => {
    for (const next of ['/\t/evil.example', '/a\nb', '/a\r\nSet-Cookie: x=1', '/a b', '/caf\u00e9', '/\u0085', '/\u2028']) {
      expect(safeNext(next)).toBe('/');
    }
    expect(safeNext('/?q=caf%C3%A9&from=2026-01-01')).toBe('/?q=caf%C3%A9&from=2026-01-01');
  });
});
