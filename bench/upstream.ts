/**
 * A lean OpenAI-compatible upstream for benchmarks, run as its own process so that neither the server under test
 * nor the load client pays for it. `POST /v1/chat/completions` streams a fixed reply in the real SSE wire format at
 * a fixed pace; `POST /control` changes the reply for the next requests; `GET /stats` counts open streams.
 * Unlike `server/test/support/fake-llm.ts` it keeps no per-request records (10,000 held streams would make that
 * the thing being measured) and pre-encodes every chunk.
 *
 *   bun bench/upstream.ts            prints `READY {"port":…}` on stdout once listening
 */
import { readyLine } from './protocol.ts';

export interface ReplyShape {
  /** Content chunks in the reply. */
  tokens: number;
  /** Pause before the first content chunk (the model "thinking") and between two chunks. */
  firstDelayMs: number;
  delayMs: number;
}

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function sse(payload: object): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(payload)}\n\n`);
}

function chunkPayload(delta: object, finishReason: string | null) {
  return { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: finishReason }] };
}

/** Every byte the reply is made of, encoded once per shape instead of once per stream. */
function encodeReply(shape: ReplyShape) {
  const tokens = Array.from({ length: shape.tokens }, (_, index) => encoder.encode(`data: ${JSON.stringify(chunkPayload({ content: ` word${index}` }, null))}\n\n`));
  const usage = { prompt_tokens: 50, completion_tokens: shape.tokens, total_tokens: 50 + shape.tokens };
  const tail = encoder.encode(
    `data: ${JSON.stringify(chunkPayload({}, 'stop'))}\n\n` +
      `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench-model', choices: [], usage })}\n\n` +
      'data: [DONE]\n\n',
  );
  return { role: sse(chunkPayload({ role: 'assistant', content: '' }, null)), tokens, tail };
}

export function startUpstream(port = 0, initial: ReplyShape = { tokens: 20, firstDelayMs: 50, delayMs: 50 }) {
  let shape = initial;
  let reply = encodeReply(shape);
  let open = 0;
  let served = 0;

  return Bun.serve({
    hostname: '127.0.0.1',
    port,
    // Held streams may be silent for seconds; the benchmark decides when they end.
    idleTimeout: 0,
    async fetch(request) {
      const { pathname } = new URL(request.url);
      if (pathname === '/stats') return Response.json({ open, served });
      if (pathname === '/control' && request.method === 'POST') {
        shape = { ...shape, ...((await request.json()) as Partial<ReplyShape>) };
        reply = encodeReply(shape);
        return Response.json(shape);
      }
      if (pathname !== '/v1/chat/completions' || request.method !== 'POST') return Response.json({ error: { message: 'not found' } }, { status: 404 });

      await request.arrayBuffer(); // a real upstream reads the prompt before it answers
      const { firstDelayMs, delayMs } = shape;
      const { role, tokens, tail } = reply;
      const signal = request.signal;
      open += 1;
      served += 1;
      let counted = true;
      const done = () => {
        if (counted) open -= 1;
        counted = false;
      };
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          try {
            controller.enqueue(role);
            for (let index = 0; index < tokens.length; index += 1) {
              const pause = index === 0 ? firstDelayMs : delayMs;
              if (pause > 0) await sleep(pause);
              if (signal.aborted) return;
              controller.enqueue(tokens[index]!);
            }
            controller.enqueue(tail);
            controller.close();
          } catch {
            // the client went away mid-reply
          } finally {
            done();
          }
        },
        cancel: done,
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
    },
  });
}

if (import.meta.main) {
  const server = startUpstream(Number(process.env.PORT ?? 0));
  console.log(readyLine({ port: server.port }));
}
