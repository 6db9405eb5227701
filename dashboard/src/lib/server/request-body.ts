/**
 * A browser sends a form's whole body before it reads the answer. When the dashboard answers an upload early (the
 * chat server refused it after its first bytes, or it is over the limit), what is left of the body must still be
 * read, or the browser waits on a paused connection forever; ending the connection instead shows the user a reset
 * rather than the refusal. These read the rest and drop it.
 */

/** `stream` gives `body` on as it is read; `discardRest()` then reads and drops whatever the consumer left. */
export function relay(body: ReadableStream<Uint8Array>): { stream: ReadableStream<Uint8Array>; discardRest(): Promise<void> } {
  const reader = body.getReader();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    // The consumer gave up early (an answer came first): the rest is dropped by discardRest, not cancelled,
    // since cancelling the request body would end the browser's connection.
    cancel() {},
  });
  return { stream, discardRest: () => drain(reader) };
}

/**
 * Reads and drops a body nobody will use, unless it declares more than `maxBytes` or no length at all (reading an
 * unbounded body is what a limit is there to avoid; the browser's connection may then end without the answer).
 */
export async function discard(body: ReadableStream<Uint8Array> | null, declaredBytes: number, maxBytes: number): Promise<void> {
  if (!body || !(declaredBytes <= maxBytes)) return;
  await drain(body.getReader());
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    for (;;) if ((await reader.read()).done) return;
  } catch {
    // The browser went away: nothing left to read.
  }
}
