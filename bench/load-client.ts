/**
 * The load generator, always run as its own process (see `processes.ts`) so that it never shares an event loop with
 * the server it measures. It reads one job from the BENCH_JOB environment variable and answers with tagged lines:
 *
 *   ttft        N workers, each running streams back to back; time from sending a request to its first token
 *   throughput  N workers, each sending `POST /v1/chat` back to back; completed requests and their latency
 *   hold        open N streams, print OPENED, keep them until a line arrives on stdin, then close them all
 *   aging       N workers sending `POST /v1/chat` back to back until `turns` have completed; a WINDOW line after every
 *               `window` completed turns, so the runner can read the server's CPU time at the same moment
 */
import { tagged } from './protocol.ts';

/** `chat`: the server's `{sessionId, message}`; `openai`: a chat-completions request straight to the upstream. */
export type BodyKind = 'chat' | 'openai';
/** How the reply marks its first token: NDJSON `token` events, or SSE chunks with non-empty `content`. */
export type WireFormat = 'ndjson' | 'sse';

export interface Target {
  url: string;
  headers: Record<string, string>;
  body: BodyKind;
  wire: WireFormat;
}

export type ClientJob =
  | { mode: 'ttft'; target: Target; concurrency: number; warmupMs: number; durationMs: number }
  | { mode: 'throughput'; target: Target; concurrency: number; warmupMs: number; durationMs: number }
  | { mode: 'hold'; target: Target; count: number; batch: number; batchEveryMs: number; tag: string }
  | { mode: 'aging'; target: Target; concurrency: number; turns: number; window: number };

/** One window of an aging run: `turns` requests completed in `ms` (wall clock), with `errors` failures among them. */
export interface AgingWindow {
  index: number;
  turns: number;
  ms: number;
  errors: number;
  firstError: string | null;
}

export interface RunResult {
  /** Milliseconds, one per request started inside the measured window (TTFT, or whole-request latency). */
  samples: number[];
  /** Requests that completed inside the measured window, and in the whole run (warm-up included). */
  completed: number;
  total: number;
  measuredMs: number;
  errors: number;
  firstError: string | null;
}

export interface HoldOpened {
  opened: number;
  failed: number;
  firstError: string | null;
}

export interface HoldResult extends HoldOpened {
  /** Streams that ended or broke while they should have been held open. */
  endedEarly: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const decoder = new TextDecoder();

const FIRST_TOKEN: Record<WireFormat, RegExp> = {
  ndjson: /"type":"token"/,
  sse: /"content":"[^"]/,
};
const END_MARK: Record<WireFormat, RegExp> = {
  ndjson: /"type":"done"/,
  sse: /data: \[DONE\]/,
};

let sequence = 0;
function requestBody(kind: BodyKind, worker: string): string {
  sequence += 1;
  const message = `Benchmark question ${sequence}: where is my order?`;
  // Five turns per conversation, so the server also loads some history, as with a real visitor.
  if (kind === 'chat') return JSON.stringify({ sessionId: `bench-${process.pid}-${worker}-${Math.floor(sequence / 5)}`, message });
  return JSON.stringify({ model: 'bench-model', stream: true, messages: [{ role: 'user', content: message }] });
}

function send(target: Target, worker: string, signal?: AbortSignal): Promise<Response> {
  return fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: requestBody(target.body, worker),
    signal,
  });
}

/** Reads a streamed reply to its end; returns when the first token arrived and whether the reply ended properly. */
async function readStream(response: Response, wire: WireFormat, onFirstToken: () => void): Promise<boolean> {
  const reader = response.body!.getReader();
  let seenFirst = false;
  let seenEnd = false;
  // Only a tail of the text is kept: a marker may straddle two network chunks, nothing else matters.
  let tail = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const text = decoder.decode(value, { stream: true });
    tail = tail.slice(-64) + text;
    if (!seenFirst && FIRST_TOKEN[wire].test(tail)) {
      seenFirst = true;
      onFirstToken();
    }
    if (!seenEnd && END_MARK[wire].test(tail)) seenEnd = true;
  }
  return seenFirst && seenEnd;
}

interface LoopState {
  result: RunResult;
  windowStart: number;
  deadline: number;
}

function fail(state: LoopState, reason: string) {
  state.result.errors += 1;
  state.result.firstError ??= reason;
}

async function ttftWorker(job: Extract<ClientJob, { mode: 'ttft' }>, worker: number, state: LoopState) {
  // Stagger the starts over the warm-up so that replies do not all arrive in lock step.
  await sleep((worker / job.concurrency) * job.warmupMs * 0.5);
  while (performance.now() < state.deadline) {
    const started = performance.now();
    let firstToken = -1;
    try {
      const response = await send(job.target, String(worker));
      if (!response.ok) {
        fail(state, `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
        continue;
      }
      const complete = await readStream(response, job.target.wire, () => (firstToken = performance.now() - started));
      if (!complete) {
        fail(state, 'stream ended without its final event');
        continue;
      }
    } catch (error) {
      fail(state, String(error));
      continue;
    }
    state.result.total += 1;
    if (started >= state.windowStart) {
      state.result.samples.push(firstToken);
      state.result.completed += 1;
    }
  }
}

async function throughputWorker(job: Extract<ClientJob, { mode: 'throughput' }>, worker: number, state: LoopState) {
  while (performance.now() < state.deadline) {
    const started = performance.now();
    try {
      const response = await send(job.target, String(worker));
      const text = await response.text();
      if (!response.ok) {
        fail(state, `HTTP ${response.status}: ${text.slice(0, 200)}`);
        continue;
      }
    } catch (error) {
      fail(state, String(error));
      continue;
    }
    const ended = performance.now();
    state.result.total += 1;
    if (started >= state.windowStart && ended <= state.deadline) {
      state.result.samples.push(ended - started);
      state.result.completed += 1;
    }
  }
}

async function runLoop(job: Extract<ClientJob, { mode: 'ttft' | 'throughput' }>): Promise<RunResult> {
  const now = performance.now();
  const state: LoopState = {
    result: { samples: [], completed: 0, total: 0, measuredMs: job.durationMs, errors: 0, firstError: null },
    windowStart: now + job.warmupMs,
    deadline: now + job.warmupMs + job.durationMs,
  };
  const worker = job.mode === 'ttft' ? ttftWorker : throughputWorker;
  await Promise.all(Array.from({ length: job.concurrency }, (_, index) => worker(job as never, index, state)));
  return state.result;
}

async function hold(job: Extract<ClientJob, { mode: 'hold' }>, closeSignal: Promise<void>): Promise<HoldResult> {
  const controllers: AbortController[] = [];
  const status: HoldResult = { opened: 0, failed: 0, endedEarly: 0, firstError: null };
  let closing = false;

  const openOne = async (index: number): Promise<void> => {
    const controller = new AbortController();
    controllers.push(controller);
    try {
      const response = await send(job.target, `${job.tag}-${index}`, controller.signal);
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
      const reader = response.body!.getReader();
      const first = await reader.read(); // the `start` event: the turn is stored and the model call is under way
      if (first.done) throw new Error('stream closed before its first event');
      status.opened += 1;
      // Keep reading in the background: a stream that ends before the benchmark closes it was not held.
      void (async () => {
        try {
          while (!(await reader.read()).done);
          if (!closing) status.endedEarly += 1;
        } catch (error) {
          if (!closing) {
            status.endedEarly += 1;
            status.firstError ??= `held stream broke: ${String(error)}`;
          }
        }
      })();
    } catch (error) {
      status.failed += 1;
      status.firstError ??= String(error);
    }
  };

  const opening: Promise<void>[] = [];
  for (let index = 0; index < job.count; index += job.batch) {
    for (let offset = index; offset < Math.min(job.count, index + job.batch); offset += 1) opening.push(openOne(offset));
    await sleep(job.batchEveryMs);
  }
  await Promise.all(opening);
  console.log(tagged('OPENED', { opened: status.opened, failed: status.failed, firstError: status.firstError } satisfies HoldOpened));

  await closeSignal;
  closing = true;
  for (const controller of controllers) controller.abort();
  return status;
}

/** Sends turns until `job.turns` have been answered, printing one WINDOW line per `job.window` of them. */
async function aging(job: Extract<ClientJob, { mode: 'aging' }>): Promise<{ windows: number }> {
  let started = 0;
  let done = 0;
  let index = 0;
  let windowStart = performance.now();
  let errors = 0;
  let firstError: string | null = null;
  const worker = async (id: number) => {
    while (started < job.turns) {
      started += 1;
      try {
        const response = await send(job.target, String(id));
        const text = await response.text();
        if (!response.ok) {
          errors += 1;
          firstError ??= `HTTP ${response.status}: ${text.slice(0, 200)}`;
        }
      } catch (error) {
        errors += 1;
        firstError ??= String(error);
      }
      done += 1;
      if (done % job.window === 0) {
        const now = performance.now();
        console.log(tagged('WINDOW', { index, turns: job.window, ms: now - windowStart, errors, firstError } satisfies AgingWindow));
        index += 1;
        windowStart = now;
        errors = 0;
        firstError = null;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, (_, id) => worker(id)));
  return { windows: index };
}

async function firstStdinLine(): Promise<void> {
  for await (const _ of console) return;
}

if (import.meta.main) {
  const job = JSON.parse(process.env.BENCH_JOB ?? 'null') as ClientJob | null;
  if (!job) throw new Error('BENCH_JOB is required');
  const result = job.mode === 'hold' ? await hold(job, firstStdinLine()) : job.mode === 'aging' ? await aging(job) : await runLoop(job);
  console.log(tagged('RESULT', result));
  process.exit(0);
}
