/** Streams a chat turn as NDJSON. The client going away aborts the model call at once (no tokens paid for nobody). */
import type { StreamEvent } from './schemas.ts';
import type { Turn } from './service.ts';

export const NDJSON_HEADERS = {
  'content-type': 'application/x-ndjson; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // Tells nginx-style proxies not to buffer. Caddy flushes a response without Content-Length write by write on its
  // own (the Caddyfile says why it must not be told `flush_interval -1`).
  'x-accel-buffering': 'no',
};

export function encodeEvent(event: StreamEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/** A signal that fires when the client goes away or `abort()` is called; `release()` unhooks it from the client. */
export function followClient(clientSignal: AbortSignal) {
  const controller = new AbortController();
  const onClientGone = () => controller.abort();
  clientSignal.addEventListener('abort', onClientGone, { once: true });
  return {
    signal: controller.signal,
    abort: () => controller.abort(),
    release: () => clientSignal.removeEventListener('abort', onClientGone),
  };
}

export function streamTurn(turn: Turn, clientSignal: AbortSignal, headers: Record<string, string>): Response {
  const encoder = new TextEncoder();
  const abort = followClient(clientSignal);
  let open = true;

  const body = new ReadableStream<Uint8Array>({
    start(sink) {
      const emit = (event: StreamEvent) => {
        if (!open) return;
        try {
          sink.enqueue(encoder.encode(encodeEvent(event)));
        } catch {
          open = false;
        }
      };
      emit(turn.start);
      void turn.run(abort.signal, emit).finally(() => {
        abort.release();
        if (!open) return;
        open = false;
        try {
          sink.close();
        } catch {
          // already closed by a cancel racing us
        }
      });
    },
    cancel() {
      open = false;
      abort.abort();
    },
  });
  return new Response(body, { status: 200, headers: { ...headers, ...NDJSON_HEADERS } });
}
