import { describe, expect, it } from 'bun:test';
import { SseParser, SseReader, type SseMessage } from '../src/llm/sse.ts';

const encoder = new TextEncoder();

function bodyOf(chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<SseMessage[]> {
  const reader = new SseReader(body);
  const out: SseMessage[] = [];
  for (let batch = await reader.next(); batch !== null; batch = await reader.next()) out.push(...batch);
  return out;
}

const messagesOf = (chunks: string[]) => readAll(bodyOf(chunks));

describe('SSE reader', () => {
  it('yields the data of each message, whatever the chunk boundaries', async () => {
    const wire = 'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n';
    const expected = [{ event: null, data: '{"a":1}' }, { event: null, data: '{"b":2}' }, { event: null, data: '[DONE]' }];
    expect(await messagesOf([wire])).toEqual(expected);
    // Every split point, including inside "\n\n" and inside a UTF-8 sequence.
    const bytes = encoder.encode('data: héllo\n\n');
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice(0, cut));
          controller.enqueue(bytes.slice(cut));
          controller.close();
        },
      });
      expect((await readAll(body)).map((message) => message.data)).toEqual(['héllo']);
    }
    for (let cut = 1; cut < wire.length; cut += 1) expect(await messagesOf([wire.slice(0, cut), wire.slice(cut)])).toEqual(expected);
  });

  it('accepts CRLF and CR line ends, even a CRLF split across two chunks', async () => {
    expect(await messagesOf(['data: x\r\n\r\ndata: y\r\rdata: z\n\n'])).toEqual([
      { event: null, data: 'x' },
      { event: null, data: 'y' },
      { event: null, data: 'z' },
    ]);
    expect(await messagesOf(['data: a\r', '\ndata: b\r\n', '\r\n'])).toEqual([{ event: null, data: 'a\nb' }]);
  });

  it('joins multi-line data, keeps the event name, skips comments and unknown fields', async () => {
    expect(await messagesOf([': keep-alive\n\nevent: error\ndata: {"error":\ndata: 1}\nid: 7\nretry: 5\n\n'])).toEqual([{ event: 'error', data: '{"error":\n1}' }]);
  });

  it('delivers a last message that has no blank line after it', async () => {
    expect(await messagesOf(['data: last'])).toEqual([{ event: null, data: 'last' }]);
    expect(new SseParser().end()).toEqual([]);
  });

  it('releases the body when the reader stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(encoder.encode('data: more\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const reader = new SseReader(body);
    expect((await reader.next())?.map((message) => message.data)).toEqual(['more']);
    await reader.cancel();
    expect(cancelled).toBe(true);
    expect(await reader.next()).toBeNull();
  });
});
