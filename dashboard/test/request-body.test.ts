import { describe, expect, it } from 'bun:test';
import { discard, relay } from '../src/lib/server/request-body.ts';

/** A body of `chunks` pieces that records how far it was read (as a browser's upload would be consumed). */
function body(chunks: number) {
  let read = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (read === chunks) return controller.close();
      read++;
      controller.enqueue(new Uint8Array(1024));
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, read: () => read, cancelled: () => cancelled };
}

describe('request bodies answered early', () => {
  it('relays the body as it is read, and reads what the consumer left without cancelling it', async () => {
    const source = body(5);
    const relayed = relay(source.stream);
    const reader = relayed.stream.getReader();
    expect((await reader.read()).value?.byteLength).toBe(1024);
    await reader.cancel(); // the server answered after the first chunk
    await relayed.discardRest();
    expect(source.read()).toBe(5);
    expect(source.cancelled()).toBe(false);
  });

  it('passes a body read to its end through unchanged', async () => {
    const source = body(3);
    const relayed = relay(source.stream);
    expect((await new Response(relayed.stream).arrayBuffer()).byteLength).toBe(3 * 1024);
    await relayed.discardRest();
    expect(source.read()).toBe(3);
  });

  it('drops a body of a plausible declared size, and leaves one declared too large (or not at all) unread', async () => {
    const small = body(4);
    await discard(small.stream, 4 * 1024, 10_000);
    expect(small.read()).toBe(4);
    const large = body(4);
    await discard(large.stream, 1_000_000, 10_000);
    expect(large.read()).toBe(0);
    const undeclared = body(4);
    await discard(undeclared.stream, Number.NaN, 10_000);
    expect(undeclared.read()).toBe(0);
  });
});
