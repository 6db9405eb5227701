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

/**
 * Reads a streamed body one network chunk at a time, with no async generator in between: a token costs one awaited
 * read, not a read plus a generator hop per message (the per-token cost is what limits many concurrent streams).
 */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly parser = new SseParser();
  private readonly decoder = new TextDecoder();
  private ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  /** The messages the next network chunk completed (often one, maybe none), or null once the body has ended. */
  async next(): Promise<SseMessage[] | null> {
    if (this.ended) return null;
    const { done, value } = await this.reader.read();
    if (!done) return this.parser.push(this.decoder.decode(value, { stream: true }));
    this.ended = true;
    this.reader.releaseLock();
    return this.parser.end(this.parser.push(this.decoder.decode()));
  }

  /** Stops early (or after a failed read) and lets the connection go; nothing happens once the body has ended. */
  async cancel(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.reader.cancel().catch(() => {});
    this.reader.releaseLock();
  }
}
