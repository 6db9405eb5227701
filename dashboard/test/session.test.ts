import { describe, expect, it } from 'bun:test';
import { newSession, signSession, verifySession } from '../src/lib/server/session.ts';

const SECRET = 'a-session-secret-of-enough-length-1234';
const NOW = 1_800_000_000_000;

describe('session cookie', () => {
  it('verifies a token it signed and returns the payload', () => {
    const session = newSession(NOW, 60_000, 'id-1');
    expect(verifySession(signSession(session, SECRET), SECRET, NOW + 1)).toEqual({ id: 'id-1', exp: NOW + 60_000 });
  });

  it('gives each new session a different random id', () => {
    expect(newSession(NOW, 1).id).not.toBe(newSession(NOW, 1).id);
  });

  it('rejects a token once its expiry has passed', () => {
    const token = signSession(newSession(NOW, 60_000), SECRET);
    expect(verifySession(token, SECRET, NOW + 60_000)).toBeNull();
  });

  it('rejects a token signed with another secret', () => {
    const token = signSession(newSession(NOW, 60_000), 'another-secret-of-enough-length-5678');
    expect(verifySession(token, SECRET, NOW)).toBeNull();
  });

  it('rejects a payload changed after signing (a later expiry)', () => {
    const token = signSession(newSession(NOW, 60_000, 'x'), SECRET);
    const [, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ id: 'x', exp: NOW + 10 ** 9 })).toString('base64url');
    expect(verifySession(`${forged}.${signature}`, SECRET, NOW)).toBeNull();
  });

  it('rejects hand-made and malformed values', () => {
    const unsigned = Buffer.from(JSON.stringify({ id: 'x', exp: NOW + 1000 })).toString('base64url');
    for (const token of [undefined, null, '', 'admin', unsigned, `${unsigned}.`, `${unsigned}.AAAA`, 'a.b.c', '%%%.%%%', 'x'.repeat(5000)]) {
      expect(verifySession(token, SECRET, NOW)).toBeNull();
    }
  });

  it('rejects a correctly signed payload of the wrong shape', () => {
    const { createHmac } = require('node:crypto') as typeof import('node:crypto');
    const encoded = Buffer.from(JSON.stringify({ id: 'x', exp: 'never' })).toString('base64url');
    const signature = createHmac('sha256', SECRET).update(encoded).digest('base64url');
    expect(verifySession(`${encoded}.${signature}`, SECRET, NOW)).toBeNull();
  });
});
