/**
 * A fake OpenAI-compatible server on a loopback port: `POST /v1/chat/completions` answers in the real wire
 * format (SSE `chat.completion.chunk` lines and `data: [DONE]`, or one JSON completion without `stream`), and can
 * be told to fail: an HTTP status, a stall, or a connection cut mid-stream. The only fake in the test suite.
 * `POST /v1/embeddings` answers deterministic hashed-word vectors (hash-embedding.ts), optionally slowed per batch
 * or failing, so retrieval tests assert real rankings and the indexing benchmark sees a model's latency.
 */
import { hashEmbedding } from './hash-embedding.ts';

export type TokenSource = string[] | ((request: FakeLlmRequest) => string[]);

export type FakeBehaviour =
  /**
   * Streams `tokens` one chunk each, `delayMs` apart, then `finish_reason: "stop"`, usage, `[DONE]`; the headers come
   * `headersAfterMs` after the request (a model queued or loading before it starts streaming).
   */
  | { kind: 'reply'; tokens: TokenSource; delayMs?: number; finishReason?: string; headersAfterMs?: number }
  /** Replies with the last user message's text, word by word. */
  | { kind: 'echo'; delayMs?: number }
  /** Answers this status with an OpenAI-style error body (and `retry-after` when given). */
  | { kind: 'status'; status: number; retryAfter?: number; message?: string }
  /** Sends `tokens` (maybe none), then keeps the connection open without sending anything more. */
  | { kind: 'stall'; tokens?: string[] }
  /** Sends `tokens`, then closes the connection without a finish chunk or `[DONE]`. */
  | { kind: 'cut'; tokens: string[]; delayMs?: number };

export interface FakeLlmRequest {
  body: {
    model?: string;
    stream?: boolean;
    messages?: Array<{ role: string; content: string }>;
    max_tokens?: number;
    max_completion_tokens?: number;
    temperature?: number;
    [key: string]: unknown;
  };
  headers: Record<string, string>;
  /** Set when the client went away before the reply ended. */
  aborted: boolean;
  /** Set when the reply was sent to its end. */
  finished: boolean;
}

export interface FakeLlm {
  /** Base URL for the SDK's `baseURL`, ending in `/v1`. */
  url: string;
  port: number;
  requests: FakeLlmRequest[];
  /** Sets the behaviour for every following request until set again. */
  script(behaviour: FakeBehaviour): void;
  /** Sets behaviours for the next requests, one each, then falls back to the `script` one. */
  queue(...behaviours: FakeBehaviour[]): void;
  /** The embeddings endpoint: requests seen (inputs per request), a delay per batch, and a failure switch. */
  embeddings: {
    /** Inputs of each `/v1/embeddings` request, in arrival order. */
    batches: string[][];
    delayMs: number;
    /** When set, every embeddings request answers this HTTP status. */
    failStatus: number | null;
    /**
     * Answers the next `count` embeddings requests, then holds every later one until the returned release is called:
     * an indexing run stopped mid-way for as long as a test looks at it (a timed delay races a loaded machine).
     */
    holdAfter(count: number): () => void;
  };
  /** Resolves when a request has been aborted by its client (or after `timeoutMs`, rejecting). */
  waitForAbort(request: FakeLlmRequest, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const DEFAULT_REPLY = ['Hello', ' from', ' the', ' fake', ' model', '.'];

function chunk(content: string | null, finishReason: string | null, usage?: object) {
  const payload: Record<string, unknown> = {
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: 'fake-model',
    choices:
      content === null && finishReason === null
        ? []
        : [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finishReason }],
  };
  if (usage) payload.usage = usage;
  return encoder.encode(`data: ${JSON.stringify(payload)}\n\n`);
}

function lastUserText(request: FakeLlmRequest): string {
  const users = (request.body.messages ?? []).filter((m) => m.role === 'user');
  return users.at(-1)?.content ?? '';
}

function tokensFor(behaviour: FakeBehaviour, request: FakeLlmRequest): string[] {
  if (behaviour.kind === 'echo') return lastUserText(request).split(/(?=\s)/);
  if (behaviour.kind === 'reply') return typeof behaviour.tokens === 'function' ? behaviour.tokens(request) : behaviour.tokens;
  if (behaviour.kind === 'cut') return behaviour.tokens;
  if (behaviour.kind === 'stall') return behaviour.tokens ?? [];
  return [];
}

async function answerEmbeddings(req: Request, state: FakeLlm['embeddings'], heldUntil: (batch: number) => Promise<void> | null): Promise<Response> {
  const body = (await req.json()) as { input?: string | string[]; model?: string; encoding_format?: string; dimensions?: number };
  const inputs = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input.map(String) : [];
  state.batches.push(inputs);
  await heldUntil(state.batches.length - 1);
  if (state.delayMs > 0) await sleep(state.delayMs);
  if (state.failStatus !== null) {
    return Response.json({ error: { message: `fake embeddings answered ${state.failStatus}`, type: 'server_error', code: null } }, { status: state.failStatus });
  }
  // The SDK asks for base64 by default and decodes it; answer in the format asked for, like the real API.
  const encode = (vector: number[]) =>
    body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
  const tokens = inputs.reduce((n, text) => n + Math.ceil(text.length / 4), 0);
  return Response.json({
    object: 'list',
    model: body.model ?? 'fake-embedding',
    data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: encode(hashEmbedding(text, body.dimensions)) })),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

export async function startFakeLlm(initial: FakeBehaviour = { kind: 'reply', tokens: DEFAULT_REPLY }): Promise<FakeLlm> {
  let current = initial;
  const pending: FakeBehaviour[] = [];
  const requests: FakeLlmRequest[] = [];
  const abortWaiters = new Map<FakeLlmRequest, () => void>();
  let hold: { fromBatch: number; released: Promise<void> } | null = null;
  const heldUntil = (batch: number) => (hold && batch >= hold.fromBatch ? hold.released : null);
  const embeddings: FakeLlm['embeddings'] = {
    batches: [],
    delayMs: 0,
    failStatus: null,
    holdAfter(count) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      hold = { fromBatch: embeddings.batches.length + count, released };
      return () => {
        hold = null;
        release();
      };
    },
  };

  const markAborted = (record: FakeLlmRequest) => {
    if (record.finished || record.aborted) return;
    record.aborted = true;
    abortWaiters.get(record)?.();
  };

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (req.method === 'POST' && url.pathname === '/v1/embeddings') return await answerEmbeddings(req, embeddings, heldUntil);
      if (url.pathname === '/v1/models') return Response.json({ object: 'list', data: [{ id: 'fake-model', object: 'model' }] });
      if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions') {
        return Response.json({ error: { message: 'not found', type: 'invalid_request_error' } }, { status: 404 });
      }
      const record: FakeLlmRequest = {
        body: (await req.json()) as FakeLlmRequest['body'],
        headers: Object.fromEntries(req.headers),
        aborted: false,
        finished: false,
      };
      requests.push(record);
      req.signal.addEventListener('abort', () => markAborted(record));
      const behaviour = pending.shift() ?? current;

      if (behaviour.kind === 'status') {
        record.finished = true;
        const headers: Record<string, string> = {};
        if (behaviour.retryAfter !== undefined) headers['retry-after'] = String(behaviour.retryAfter);
        const type = behaviour.status === 401 ? 'invalid_request_error' : behaviour.status === 429 ? 'rate_limit_exceeded' : 'server_error';
        return Response.json(
          { error: { message: behaviour.message ?? `fake upstream answered ${behaviour.status}`, type, code: null } },
          { status: behaviour.status, headers },
        );
      }

      if (behaviour.kind === 'reply' && behaviour.headersAfterMs) await sleep(behaviour.headersAfterMs);
      const tokens = tokensFor(behaviour, record);
      const delayMs = 'delayMs' in behaviour ? (behaviour.delayMs ?? 0) : 0;
      const completionTokens = tokens.length;
      const promptTokens = (record.body.messages ?? []).reduce((n, m) => n + Math.ceil(String(m.content).length / 4), 0);
      const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };

      if (!record.body.stream) {
        if (behaviour.kind === 'stall') return new Promise<Response>(() => {});
        record.finished = true;
        return Response.json({
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: 'fake-model',
          choices: [{ index: 0, message: { role: 'assistant', content: tokens.join('') }, finish_reason: 'stop' }],
          usage,
        });
      }

      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          try {
            controller.enqueue(chunk('', null));
            for (const token of tokens) {
              if (record.aborted) return;
              if (delayMs) await sleep(delayMs);
              if (record.aborted) return;
              controller.enqueue(chunk(token, null));
            }
            if (behaviour.kind === 'stall') return; // keep the connection open, send nothing more
            if (behaviour.kind === 'cut') {
              await sleep(5);
              controller.error(new Error('fake upstream cut the stream'));
              return;
            }
            const finishReason = behaviour.kind === 'reply' ? (behaviour.finishReason ?? 'stop') : 'stop';
            controller.enqueue(chunk(null, finishReason === 'stop' ? 'stop' : finishReason));
            controller.enqueue(chunk(null, null, usage));
            controller.enqueue(encoder.encode('data: [DONE]\n\n'));
            record.finished = true;
            controller.close();
          } catch {
            markAborted(record);
          }
        },
        cancel() {
          markAborted(record);
        },
      });
      return new Response(stream, {
        headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      });
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}/v1`,
    port: server.port!,
    requests,
    embeddings,
    script(behaviour) {
      current = behaviour;
      pending.length = 0;
    },
    queue(...behaviours) {
      pending.push(...behaviours);
    },
    waitForAbort(request, timeoutMs = 5000) {
      if (request.aborted) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('upstream request was not aborted')), timeoutMs);
        abortWaiters.set(request, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    async stop() {
      await server.stop(true);
    },
  };
}
