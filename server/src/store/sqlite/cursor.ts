/**
 * List cursors: an opaque base64url token for the position (updatedAt, id) of the last item of a page. Pure,
 * so every store implementation shares one format and one validation.
 */
import { StoreError } from '../chat-store.ts';

export interface CursorPosition {
  updatedAt: number;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.updatedAt, position.id])).toString('base64url');
}

/** Throws `StoreError('invalid_cursor')` for anything `encodeCursor` did not make. */
export function decodeCursor(cursor: string): CursorPosition {
  const invalid = () => new StoreError('invalid_cursor', 'The cursor is not valid; start again from the first page.');
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
  const [updatedAt, id] = parsed as unknown[];
  if (typeof updatedAt !== 'number' || !Number.isSafeInteger(updatedAt)) throw invalid();
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) throw invalid();
  return { updatedAt, id };
}
