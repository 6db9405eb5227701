/**
 * The chat's SQLite writes on their own thread: a Bun Worker opens its own connection to the same file and runs the
 * group commit and the full-text indexer there (writer-worker.ts), so the thread that serves HTTP and streams
 * tokens never blocks on a commit, and the second core does the disk work. Reads stay on the caller's connection
 * (WAL: readers and the writer do not wait for each other). A call settles only after the worker's COMMIT.
 */
import { StoreError } from '../chat-store.ts';
import type { TurnWriter } from './turn-writer.ts';
import type { WriterCall, WriterReply, WriterRequest } from './writer-protocol.ts';

export async function startWriterThread(path: string, options: { busyTimeoutMs?: number } = {}): Promise<TurnWriter> {
  const worker = new Worker(new URL('./writer-worker.ts', import.meta.url).href);
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  let nextId = 1;
  let failure: Error | null = null;

  const fail = (error: Error) => {
    failure ??= error;
    for (const { reject } of pending.values()) reject(failure);
    pending.clear();
  };
  worker.addEventListener('message', (event: MessageEvent<WriterReply>) => {
    const reply = event.data;
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(reply.error.name === 'StoreError' ? new StoreError(reply.error.code ?? 'unavailable', reply.error.message) : Object.assign(new Error(reply.error.message), { name: reply.error.name }));
  });
  worker.addEventListener('error', (event) => fail(new StoreError('unavailable', `The SQLite writer thread failed: ${event.message}`)));
  worker.addEventListener('close', () => fail(new StoreError('unavailable', 'The SQLite writer thread has stopped.')));

  const call = <T>(request: WriterCall): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id } satisfies WriterRequest);
    });
  };

  await call({ call: 'open', path, busyTimeoutMs: options.busyTimeoutMs });
  return {
    startTurn: (input, now) => call({ call: 'startTurn', input, now }),
    finishTurn: (input, now) => call({ call: 'finishTurn', input, now }),
    indexQueued: () => call({ call: 'indexQueued' }),
    close: async () => {
      if (!failure) await call({ call: 'close' });
      failure ??= new StoreError('unavailable', 'The store is closed.');
      worker.terminate();
    },
  };
}
