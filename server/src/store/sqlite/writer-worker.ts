/** The writer thread's side (see writer-thread.ts): its own connection, the group commit and the full-text indexer. */
import type { Database } from 'bun:sqlite';
import { StoreError } from '../chat-store.ts';
import { openSqliteDatabase } from './store.ts';
import { inlineTurnWriter, type TurnWriter } from './turn-writer.ts';
import type { WriterReply, WriterRequest } from './writer-protocol.ts';

declare const self: Worker;

let db: Database | null = null;
let writer: TurnWriter | null = null;

function opened(): TurnWriter {
  if (!writer) throw new StoreError('unavailable', 'The SQLite writer thread has no open database.');
  return writer;
}

async function handle(request: WriterRequest): Promise<unknown> {
  switch (request.call) {
    case 'open':
      // The caller's connection already ran the migrations; this one only sets its pragmas.
      db = openSqliteDatabase(request.path, { busyTimeoutMs: request.busyTimeoutMs });
      writer = inlineTurnWriter(db);
      return null;
    case 'startTurn':
      return opened().startTurn(request.input, request.now);
    case 'finishTurn':
      return opened().finishTurn(request.input, request.now);
    case 'indexQueued':
      return opened().indexQueued();
    case 'close':
      await writer?.close();
      db?.close();
      writer = null;
      db = null;
      return null;
  }
}

self.onmessage = (event: MessageEvent<WriterRequest>) => {
  const request = event.data;
  handle(request).then(
    (value) => self.postMessage({ id: request.id, ok: true, value } satisfies WriterReply),
    (error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      const code = error instanceof StoreError ? error.code : undefined;
      self.postMessage({ id: request.id, ok: false, error: { name: failure.name, message: failure.message, code } } satisfies WriterReply);
    },
  );
};
