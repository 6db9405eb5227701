/**
 * A Convex deployment stand-in on a loopback port: it speaks the HTTP wire protocol of `ConvexHttpClient`
 * (`POST /api/query|mutation|action` with `convex_encoded_json` args; `{status:"success", value}` or HTTP 560
 * `{status:"error", errorMessage, errorData?}`) and runs the REAL functions of `convex/` inside `convex-test`.
 * A per-call delay models a hosted deployment's round trip; `stall()` models a deployment that never answers.
 */
import { dirname, join } from 'node:path';
import { convexTest } from 'convex-test';
import { makeFunctionReference, type GenericSchema, type SchemaDefinition } from 'convex/server';
import { ConvexError, convexToJson, jsonToConvex, type JSONValue, type Value } from 'convex/values';
import schema from '../../../convex/schema.ts';

/** The secret the fake deployment is configured with (`CONVEX_SERVER_SECRET` in its env). */
export const FAKE_CONVEX_SECRET = 'fake-convex-server-secret-0123456789';

/**
 * Every module of `convex/`, listed by hand because `import.meta.glob` is Vite-only; the functions test checks
 * this map against the directory so a new module cannot be forgotten. `convex.config.ts` is not a module of
 * functions (it only loads inside Convex's bundler): its component is registered in `newConvexTest` instead.
 */
export const convexModules: Record<string, () => Promise<unknown>> = {
  './_generated/api.js': () => import('../../../convex/_generated/api.js'),
  './_generated/server.js': () => import('../../../convex/_generated/server.js'),
  './schema.ts': () => import('../../../convex/schema.ts'),
  './crons.ts': () => import('../../../convex/crons.ts'),
  './chat.ts': () => import('../../../convex/chat.ts'),
  './admin.ts': () => import('../../../convex/admin.ts'),
  './health.ts': () => import('../../../convex/health.ts'),
  './knowledge.ts': () => import('../../../convex/knowledge.ts'),
  './lib/knowledge.ts': () => import('../../../convex/lib/knowledge.ts'),
  './lib/knowledge-schema.ts': () => import('../../../convex/lib/knowledge-schema.ts'),
  './recovery.ts': () => import('../../../convex/recovery.ts'),
  './lib/guard.ts': () => import('../../../convex/lib/guard.ts'),
  './lib/limits.ts': () => import('../../../convex/lib/limits.ts'),
  './lib/listing.ts': () => import('../../../convex/lib/listing.ts'),
  './lib/model.ts': () => import('../../../convex/lib/model.ts'),
  './lib/recovery.ts': () => import('../../../convex/lib/recovery.ts'),
  './lib/stats.ts': () => import('../../../convex/lib/stats.ts'),
};

/**
 * A component's functions as convex-test wants them: the package's own `test` helper lists them with Vite's
 * `import.meta.glob`, so the same map is built here with Bun.Glob over the component's source folder.
 */
function componentModules(componentDir: string): Record<string, () => Promise<unknown>> {
  const modules: Record<string, () => Promise<unknown>> = {};
  for (const file of new Bun.Glob('**/*.ts').scanSync(componentDir)) {
    if (file.endsWith('.test.ts') || file.endsWith('.d.ts')) continue;
    modules[`./${file}`] = () => import(join(componentDir, file));
  }
  return modules;
}

const rateLimiterDir = dirname(Bun.resolveSync('@convex-dev/rate-limiter/package.json', import.meta.dir));
// A dependency of the rate limiter, so it resolves from there (it is not one of ours).
const batchWorkerDir = dirname(Bun.resolveSync('@convex-dev/batch-worker/package.json', rateLimiterDir));
type ComponentSchema = SchemaDefinition<GenericSchema, boolean>;
const rateLimiterSchema = ((await import(join(rateLimiterDir, 'src/component/schema.ts'))) as { default: ComponentSchema }).default;
const batchWorkerSchema = ((await import(join(batchWorkerDir, 'src/component/schema.ts'))) as { default: ComponentSchema }).default;
const rateLimiterModules = componentModules(join(rateLimiterDir, 'src/component'));
const batchWorkerModules = componentModules(join(batchWorkerDir, 'src/component'));

/** A convex-test deployment with this app's functions and the components convex.config.ts uses. */
export function newConvexTest() {
  const t = convexTest(schema, convexModules);
  t.registerComponent('rateLimiter', rateLimiterSchema, rateLimiterModules);
  t.registerComponent('rateLimiter/batchWorker', batchWorkerSchema, batchWorkerModules);
  return t;
}

interface CronJob {
  name: string;
  args: Array<Record<string, Value>>;
}

/**
 * Runs one cron job of convex/crons.ts now, as the deployment's scheduler would: found by its registered name, so
 * the test exercises the real registration (function path and arguments), not a copy of it.
 */
export async function runCron(t: ConvexTestInstance, jobName: string): Promise<unknown> {
  const crons = ((await import('../../../convex/crons.ts')) as { default: { crons: Record<string, CronJob> } }).default.crons;
  const job = crons[jobName];
  if (!job) throw new Error(`No cron job named "${jobName}" in convex/crons.ts (has: ${Object.keys(crons).join(', ')}).`);
  const mutation = t.mutation.bind(t) as unknown as (ref: unknown, args: unknown) => Promise<unknown>;
  return await mutation(makeFunctionReference<'mutation'>(job.name), job.args[0] ?? {});
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
  /** The call's arguments (the server secret left out). */
  args: Record<string, Value>;
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
      const { secret: _secret, ...callArgs } = jsonToConvex((body.args[0] ?? {}) as JSONValue) as Record<string, Value>;
      calls.push({ kind, path: body.path, args: callArgs });
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
