/** Reads an NDJSON response line by line as it arrives, so tests can act in the middle of a stream. */

export interface NdjsonReader {
  next(): Promise<Record<string, unknown> | null>;
  cancel(): Promise<void>;
}

export function readNdjson(response: Response): NdjsonReader {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next() {
      for (;;) {
        const newline = buffer.indexOf('\n');
        if (newline >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line.trim()) return JSON.parse(line) as Record<string, unknown>;
          continue;
        }
        const { done, value } = await reader.read();
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

export async function readAllNdjson(response: Response): Promise<Array<Record<string, unknown>>> {
  const reader = readNdjson(response);
  const events: Array<Record<string, unknown>> = [];
  for (let event = await reader.next(); event; event = await reader.next()) events.push(event);
  return events;
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await Bun.sleep(20);
  }
}
