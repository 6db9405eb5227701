/**
 * The session cookie's value: `base64url(JSON payload) + "." + base64url(HMAC-SHA256(payload))`. Stateless, so
 * any instance holding the secret can check it; the payload carries its own expiry and a random id (the id lets
 * logout revoke one session).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface SessionPayload {
  /** Random, 128 bits, base64url. */
  id: string;
  /** Expiry, epoch ms. */
  exp: number;
}

export function newSession(now: number, ttlMs: number, id = randomBytes(16).toString('base64url')): SessionPayload {
  return { id, exp: now + ttlMs };
}

function mac(encodedPayload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(encodedPayload).digest();
}

export function signSession(payload: SessionPayload, secret: string): string {
  const encoded = Buffer.from(JSON.stringify({ id: payload.id, exp: payload.exp })).toString('base64url');
  return `${encoded}.${mac(encoded, secret).toString('base64url')}`;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The payload when the token is well-formed, signed with `secret` and not expired at `now`; otherwise null. */
export function verifySession(token: string | undefined | null, secret: string, now: number): SessionPayload | null {
  if (!token || token.length > 1024) return null;
  const parts = token.split('.');
  if (parts.length !== 2) return null;
  const [encoded, signature] = parts as [string, string];
  if (!BASE64URL.test(encoded) || !BASE64URL.test(signature)) return null;

  const expected = mac(encoded, secret);
  const given = Buffer.from(signature, 'base64url');
  // Compare only equal lengths (timingSafeEqual throws otherwise); the length of a MAC is no secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;

  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!isPayload(payload) || payload.exp <= now) return null;
  return { id: payload.id, exp: payload.exp };
}

function isPayload(value: unknown): value is SessionPayload {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.id === 'string' && record.id.length > 0 && typeof record.exp === 'number' && Number.isFinite(record.exp);
}
