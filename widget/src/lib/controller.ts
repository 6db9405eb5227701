/**
 * The conversation: sending a turn and following its stream, stop, retry, restore, new conversation, feedback.
 * It mutates a state object it is given; the widget passes a Svelte `$state` proxy, so every change re-renders.
 */
import { ChatRequestError, isAbort, type ChatApi, type Feedback } from './api.ts';
import { describeFailure, type ChatFailure, type FailureMessage } from './failures.ts';
import type { SessionStore } from './session.ts';
import type { Emitter } from './events.ts';
import { toSources, type Source } from './sources.ts';
import type { MessageRole, MessageStatus } from '../../../server/src/shared/conversation.ts';

export interface ChatMessage {
  key: number;
  /** The server's message id, once known (needed for feedback). */
  id: string | null;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  feedback: Feedback | null;
  /** The citations of a reply, from its `done` event (not kept across a reload). */
  sources?: Source[];
}

export interface ChatState {
  open: boolean;
  messages: ChatMessage[];
  /** The composer's text. */
  draft: string;
  streaming: boolean;
  failure: FailureMessage | null;
  /** What Retry sends again. */
  retryText: string | null;
}

export interface ChatController {
  send(text: string): Promise<void>;
  stop(): void;
  retry(): Promise<void>;
  newConversation(): void;
  restore(): Promise<void>;
  setFeedback(message: ChatMessage, feedback: Feedback): Promise<void>;
  setOpen(open: boolean): void;
  setDraft(text: string): void;
}

export interface ChatControllerDeps {
  state: ChatState;
  api: ChatApi;
  session: SessionStore;
  events: Pick<Emitter, 'emit'>;
  /** Origin and path of the host page (page-url.ts), or undefined when it has none worth reporting. */
  pageUrl: () => string | undefined;
  historyLimit?: number;
}

export const initialState = (open: boolean): ChatState => ({ open, messages: [], draft: '', streaming: false, failure: null, retryText: null });

export function createChatController({ state, api, session, events, pageUrl, historyLimit = 50 }: ChatControllerDeps): ChatController {
  let inFlight: AbortController | null = null;
  let nextKey = 1;
  let generation = 0;

  /** Pushes and returns the stored element: with a `$state` proxy only that one is reactive. */
  const append = (message: Omit<ChatMessage, 'key'>): ChatMessage => {
    state.messages.push({ key: nextKey++, ...message });
    return state.messages[state.messages.length - 1]!;
  };

  async function send(text: string) {
    const message = text.trim();
    if (!message || state.streaming) return;
    state.failure = null;
    state.retryText = null;
    if (state.draft.trim() === message) state.draft = '';
    const user = append({ id: null, role: 'user', content: message, status: 'complete', feedback: null });
    const reply = append({ id: null, role: 'assistant', content: '', status: 'streaming', feedback: null });
    events.emit('message', { role: 'user', content: message });
    state.streaming = true;
    const abort = new AbortController();
    inFlight = abort;
    let started = false;
    try {
      await api.streamChat({ sessionId: session.get(), message, pageUrl: pageUrl() }, abort.signal, (event) => {
        if (event.type === 'start') {
          started = true;
          reply.id = event.messageId ?? null;
          user.id = event.userMessageId ?? null;
        } else if (event.type === 'token') {
          reply.content += event.token;
        } else if (event.type === 'done') {
          reply.content = event.message || reply.content;
          reply.id = event.messageId ?? reply.id;
          reply.sources = toSources(event.sources);
          reply.status = 'complete';
        }
      });
      if (reply.status !== 'complete') throw new ChatRequestError({ kind: 'stream' }, 'stream ended early');
      events.emit('message', { role: 'assistant', content: reply.content, id: reply.id });
    } catch (error) {
      if (abort.signal.aborted || isAbort(error)) {
        reply.status = 'stopped';
        return;
      }
      const failure: ChatFailure = error instanceof ChatRequestError ? error.failure : { kind: 'stream' };
      state.failure = describeFailure(failure);
      state.retryText = message;
      if (started) {
        reply.status = 'error';
      } else {
        // Nothing reached the conversation: take both bubbles back and give the text back to the composer.
        state.messages = state.messages.filter((m) => m !== user && m !== reply);
        if (!state.draft.trim()) state.draft = message;
      }
      events.emit('error', { code: 'code' in failure && failure.code ? failure.code : state.failure.key, message: error instanceof Error ? error.message : String(error) });
    } finally {
      state.streaming = false;
      if (inFlight === abort) inFlight = null;
    }
  }

  function stop() {
    inFlight?.abort();
  }

  return {
    send,
    stop,
    async retry() {
      if (state.retryText) await send(state.retryText);
    },
    newConversation() {
      stop();
      generation++;
      session.renew();
      state.messages = [];
      state.failure = null;
      state.retryText = null;
    },
    async restore() {
      const started = generation;
      try {
        const history = await api.history(session.get(), historyLimit);
        // Anything sent meanwhile, or a new conversation, wins over the older history.
        if (started !== generation || state.messages.length > 0) return;
        state.messages = history.map((m) => ({
          key: nextKey++,
          id: m.id,
          role: m.role,
          content: m.content,
          status: m.status === 'streaming' ? 'stopped' : m.status,
          feedback: m.feedback ?? null,
        }));
      } catch {
        // No history is not worth an error banner: the visitor can still chat.
      }
    },
    async setFeedback(message, feedback) {
      if (!message.id) return;
      const previous = message.feedback;
      const next = previous === feedback ? null : feedback;
      message.feedback = next;
      try {
        await api.feedback(session.get(), message.id, next);
      } catch {
        message.feedback = previous;
      }
    },
    setDraft(text) {
      state.draft = text;
    },
    setOpen(open) {
      if (state.open === open) return;
      state.open = open;
      events.emit(open ? 'open' : 'close');
    },
  };
}
