/** Reads the chat API's NDJSON stream into typed events, whatever the chunk boundaries. */
// Types only: the server's schemas cost the bundle nothing, and a renamed field breaks this build.
import type { StreamEvent } from '../../../server/src/chat/schemas.ts';

export type { StreamEvent };

/** Yields one parsed JSON value per non-empty line; a last line without a newline still counts. */
export async function* readNdjson(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const parse = (line: string) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw new SyntaxError(`The chat stream sent a line that is not JSON: ${line.slice(0, 80)}`);
    }
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line) yield parse(line);
      }
      if (done) break;
    }
    const rest = buffer.trim();
    if (rest) yield parse(rest);
  } finally {
    reader.releaseLock();
  }
}

/**
 * Narrows one stream line to a known event; unknown event types give null so that newer servers, which may add
 * event types, keep working with this widget.
 */
export function toStreamEvent(value: unknown): StreamEvent | null {
  const line = (typeof value === 'object' && value) as Record<string, unknown> | false;
  if (!line) return null;
  const { type } = line;
  if (type === 'token') return typeof line.token === 'string' ? (line as StreamEvent) : null;
  if (type === 'start' || type === 'done') return line as StreamEvent;
  // Servers of the original API send fewer fields: the widget reads ids with a fallback and the code as optional.
  if (type === 'error') return { ...line, type, error: String(line.error ?? ''), code: typeof line.code === 'string' ? line.code : '' } as StreamEvent;
  return null;
}
