/** The widget's HTTP client for the chat API: the streamed turn, history and feedback. */
import { readNdjson, toStreamEvent, type StreamEvent } from './ndjson.ts';
import { parseRetryAfter, type ChatFailure } from './failures.ts';

import type { HistoryMessage } from '../../../server/src/chat/schemas.ts';
import type { Feedback } from '../../../server/src/shared/conversation.ts';

export type { Feedback, HistoryMessage };

export interface ChatApi {
  /** Resolves after the last event; rejects with ChatRequestError (or the AbortError when `signal` fires). */
  streamChat(input: { sessionId: string; message: string; pageUrl?: string }, signal: AbortSignal, onEvent: (event: StreamEvent) => void): Promise<void>;
  history(sessionId: string, limit: number): Promise<HistoryMessage[]>;
  feedback(sessionId: string, messageId: string, feedback: Feedback | null): Promise<void>;
}

export class ChatRequestError extends Error {
  constructor(
    readonly failure: ChatFailure,
    message: string,
  ) {
    super(message);
    this.name = 'ChatRequestError';
  }
}

export interface ChatApiOptions {
  apiUrl: string;
  apiKey: string;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  isOnline: () => boolean;
}

export const isAbort = (error: unknown): boolean => error instanceof Error && error.name === 'AbortError';

export function createChatApi({ apiUrl, apiKey, fetch, isOnline }: ChatApiOptions): ChatApi {
  async function post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${apiUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ChatRequestError({ kind: 'network', online: isOnline() }, 'fetch failed');
    }
    if (!response.ok) {
      const reply = (await response.json().catch(() => null)) as { error?: unknown; code?: unknown } | null;
      const code = typeof reply?.code === 'string' ? reply.code : undefined;
      const failure: ChatFailure = { kind: 'http', status: response.status, code, retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after')) };
      throw new ChatRequestError(failure, typeof reply?.error === 'string' ? reply.error : `HTTP ${response.status}`);
    }
    return response;
  }

  return {
    async streamChat(input, signal, onEvent) {
      const response = await post('/chat', input, signal);
      if (!response.body) throw new ChatRequestError({ kind: 'stream' }, 'no stream');
      try {
        for await (const line of readNdjson(response.body)) {
          const event = toStreamEvent(line);
          if (!event) continue;
          onEvent(event);
          if (event.type === 'error') throw new ChatRequestError({ kind: 'stream', code: event.code }, event.error);
        }
      } catch (error) {
        if (error instanceof ChatRequestError || isAbort(error) || signal.aborted) throw error;
        // The connection dropped or a line was garbled mid-reply.
        throw new ChatRequestError(isOnline() ? { kind: 'stream' } : { kind: 'network', online: false }, String(error));
      }
    },
    async history(sessionId, limit) {
      const reply = (await (await post('/v1/chat/history', { sessionId, limit })).json()) as { messages?: HistoryMessage[] };
      return Array.isArray(reply.messages) ? reply.messages : [];
    },
    async feedback(sessionId, messageId, feedback) {
      await post('/v1/chat/feedback', { sessionId, messageId, feedback });
    },
  };
}
