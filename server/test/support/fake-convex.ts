/**
 * A Convex deployment stand-in on a loopback port: it speaks the HTTP wire protocol of `ConvexHttpClient`
 * (`POST /api/query|mutation|action` with `convex_encoded_json` args; `{status:"success", value}` or HTTP 560
 * `{status:"error", errorMessage, errorData?}`) and runs the REAL functions of `convex/` inside `convex-test`.
 * A per-call delay models a hosted deployment's round trip; `stall()` models a deployment that never answers.
 */
import { convexTest } from 'convex-test';
import { makeFunctionReference } from 'convex/server';
import { ConvexError, convexToJson, jsonToConvex, type JSONValue, type Value } from 'convex/values';
import schema from '../../../convex/schema.ts';

/** The secret the fake deployment is configured with (`CONVEX_SERVER_SECRET` in its env). */
export const FAKE_CONVEX_SECRET = 'fake-convex-server-secret-0123456789';

/**
 * Every module of `convex/`, listed by hand because `import.meta.glob` is Vite-only; the functions test checks
 * this map against the directory so a new module cannot be forgotten.
 */
export const convexModules: Record<string, () => Promise<unknown>> = {
  './_generated/api.js': () => import('../../../convex/_generated/api.js'),
  './_generated/server.js': () => import('../../../convex/_generated/server.js'),
  './schema.ts': () => import('../../../convex/schema.ts'),
  './chat.ts': () => import('../../../convex/chat.ts'),
  './admin.ts': () => import('../../../convex/admin.ts'),
  './health.ts': () => import('../../../convex/health.ts'),
  './knowledge.ts': () => import('../../../convex/knowledge.ts'),
  './lib/knowledge.ts': () => import('../../../convex/lib/knowledge.ts'),
  './lib/knowledge-schema.ts': () => import('../../../convex/lib/knowledge-schema.ts'),
  './lib/guard.ts': () => import('../../../convex/lib/guard.ts'),
  './lib/listing.ts': () => import('../../../convex/lib/listing.ts'),
  './lib/model.ts': () => import('../../../convex/lib/model.ts'),
  './lib/stats.ts': () => import('../../../convex/lib/stats.ts'),
};

export function newConvexTest() {
  return convexTest(schema, convexModules);
}

export type ConvexTestInstance = ReturnType<typeof newConvexTest>;

/**
 * The functions read `process.env` like on a real deployment, and convex-test runs them in this process, so the
 * deployment env is this process's env. `null` leaves it unset. Returns a function that restores the previous value.
 */
export function configureDeploymentSecret(secret: string | null = FAKE_CONVEX_SECRET): () => void {
  const previous = process.env.CONVEX_SERVER_SECRET;
  if (secret === null) delete process.env.CONVEX_SERVER_SECRET;
  else process.env.CONVEX_SERVER_SECRET = secret;
  return () => {
    if (previous === undefined) delete process.env.CONVEX_SERVER_SECRET;
    else process.env.CONVEX_SERVER_SECRET = previous;
  };
}

export type FunctionKind = 'query' | 'mutation' | 'action';

export interface FakeConvexCall {
  kind: FunctionKind;
  path: string;
}

export interface FakeConvex {
  /** Deployment URL for `ConvexHttpClient` (no trailing slash). */
  url: string;
  port: number;
  /** The backing convex-test instance, for arranging data or looking at it directly. */
  t: ConvexTestInstance;
  /** Every call received, in arrival order. */
  calls: FakeConvexCall[];
  /** Most calls being handled at the same moment (a serialised client never exceeds 1). */
  readonly maxConcurrent: number;
  /** Waits this long before answering each call. */
  setDelay(ms: number): void;
  /** From now on, accepts calls and never answers them (until `stop`). */
  stall(): void;
  stop(): Promise<void>;
}

const UDF_FAILED = 560;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface WireRequest {
  path?: unknown;
  format?: unknown;
  args?: unknown;
}

function errorReply(error: unknown): Response {
  // ConvexError crosses as `errorData` so the client rebuilds a ConvexError with its `data`; anything else is a
  // plain message, as a deployment answers an uncaught exception.
  const isConvexError = error instanceof ConvexError || (error as { name?: string } | null)?.name === 'ConvexError';
  const message = error instanceof Error ? error.message : String(error);
  const body: Record<string, unknown> = { status: 'error', errorMessage: message, logLines: [] };
  if (isConvexError) body.errorData = convexToJson((error as ConvexError<Value>).data);
  return Response.json(body, { status: UDF_FAILED });
}

export async function startFakeConvex(options: { t?: ConvexTestInstance; delayMs?: number } = {}): Promise<FakeConvex> {
  const t = options.t ?? newConvexTest();
  const calls: FakeConvexCall[] = [];
  let delayMs = options.delayMs ?? 0;
  let stalled = false;
  let inFlight = 0;
  let maxConcurrent = 0;
  const neverSettled: Array<() => void> = [];

  async function run(kind: FunctionKind, path: string, args: Record<string, Value>): Promise<Value> {
    const reference = makeFunctionReference<typeof kind>(path);
    // The wire carries no types; convex-test validates the arguments against the function's validators.
    const call = (t[kind] as unknown as (ref: unknown, args: unknown) => Promise<Value>).bind(t);
    return await call(reference, args);
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const kind = /^\/api\/(query|mutation|action)$/.exec(url.pathname)?.[1] as FunctionKind | undefined;
      if (request.method !== 'POST' || !kind) return new Response('Not found', { status: 404 });
      const body = (await request.json()) as WireRequest;
      if (typeof body.path !== 'string' || body.format !== 'convex_encoded_json' || !Array.isArray(body.args)) {
        return new Response('Bad request: expected {path, format: "convex_encoded_json", args: [..]}', { status: 400 });
      }
      calls.push({ kind, path: body.path });
      inFlight += 1;
      maxConcurrent = Math.max(maxConcurrent, inFlight);
      try {
        if (stalled) {
          await new Promise<void>((resolve) => neverSettled.push(resolve));
          return new Response('The fake deployment stopped.', { status: 503 });
        }
        if (delayMs > 0) await sleep(delayMs);
        const args = jsonToConvex((body.args[0] ?? {}) as JSONValue) as Record<string, Value>;
        const value = await run(kind, body.path, args);
        return Response.json({ status: 'success', value: convexToJson(value ?? null), logLines: [] });
      } catch (error) {
        return errorReply(error);
      } finally {
        inFlight -= 1;
      }
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port!,
    t,
    calls,
    get maxConcurrent() {
      return maxConcurrent;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    stall() {
      stalled = true;
    },
    async stop() {
      for (const release of neverSettled.splice(0)) release();
      await server.stop(true);
    },
  };
}
