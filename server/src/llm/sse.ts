/**
 * A lean server-sent events reader: the `event` and `data` of each message in a byte stream, nothing else (no
 * `id`/`retry`, which chat completions never send). Text is decoded once per network chunk and split on line ends
 * (`\n`, `\r\n` or `\r`, as the SSE spec allows), where the SDK's reader copies bytes into growing buffers per line.
 */

export interface SseMessage {
  event: string | null;
  data: string;
}

/** Feeds text in, hands complete messages out; pure, so the line rules test without a stream. */
export class SseParser {
  private pending = '';
  /** The previous chunk ended in `\r`: a `\n` starting the next one belongs to the same line end. */
  private afterCr = false;
  private event: string | null = null;
  private data: string[] = [];

  /** Every message completed by `text` (a message ends at a blank line). */
  push(text: string, out: SseMessage[] = []): SseMessage[] {
    if (this.afterCr && text.startsWith('\n')) text = text.slice(1);
    this.afterCr = text.endsWith('\r');
    let buffer = this.pending + text;
    let start = 0;
    for (;;) {
      const lineEnd = nextLineEnd(buffer, start);
      if (lineEnd === -1) break;
      this.line(buffer.slice(start, lineEnd), out);
      start = lineEnd + (buffer.charCodeAt(lineEnd) === 13 && buffer.charCodeAt(lineEnd + 1) === 10 ? 2 : 1);
    }
    this.pending = start === 0 ? buffer : buffer.slice(start);
    buffer = '';
    return out;
  }

  /** At the end of the stream: a last message that had no blank line after it still counts (as in the SDK). */
  end(out: SseMessage[] = []): SseMessage[] {
    if (this.pending) this.line(this.pending, out);
    this.pending = '';
    this.line('', out);
    return out;
  }

  private line(line: string, out: SseMessage[]) {
    if (line === '') {
      if (this.event !== null || this.data.length > 0) out.push({ event: this.event, data: this.data.join('\n') });
      this.event = null;
      this.data = [];
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' starts a comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }
}

function nextLineEnd(text: string, from: number): number {
  const lf = text.indexOf('\n', from);
  const cr = text.indexOf('\r', from);
  if (cr === -1) return lf;
  // A `\r` at the very end may be the first half of `\r\n`; wait for the next chunk (push() drops its `\n`).
  if (lf === -1) return cr;
  return Math.min(lf, cr);
}

/** The messages of a streamed body, in order; cancelling the iteration releases the body. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  const batch: SseMessage[] = [];
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }), batch);
      for (let index = 0; index < batch.length; index += 1) yield batch[index]!;
      batch.length = 0;
    }
    parser.push(decoder.decode(), batch);
    parser.end(batch);
    finished = true;
    for (const message of batch) yield message;
  } finally {
    // A consumer that stops early (or a failed read) must not leave the connection open.
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
