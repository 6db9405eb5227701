import { describe, expect, it } from 'bun:test';
import { readNdjson, toStreamEvent } from '../src/lib/ndjson.ts';

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>) {
  const out: unknown[] = [];
  for await (const value of readNdjson(stream)) out.push(value);
  return out;
}

describe('NDJSON reader', () => {
  it('yields one value per line, whatever the chunk boundaries', async () => {
    const lines = ['{"type":"start","conversationId":"c1"}', '{"type":"token","token":"Hé"}', '{"type":"done","message":"Hé","conversationId":"c1"}'];
    const text = lines.join('\n') + '\n';
    const expected = lines.map((line) => JSON.parse(line));
    expect(await collect(streamOf(text))).toEqual(expected);
    // One byte at a time, splitting the two-byte "é" too.
    const bytes = new TextEncoder().encode(text);
    const byteStream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    expect(await collect(byteStream)).toEqual(expected);
  });

  it('skips blank lines and reads a last line without a newline', async () => {
    expect(await collect(streamOf('{"a":1}\n\n  \n{"a":2}'))).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('handles several lines in one chunk and a line split across chunks', async () => {
    expect(await collect(streamOf('{"a":1}\n{"a"', ':2}\n{"a":3}\n'))).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });

  it('fails clearly on a line that is not JSON', async () => {
    await expect(collect(streamOf('{"a":1}\n<html>oops</html>\n'))).rejects.toThrow('not JSON: <html>oops</html>');
  });
});

describe('stream events', () => {
  it('narrows known event types and ignores unknown ones', () => {
    expect(toStreamEvent({ type: 'token', token: 'x' })).toEqual({ type: 'token', token: 'x' });
    expect(toStreamEvent({ type: 'token', token: 5 })).toBeNull();
    expect(toStreamEvent({ type: 'start', conversationId: 'c', messageId: 'm' })).toMatchObject({ type: 'start', messageId: 'm' });
    expect(toStreamEvent({ type: 'error', error: 'Upstream failed', code: 'upstream_error' })).toMatchObject({ type: 'error', error: 'Upstream failed', code: 'upstream_error' });
    expect(toStreamEvent({ type: 'usage', tokens: 3 })).toBeNull();
    expect(toStreamEvent('text')).toBeNull();
    expect(toStreamEvent(null)).toBeNull();
  });
});
