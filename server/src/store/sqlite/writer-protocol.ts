/** Messages between the store and its writer thread (writer-thread.ts ⇄ writer-worker.ts). Types only. */
import type { FinishTurnInput, StartTurnInput } from '../chat-store.ts';

export type WriterCall =
  | { call: 'open'; path: string; busyTimeoutMs?: number }
  | { call: 'startTurn'; input: StartTurnInput; now: number }
  | { call: 'finishTurn'; input: FinishTurnInput; now: number }
  | { call: 'indexQueued' }
  | { call: 'close' };

export type WriterRequest = { id: number } & WriterCall;

export type WriterReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; code?: 'not_found' | 'invalid_cursor' | 'unavailable' } };
