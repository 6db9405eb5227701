/**
 * The transport under `ConvexStore`: calls a deployment's functions with the server secret, bounded by a
 * timeout, and turns every failure into a `StoreError` so callers never see a Convex type.
 */
import { ConvexHttpClient } from 'convex/browser';
import { getFunctionName, type FunctionArgs, type FunctionReference, type FunctionReturnType } from 'convex/server';
import { ConvexError, type Value } from 'convex/values';
import { StoreError } from '../chat-store.ts';

type SecretArgs = { secret: string };
/** The function's own arguments, without the secret the transport adds. */
export type CallArgs<Ref extends FunctionReference<'query' | 'mutation'>> = Omit<FunctionArgs<Ref>, 'secret'>;

export interface ConvexCalls {
  query<Ref extends FunctionReference<'query', 'public', SecretArgs>>(
    ref: Ref,
    args: CallArgs<Ref>,
  ): Promise<FunctionReturnType<Ref>>;
  mutation<Ref extends FunctionReference<'mutation', 'public', SecretArgs>>(
    ref: Ref,
    args: CallArgs<Ref>,
  ): Promise<FunctionReturnType<Ref>>;
}

/** A fetch that gives up after `timeoutMs`, so a hung deployment releases its socket too. */
export function fetchWithTimeout(timeoutMs: number): typeof fetch {
  const bounded = (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) =>
    fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  return Object.assign(bounded, { preconnect: fetch.preconnect }) as typeof fetch;
}

export function createConvexClient(url: string, timeoutMs: number): ConvexHttpClient {
  // A self-hosted deployment may live anywhere, not only on *.convex.cloud; the logger is off because
  // function log lines are not ours to print.
  return new ConvexHttpClient(url, { skipConvexDeploymentUrlCheck: true, logger: false, fetch: fetchWithTimeout(timeoutMs) });
}

function failureData(error: unknown): { code?: unknown; message?: unknown } | null {
  const isConvexError = error instanceof ConvexError || (error as { name?: unknown } | null)?.name === 'ConvexError';
  if (!isConvexError) return null;
  const data = (error as ConvexError<Value>).data;
  return typeof data === 'object' && data !== null ? (data as { code?: unknown; message?: unknown }) : null;
}

/** Maps what a call threw to the store's error vocabulary. */
export function toStoreError(error: unknown, path: string): StoreError {
  if (error instanceof StoreError) return error;
  const data = failureData(error);
  const message = typeof data?.message === 'string' ? data.message : error instanceof Error ? error.message : String(error);
  if (data?.code === 'not_found') return new StoreError('not_found', message);
  if (data?.code === 'invalid_cursor') return new StoreError('invalid_cursor', message);
  if (data?.code === 'unauthorized' || data?.code === 'not_configured') {
    return new StoreError('unavailable', `Convex refused ${path}: ${message} Check CONVEX_SERVER_SECRET on both sides.`);
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new StoreError('unavailable', `Convex did not answer ${path} in time.`);
  }
  return new StoreError('unavailable', `Convex call ${path} failed: ${message}`);
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, path: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StoreError('unavailable', `Convex did not answer ${path} within ${timeoutMs} ms.`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createConvexCalls(opts: { client: ConvexHttpClient; secret: string; timeoutMs: number }): ConvexCalls {
  const { client, secret, timeoutMs } = opts;
  // The client's own signatures cannot be satisfied by a generic `Ref`; the typed surface is `ConvexCalls`.
  const untyped = client as unknown as {
    query(ref: unknown, args: unknown): Promise<never>;
    mutation(ref: unknown, args: unknown, options: { skipQueue: boolean }): Promise<never>;
  };
  async function guarded<T>(ref: FunctionReference<'query' | 'mutation'>, call: () => Promise<T>): Promise<T> {
    try {
      // The race covers an injected client too, whose fetch we do not control.
      return await withTimeout(call(), timeoutMs, getFunctionName(ref));
    } catch (error) {
      throw toStoreError(error, getFunctionName(ref));
    }
  }
  return {
    query: (ref, args) => guarded(ref, () => untyped.query(ref, { ...args, secret })),
    // skipQueue: the client's default queue runs one mutation at a time for the whole process, so one slow
    // chat would hold up every other. Each store call is independent, so none needs that ordering.
    mutation: (ref, args) =>
      guarded(ref, () => untyped.mutation(ref, { ...args, secret }, { skipQueue: true })),
  };
}
