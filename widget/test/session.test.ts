import { describe, expect, it } from 'bun:test';
import { createSessionStore, newSessionId, sessionKey, type KeyValueStorage } from '../src/lib/session.ts';

const SESSION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function mapStorage(): KeyValueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

function counter() {
  let n = 0;
  return () => `id-${++n}`;
}

describe('session id', () => {
  it('creates one id, stores it under a key namespaced by api url, and returns it again', () => {
    const storage = mapStorage();
    const sessions = createSessionStore(() => storage, sessionKey('https://a.example'), counter());
    expect(sessions.get()).toBe('id-1');
    expect(sessions.get()).toBe('id-1');
    expect(storage.map.get('open-chat-widget:session:https://a.example')).toBe('id-1');
  });

  it('reuses an id stored by an earlier page load', () => {
    const storage = mapStorage();
    storage.map.set('k', 'earlier-session');
    expect(createSessionStore(() => storage, 'k', counter()).get()).toBe('earlier-session');
  });

  it('replaces a stored value the API would refuse', () => {
    const storage = mapStorage();
    storage.map.set('k', 'bad id with spaces');
    expect(createSessionStore(() => storage, 'k', counter()).get()).toBe('id-1');
  });

  it('renew starts a new conversation with a fresh id', () => {
    const storage = mapStorage();
    const sessions = createSessionStore(() => storage, 'k', counter());
    sessions.get();
    expect(sessions.renew()).toBe('id-2');
    expect(sessions.get()).toBe('id-2');
  });

  it('keeps the id in memory when storage throws (blocked cookies, sandboxed iframe)', () => {
    const sessions = createSessionStore(() => {
      throw new DOMException('denied', 'SecurityError');
    }, 'k', counter());
    expect(sessions.get()).toBe('id-1');
    expect(sessions.get()).toBe('id-1');
    expect(sessions.renew()).toBe('id-2');
    expect(sessions.get()).toBe('id-2');
  });

  it('generates ids the API accepts, with or without crypto.randomUUID', () => {
    expect(newSessionId(crypto)).toMatch(/^[0-9a-f-]{36}$/);
    const insecure = { getRandomValues: crypto.getRandomValues.bind(crypto) } as Pick<Crypto, 'getRandomValues'>;
    const id = newSessionId(insecure);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id).toMatch(SESSION_ID);
    expect(newSessionId(insecure)).not.toBe(id);
  });
});
