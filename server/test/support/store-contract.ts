/**
 * The shared contract suite for `ChatStore`: every implementation (SQLite, Convex) registers it from its own
 * test file with `describeChatStoreContract(name, open)`. It tests the interface only, never storage details.
 *
 * Rules it pins down beyond the type comments in `types.ts`:
 * - Counters and stats count a reply once it has ended: the `streaming` placeholder is in the thread but not in
 *   `messageCount`, `stats` or the error rate until `finishTurn` (or `recoverInterrupted`) ends it.
 * - `updatedAt` moves to the time of the user message at `startTurn` and to `now` at `finishTurn`; the preview is
 *   the user's text after `startTurn`, the reply's text after `finishTurn`.
 * - Lists are newest activity first; ties on `updatedAt` keep a stable order so cursors never skip or repeat.
 * - `stats` reports only days with activity, ascending, bucketed by the message's (or conversation's) creation
 *   time in UTC; `from`/`to` are inclusive on creation time.
 * - A search string is words, never query syntax: each word is prefix-matched, case-insensitively, and all
 *   words must appear in one message. A string with no word in it filters nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'bun:test';
import { LIST_LIMIT_MAX } from '../../src/shared/conversation.ts';
import {
  StoreError,
  type ChatStore,
  type Conversation,
  type ConversationFilter,
  type ConversationThread,
  type FinishTurnInput,
  type StartTurnInput,
  type StartTurnResult,
  type TokenUsage,
} from '../../src/store/chat-store.ts';

export interface OpenedStore {
  store: ChatStore;
  cleanup: () => Promise<void>;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** A fixed instant so that tests read the same on every day they run. */
const T0 = Date.UTC(2025, 2, 10, 12, 0, 0);

export function describeChatStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`ChatStore contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: ChatStore;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened.cleanup();
    });

    // ---- factories -------------------------------------------------------------------------------------

    let sessionCounter = 0;
    function newSessionId(): string {
      sessionCounter += 1;
      return `session-${sessionCounter}-${Math.random().toString(36).slice(2, 8)}`;
    }

    function start(overrides: Partial<StartTurnInput> = {}): Promise<StartTurnResult> {
      return store.startTurn({
        sessionId: overrides.sessionId ?? newSessionId(),
        content: 'Hello there',
        model: 'test-model',
        historyLimit: 20,
        now: T0,
        ...overrides,
      });
    }

    function usage(totalTokens: number): TokenUsage {
      return { promptTokens: totalTokens - 2, completionTokens: 2, totalTokens };
    }

    /** One whole turn: the visitor's message, then the reply ending with `reply.status` (default complete). */
    async function turn(
      options: {
        sessionId?: string;
        user?: string;
        reply?: string;
        now?: number;
        finishedAt?: number;
        status?: FinishTurnInput['status'];
        tokens?: number;
        errorCode?: string | null;
        origin?: string | null;
      } = {},
    ): Promise<StartTurnResult & { finished: Awaited<ReturnType<ChatStore['finishTurn']>> }> {
      const now = options.now ?? T0;
      const started = await start({
        sessionId: options.sessionId ?? newSessionId(),
        content: options.user ?? 'Hello there',
        now,
        origin: options.origin,
      });
      const status = options.status ?? 'complete';
      const finished = await store.finishTurn({
        assistantMessageId: started.assistantMessage.id,
        content: options.reply ?? 'Hi! How can I help?',
        status,
        usage: options.tokens === undefined ? null : usage(options.tokens),
        errorCode: status === 'error' ? (options.errorCode ?? 'upstream_error') : null,
        finishReason: status === 'complete' ? 'stop' : null,
        now: options.finishedAt ?? now + 1000,
      });
      return { ...started, finished };
    }

    /** Walks every page of a list and returns all items in order. */
    async function listAll(filter: ConversationFilter, limit = 3): Promise<Conversation[]> {
      const items: Conversation[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 1000; page += 1) {
        const result = await store.listConversations({ ...filter, limit, cursor });
        items.push(...result.items);
        if (result.nextCursor === null) return items;
        cursor = result.nextCursor;
      }
      throw new Error('listConversations never ended');
    }

    async function listIds(filter: ConversationFilter): Promise<string[]> {
      return (await listAll(filter, 100)).map((conversation) => conversation.id);
    }

    async function collect(iterable: AsyncIterable<ConversationThread>): Promise<ConversationThread[]> {
      const threads: ConversationThread[] = [];
      for await (const thread of iterable) threads.push(thread);
      return threads;
    }

    async function expectStoreError(promise: Promise<unknown>, code: StoreError['code']): Promise<void> {
      let caught: unknown;
      try {
        await promise;
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(StoreError);
      expect((caught as StoreError).code).toBe(code);
    }

    // ---- startTurn -------------------------------------------------------------------------------------

    describe('startTurn', () => {
      it('creates a conversation for a new sessionId with the visitor context', async () => {
        const result = await start({
          sessionId: 'visitor-1',
          content: 'Where is my order?',
          origin: 'https://shop.example',
          pageUrl: 'https://shop.example/orders',
          userAgent: 'TestBrowser/1.0',
          now: T0,
        });
        expect(result.conversation).toMatchObject({
          sessionId: 'visitor-1',
          createdAt: T0,
          updatedAt: T0,
          origin: 'https://shop.example',
          pageUrl: 'https://shop.example/orders',
          userAgent: 'TestBrowser/1.0',
          messageCount: 1,
          errorCount: 0,
          stoppedCount: 0,
          feedbackUp: 0,
          feedbackDown: 0,
          totalTokens: 0,
          lastMessagePreview: 'Where is my order?',
          lastMessageRole: 'user',
        });
        expect(result.conversation.id).toBeString();
      });

      it('stores the user message and an empty streaming assistant placeholder', async () => {
        const result = await start({ content: 'Where is my order?', model: 'gpt-test', now: T0 });
        expect(result.userMessage).toMatchObject({
          conversationId: result.conversation.id,
          role: 'user',
          content: 'Where is my order?',
          status: 'complete',
          createdAt: T0,
          feedback: null,
        });
        expect(result.assistantMessage).toMatchObject({
          conversationId: result.conversation.id,
          role: 'assistant',
          content: '',
          status: 'streaming',
          model: 'gpt-test',
          usage: null,
          errorCode: null,
          feedback: null,
        });
        expect(result.assistantMessage.id).not.toBe(result.userMessage.id);

        const thread = await store.getThread(result.conversation.id);
        expect(thread?.messages.map((message) => [message.role, message.status])).toEqual([
          ['user', 'complete'],
          ['assistant', 'streaming'],
        ]);
      });

      it('reuses the conversation of a known sessionId', async () => {
        const first = await turn({ sessionId: 'visitor-2', now: T0 });
        const second = await start({ sessionId: 'visitor-2', content: 'And another thing', now: T0 + MINUTE });
        expect(second.conversation.id).toBe(first.conversation.id);
        expect(second.conversation.createdAt).toBe(T0);
        expect(second.conversation.updatedAt).toBe(T0 + MINUTE);
        expect(second.conversation.messageCount).toBe(3);
        expect(second.conversation.lastMessagePreview).toBe('And another thing');
        expect(second.conversation.lastMessageRole).toBe('user');
      });

      it('records origin, page and user agent only when the conversation is created', async () => {
        await start({
          sessionId: 'visitor-3',
          origin: 'https://a.example',
          pageUrl: 'https://a.example/1',
          userAgent: 'First/1',
        });
        const later = await start({
          sessionId: 'visitor-3',
          origin: 'https://b.example',
          pageUrl: 'https://b.example/2',
          userAgent: 'Second/2',
          now: T0 + MINUTE,
        });
        expect(later.conversation).toMatchObject({
          origin: 'https://a.example',
          pageUrl: 'https://a.example/1',
          userAgent: 'First/1',
        });
      });

      it('returns the last historyLimit messages in chronological order, ending with the new user message', async () => {
        const sessionId = 'visitor-4';
        for (let index = 1; index <= 3; index += 1) {
          await turn({ sessionId, user: `question ${index}`, reply: `answer ${index}`, now: T0 + index * MINUTE });
        }
        const result = await start({ sessionId, content: 'question 4', historyLimit: 4, now: T0 + 10 * MINUTE });
        expect(result.history.map((message) => message.content)).toEqual([
          'answer 2',
          'question 3',
          'answer 3',
          'question 4',
        ]);
        expect(result.history.at(-1)?.id).toBe(result.userMessage.id);
        expect(result.history.some((message) => message.id === result.assistantMessage.id)).toBe(false);
      });

      it('leaves a reply still streaming out of the history', async () => {
        const sessionId = newSessionId();
        await start({ sessionId, content: 'first tab', now: T0 });
        const second = await start({ sessionId, content: 'second tab', now: T0 + 1 });
        expect(second.history.map((message) => message.content)).toEqual(['first tab', 'second tab']);
      });

      it('returns just the new message as history for a new conversation', async () => {
        const result = await start({ content: 'first words', historyLimit: 10 });
        expect(result.history.map((message) => message.content)).toEqual(['first words']);
      });
    });

    // ---- finishTurn ------------------------------------------------------------------------------------

    describe('finishTurn', () => {
      it('stores a complete reply with usage, timings and finish reason', async () => {
        const started = await start({ now: T0 });
        const message = await store.finishTurn({
          assistantMessageId: started.assistantMessage.id,
          content: 'Your order ships tomorrow.',
          status: 'complete',
          usage: { promptTokens: 30, completionTokens: 12, totalTokens: 42 },
          finishReason: 'stop',
          firstTokenMs: 120,
          totalMs: 900,
          now: T0 + 1000,
        });
        expect(message).toMatchObject({
          id: started.assistantMessage.id,
          conversationId: started.conversation.id,
          role: 'assistant',
          content: 'Your order ships tomorrow.',
          status: 'complete',
          model: 'test-model',
          usage: { promptTokens: 30, completionTokens: 12, totalTokens: 42 },
          finishReason: 'stop',
          errorCode: null,
          firstTokenMs: 120,
          totalMs: 900,
        });
        const thread = await store.getThread(started.conversation.id);
        expect(thread?.messages.at(-1)).toEqual(message);
      });

      it('updates the conversation counters, preview and activity time', async () => {
        const started = await start({ now: T0 });
        await store.finishTurn({
          assistantMessageId: started.assistantMessage.id,
          content: 'x'.repeat(250),
          status: 'complete',
          usage: usage(42),
          now: T0 + 5000,
        });
        const thread = await store.getThread(started.conversation.id);
        expect(thread?.conversation).toMatchObject({
          messageCount: 2,
          errorCount: 0,
          stoppedCount: 0,
          totalTokens: 42,
          updatedAt: T0 + 5000,
          lastMessagePreview: 'x'.repeat(200),
          lastMessageRole: 'assistant',
        });
      });

      it('adds tokens over several turns', async () => {
        const sessionId = newSessionId();
        await turn({ sessionId, tokens: 10, now: T0 });
        const second = await turn({ sessionId, tokens: 15, now: T0 + MINUTE });
        const thread = await store.getThread(second.conversation.id);
        expect(thread?.conversation.totalTokens).toBe(25);
        expect(thread?.conversation.messageCount).toBe(4);
      });

      it('keeps the partial text of a stopped reply and counts it', async () => {
        const result = await turn({ reply: 'Partial ans', status: 'stopped' });
        expect(result.finished).toMatchObject({ status: 'stopped', content: 'Partial ans', errorCode: null });
        const thread = await store.getThread(result.conversation.id);
        expect(thread?.conversation).toMatchObject({ stoppedCount: 1, errorCount: 0, messageCount: 2 });
      });

      it('records the error code of a failed reply and counts it', async () => {
        const result = await turn({ reply: '', status: 'error', errorCode: 'upstream_rate_limited' });
        expect(result.finished).toMatchObject({ status: 'error', content: '', errorCode: 'upstream_rate_limited' });
        const thread = await store.getThread(result.conversation.id);
        expect(thread?.conversation).toMatchObject({ errorCount: 1, stoppedCount: 0, messageCount: 2 });
      });

      it('records the model given at the end when it differs', async () => {
        const started = await start({ model: 'requested-model' });
        const message = await store.finishTurn({
          assistantMessageId: started.assistantMessage.id,
          content: 'ok',
          status: 'complete',
          model: 'served-model-2025',
          now: T0 + 1,
        });
        expect(message.model).toBe('served-model-2025');
      });

      it('throws not_found for an unknown message id', async () => {
        await expectStoreError(
          store.finishTurn({ assistantMessageId: 'no-such-message', content: 'x', status: 'complete' }),
          'not_found',
        );
      });
    });

    // ---- getSessionThread ------------------------------------------------------------------------------

    describe('getSessionThread', () => {
      it('returns the newest limit messages of the session in chronological order', async () => {
        const sessionId = newSessionId();
        await turn({ sessionId, user: 'q1', reply: 'a1', now: T0 });
        await turn({ sessionId, user: 'q2', reply: 'a2', now: T0 + MINUTE });
        const thread = await store.getSessionThread(sessionId, 3);
        expect(thread?.conversation.sessionId).toBe(sessionId);
        expect(thread?.messages.map((message) => message.content)).toEqual(['a1', 'q2', 'a2']);
      });

      it('returns null for an unknown session', async () => {
        expect(await store.getSessionThread('nobody-here', 10)).toBeNull();
      });
    });

    // ---- setFeedback -----------------------------------------------------------------------------------

    describe('setFeedback', () => {
      it('sets, changes and clears feedback on a reply, keeping the counters right', async () => {
        const result = await turn();
        const conversationId = result.conversation.id;
        const messageId = result.assistantMessage.id;
        const sessionId = result.conversation.sessionId;
        const conversation = async () => (await store.getThread(conversationId))?.conversation;
        const reply = async () => (await store.getThread(conversationId))?.messages.at(-1);

        expect(await store.setFeedback(sessionId, messageId, 'up')).toBe(true);
        expect((await reply())?.feedback).toBe('up');
        expect(await conversation()).toMatchObject({ feedbackUp: 1, feedbackDown: 0 });

        expect(await store.setFeedback(sessionId, messageId, 'up')).toBe(true);
        expect(await conversation()).toMatchObject({ feedbackUp: 1, feedbackDown: 0 });

        expect(await store.setFeedback(sessionId, messageId, 'down')).toBe(true);
        expect((await reply())?.feedback).toBe('down');
        expect(await conversation()).toMatchObject({ feedbackUp: 0, feedbackDown: 1 });

        expect(await store.setFeedback(sessionId, messageId, null)).toBe(true);
        expect((await reply())?.feedback).toBeNull();
        expect(await conversation()).toMatchObject({ feedbackUp: 0, feedbackDown: 0 });
      });

      it('refuses a message of another session', async () => {
        const mine = await turn();
        const theirs = await turn();
        expect(await store.setFeedback(theirs.conversation.sessionId, mine.assistantMessage.id, 'up')).toBe(false);
        expect((await store.getThread(mine.conversation.id))?.messages.at(-1)?.feedback).toBeNull();
      });

      it('refuses a user message and an unknown message', async () => {
        const result = await turn();
        const sessionId = result.conversation.sessionId;
        expect(await store.setFeedback(sessionId, result.userMessage.id, 'up')).toBe(false);
        expect(await store.setFeedback(sessionId, 'no-such-message', 'up')).toBe(false);
        expect(await store.setFeedback('no-such-session', result.assistantMessage.id, 'up')).toBe(false);
        expect((await store.getThread(result.conversation.id))?.conversation.feedbackUp).toBe(0);
      });
    });

    // ---- listConversations -----------------------------------------------------------------------------

    describe('listConversations', () => {
      it('lists newest activity first', async () => {
        const old = await turn({ now: T0 });
        const newest = await turn({ now: T0 + 2 * MINUTE });
        const middle = await turn({ now: T0 + MINUTE });
        const page = await store.listConversations({ limit: 10 });
        expect(page.items.map((conversation) => conversation.id)).toEqual([
          newest.conversation.id,
          middle.conversation.id,
          old.conversation.id,
        ]);
        expect(page.nextCursor).toBeNull();
      });

      it('moves a conversation to the top when it gets a new message', async () => {
        const first = await turn({ now: T0 });
        await turn({ now: T0 + MINUTE });
        await turn({ sessionId: first.conversation.sessionId, now: T0 + 2 * MINUTE });
        const page = await store.listConversations({ limit: 1 });
        expect(page.items[0]?.id).toBe(first.conversation.id);
      });

      it('walks every page by cursor without duplicates or gaps, ties included', async () => {
        const created: string[] = [];
        for (let index = 0; index < 17; index += 1) {
          // Groups of three share an updatedAt so that the cursor has to break ties.
          const result = await turn({ now: T0 + Math.floor(index / 3) * MINUTE, finishedAt: T0 + Math.floor(index / 3) * MINUTE });
          created.push(result.conversation.id);
        }
        const items = await listAll({}, 4);
        const ids = items.map((conversation) => conversation.id);
        expect(ids).toHaveLength(17);
        expect(new Set(ids).size).toBe(17);
        expect([...ids].sort()).toEqual([...created].sort());
        for (let index = 1; index < items.length; index += 1) {
          expect(items[index - 1]!.updatedAt).toBeGreaterThanOrEqual(items[index]!.updatedAt);
        }
      });

      it(`gives up to ${LIST_LIMIT_MAX} conversations a page, and clamps a larger limit to that`, async () => {
        const seeded = LIST_LIMIT_MAX + 5;
        for (let index = 0; index < seeded; index += 1) await start({ sessionId: newSessionId(), now: T0 + index });
        const full = await store.listConversations({ limit: LIST_LIMIT_MAX });
        expect(full.items).toHaveLength(LIST_LIMIT_MAX);
        expect(full.nextCursor).not.toBeNull();
        const rest = await store.listConversations({ limit: LIST_LIMIT_MAX, cursor: full.nextCursor });
        expect(rest.items).toHaveLength(seeded - LIST_LIMIT_MAX);
        expect((await store.listConversations({ limit: LIST_LIMIT_MAX * 10 })).items).toHaveLength(LIST_LIMIT_MAX);
      });

      it('gives no cursor on the last page, even when it is full', async () => {
        for (let index = 0; index < 4; index += 1) await turn({ now: T0 + index * MINUTE });
        const first = await store.listConversations({ limit: 2 });
        expect(first.items).toHaveLength(2);
        expect(first.nextCursor).not.toBeNull();
        const second = await store.listConversations({ limit: 2, cursor: first.nextCursor });
        expect(second.items).toHaveLength(2);
        expect(second.nextCursor).toBeNull();
      });

      it('rejects a cursor it did not make with invalid_cursor', async () => {
        await turn();
        await expectStoreError(store.listConversations({ limit: 5, cursor: 'not a cursor!' }), 'invalid_cursor');
        const wellFormedNonsense = Buffer.from('{"hello":"world"}').toString('base64url');
        await expectStoreError(store.listConversations({ limit: 5, cursor: wellFormedNonsense }), 'invalid_cursor');
      });

      describe('search (q)', () => {
        let pizza: string;
        let shipping: string;
        let near: string;

        beforeEach(async () => {
          pizza = (await turn({ user: 'Do you deliver Margherita pizza?', reply: 'Yes, within the city.' })).conversation.id;
          shipping = (await turn({ user: 'When will my parcel arrive?', reply: 'Shipping takes three days.' })).conversation.id;
          near = (await turn({ user: 'Is there a shop near the station and the park?', reply: 'Two of them.' })).conversation.id;
        });

        it('finds conversations by a word in any message', async () => {
          expect(await listIds({ q: 'parcel' })).toEqual([shipping]);
          expect(await listIds({ q: 'shipping' })).toEqual([shipping]);
        });

        it('matches words by prefix, case-insensitively', async () => {
          expect(await listIds({ q: 'marg' })).toEqual([pizza]);
          expect(await listIds({ q: 'PIZZA' })).toEqual([pizza]);
          expect(await listIds({ q: 'Deliv' })).toEqual([pizza]);
        });

        it('requires every word to appear', async () => {
          expect(await listIds({ q: 'margherita pizza' })).toEqual([pizza]);
          expect(await listIds({ q: 'pizza parcel' })).toEqual([]);
        });

        it('finds nothing for a word nobody wrote', async () => {
          expect(await listIds({ q: 'zebra' })).toEqual([]);
        });

        it('treats query syntax as plain words and never throws', async () => {
          expect(await listIds({ q: 'NEAR' })).toEqual([near]);
          expect(await listIds({ q: 'AND (' })).toEqual([near]);
          expect(await listIds({ q: 'station OR zebra' })).toEqual([]);
          expect(await listIds({ q: 'pizza"' })).toEqual([pizza]);
          expect(await listIds({ q: 'piz*' })).toEqual([pizza]);
          for (const hostile of ['"', '*', '"unterminated', 'a:b', '-pizza', '^pizza', 'NEAR(pizza, city)', '()', '{col}: x', "'; DROP TABLE x;--"]) {
            await store.listConversations({ limit: 10, q: hostile });
          }
        });

        it('ignores a search with no word in it', async () => {
          expect((await listIds({ q: '  "*() ' })).sort()).toEqual([pizza, shipping, near].sort());
          expect((await listIds({ q: '' })).sort()).toEqual([pizza, shipping, near].sort());
        });

        it('lists each matching conversation once even when several messages match', async () => {
          const repeated = (await turn({ user: 'pizza pizza', reply: 'More pizza?' })).conversation.id;
          expect((await listIds({ q: 'pizza' })).sort()).toEqual([pizza, repeated].sort());
        });

        it('pages through search results', async () => {
          const extra: string[] = [pizza];
          for (let index = 0; index < 6; index += 1) {
            extra.push((await turn({ user: `pizza number ${index}`, now: T0 + (index + 1) * MINUTE })).conversation.id);
          }
          const ids = (await listAll({ q: 'pizza' }, 2)).map((conversation) => conversation.id);
          expect(ids).toHaveLength(7);
          expect([...ids].sort()).toEqual([...extra].sort());
        });
      });

      it('filters by an inclusive range of last activity', async () => {
        const a = await turn({ now: T0, finishedAt: T0 });
        const b = await turn({ now: T0 + DAY, finishedAt: T0 + DAY });
        const c = await turn({ now: T0 + 2 * DAY, finishedAt: T0 + 2 * DAY });
        expect(await listIds({ from: T0 + DAY })).toEqual([c.conversation.id, b.conversation.id]);
        expect(await listIds({ to: T0 + DAY })).toEqual([b.conversation.id, a.conversation.id]);
        expect(await listIds({ from: T0 + DAY, to: T0 + DAY })).toEqual([b.conversation.id]);
        expect(await listIds({ from: T0 + 3 * DAY })).toEqual([]);
      });

      it('filters by problem', async () => {
        const fine = await turn({ now: T0 });
        const failed = await turn({ status: 'error', now: T0 + MINUTE });
        const stopped = await turn({ status: 'stopped', now: T0 + 2 * MINUTE });
        expect(await listIds({ problem: 'error' })).toEqual([failed.conversation.id]);
        expect(await listIds({ problem: 'stopped' })).toEqual([stopped.conversation.id]);
        expect(await listIds({ problem: 'any' })).toEqual([stopped.conversation.id, failed.conversation.id]);
        expect(await listIds({})).toContain(fine.conversation.id);
      });

      it('filters by feedback', async () => {
        const liked = await turn({ now: T0 });
        const disliked = await turn({ now: T0 + MINUTE });
        const cleared = await turn({ now: T0 + 2 * MINUTE });
        await turn({ now: T0 + 3 * MINUTE });
        await store.setFeedback(liked.conversation.sessionId, liked.assistantMessage.id, 'up');
        await store.setFeedback(disliked.conversation.sessionId, disliked.assistantMessage.id, 'down');
        await store.setFeedback(cleared.conversation.sessionId, cleared.assistantMessage.id, 'up');
        await store.setFeedback(cleared.conversation.sessionId, cleared.assistantMessage.id, null);
        expect(await listIds({ feedback: 'up' })).toEqual([liked.conversation.id]);
        expect(await listIds({ feedback: 'down' })).toEqual([disliked.conversation.id]);
        expect(await listIds({ feedback: 'any' })).toEqual([disliked.conversation.id, liked.conversation.id]);
      });

      it('combines filters', async () => {
        const target = await turn({ user: 'refund please', status: 'error', now: T0 + DAY, finishedAt: T0 + DAY });
        await turn({ user: 'refund please', status: 'error', now: T0, finishedAt: T0 });
        await turn({ user: 'refund please', now: T0 + DAY, finishedAt: T0 + DAY });
        await turn({ user: 'hello', status: 'error', now: T0 + DAY, finishedAt: T0 + DAY });
        expect(await listIds({ q: 'refund', problem: 'error', from: T0 + DAY - 1 })).toEqual([target.conversation.id]);
        await store.setFeedback(target.conversation.sessionId, target.assistantMessage.id, 'down');
        expect(await listIds({ q: 'refund', problem: 'any', feedback: 'down', to: T0 + DAY })).toEqual([
          target.conversation.id,
        ]);
        expect(await listIds({ q: 'refund', feedback: 'up' })).toEqual([]);
      });
    });

    // ---- getThread / deleteConversation ----------------------------------------------------------------

    describe('getThread', () => {
      it('returns the conversation with all its messages in chronological order', async () => {
        const sessionId = newSessionId();
        await turn({ sessionId, user: 'q1', reply: 'a1', now: T0 });
        const second = await turn({ sessionId, user: 'q2', reply: 'a2', now: T0 + MINUTE });
        const thread = await store.getThread(second.conversation.id);
        expect(thread?.conversation.id).toBe(second.conversation.id);
        expect(thread?.messages.map((message) => message.content)).toEqual(['q1', 'a1', 'q2', 'a2']);
        expect(thread?.messages.every((message) => message.conversationId === second.conversation.id)).toBe(true);
      });

      it('returns null for an unknown id', async () => {
        expect(await store.getThread('no-such-conversation')).toBeNull();
      });
    });

    describe('deleteConversation', () => {
      it('deletes the conversation and its messages, once', async () => {
        const doomed = await turn({ user: 'secret walrus question' });
        const kept = await turn({ user: 'walrus facts' });
        expect(await store.deleteConversation(doomed.conversation.id)).toBe(true);
        expect(await store.getThread(doomed.conversation.id)).toBeNull();
        expect(await store.getSessionThread(doomed.conversation.sessionId, 10)).toBeNull();
        expect(await listIds({ q: 'walrus' })).toEqual([kept.conversation.id]);
        expect(await listIds({ q: 'secret' })).toEqual([]);
        expect(await store.setFeedback(doomed.conversation.sessionId, doomed.assistantMessage.id, 'up')).toBe(false);
        await expectStoreError(
          store.finishTurn({ assistantMessageId: doomed.assistantMessage.id, content: 'x', status: 'complete' }),
          'not_found',
        );
        expect(await store.deleteConversation(doomed.conversation.id)).toBe(false);
      });

      it('lets the same session start afresh afterwards', async () => {
        const doomed = await turn();
        await store.deleteConversation(doomed.conversation.id);
        const again = await start({ sessionId: doomed.conversation.sessionId, content: 'new start', now: T0 + DAY });
        expect(again.conversation.id).not.toBe(doomed.conversation.id);
        expect(again.conversation.messageCount).toBe(1);
        expect(again.history.map((message) => message.content)).toEqual(['new start']);
      });
    });

    // ---- exportConversations ---------------------------------------------------------------------------

    describe('exportConversations', () => {
      it('yields every matching conversation with its messages, newest first, across many pages', async () => {
        const count = 120;
        for (let index = 0; index < count; index += 1) {
          await turn({
            user: `question ${index}`,
            reply: `answer ${index}`,
            status: index % 10 === 0 ? 'error' : 'complete',
            now: T0 + index * MINUTE,
          });
        }
        const all = await collect(store.exportConversations({}));
        expect(all).toHaveLength(count);
        expect(new Set(all.map((thread) => thread.conversation.id)).size).toBe(count);
        expect(all[0]?.messages.map((message) => message.content)).toEqual([`question ${count - 1}`, `answer ${count - 1}`]);
        for (let index = 1; index < all.length; index += 1) {
          expect(all[index - 1]!.conversation.updatedAt).toBeGreaterThanOrEqual(all[index]!.conversation.updatedAt);
        }

        const failed = await collect(store.exportConversations({ problem: 'error' }));
        expect(failed).toHaveLength(count / 10);
        expect(failed.every((thread) => thread.messages.at(-1)?.status === 'error')).toBe(true);
      });

      it('applies the search filter', async () => {
        await turn({ user: 'about invoices' });
        await turn({ user: 'about returns' });
        const threads = await collect(store.exportConversations({ q: 'invoice' }));
        expect(threads.map((thread) => thread.messages[0]?.content)).toEqual(['about invoices']);
      });

      it('yields nothing from an empty store', async () => {
        expect(await collect(store.exportConversations({}))).toEqual([]);
      });
    });

    // ---- stats -----------------------------------------------------------------------------------------

    describe('stats', () => {
      const day1 = Date.UTC(2025, 0, 1, 10);
      const day2 = Date.UTC(2025, 0, 2, 23, 59);
      const day4 = Date.UTC(2025, 0, 4, 0, 1);

      beforeEach(async () => {
        const sessionId = newSessionId();
        await turn({ sessionId, tokens: 10, now: day1 });
        await turn({ sessionId, tokens: 20, status: 'error', now: day2 });
        await turn({ tokens: 5, now: day2 });
        await turn({ tokens: 7, status: 'stopped', now: day4 });
        await turn({ tokens: 100, now: Date.UTC(2025, 1, 1) });
      });

      it('counts conversations, messages, tokens and errors per UTC day with activity', async () => {
        const stats = await store.stats({ from: Date.UTC(2025, 0, 1), to: Date.UTC(2025, 0, 5) - 1 });
        expect(stats.days).toEqual([
          { day: '2025-01-01', conversations: 1, messages: 2, tokens: 10, errors: 0 },
          { day: '2025-01-02', conversations: 1, messages: 4, tokens: 25, errors: 1 },
          { day: '2025-01-04', conversations: 1, messages: 2, tokens: 7, errors: 0 },
        ]);
        expect(stats.totals).toEqual({ conversations: 3, messages: 8, tokens: 42, errorRate: 0.25 });
      });

      it('limits everything to the range', async () => {
        const stats = await store.stats({ from: Date.UTC(2025, 0, 2), to: Date.UTC(2025, 0, 3) - 1 });
        expect(stats.days.map((day) => day.day)).toEqual(['2025-01-02']);
        expect(stats.totals).toEqual({ conversations: 1, messages: 4, tokens: 25, errorRate: 0.5 });
      });

      it('answers zeros for an empty range', async () => {
        const stats = await store.stats({ from: Date.UTC(2020, 0, 1), to: Date.UTC(2020, 0, 2) });
        expect(stats).toEqual({ days: [], totals: { conversations: 0, messages: 0, tokens: 0, errorRate: 0 } });
      });

      it('does not count a reply still streaming', async () => {
        await start({ now: Date.UTC(2025, 0, 4, 5) });
        const stats = await store.stats({ from: Date.UTC(2025, 0, 4), to: Date.UTC(2025, 0, 5) - 1 });
        expect(stats.days).toEqual([{ day: '2025-01-04', conversations: 2, messages: 3, tokens: 7, errors: 0 }]);
        expect(stats.totals.errorRate).toBe(0);
      });
    });

    // ---- recoverInterrupted / ping ---------------------------------------------------------------------

    describe('recoverInterrupted', () => {
      it('turns old streaming replies into interrupted errors and leaves recent ones alone', async () => {
        const now = Date.now();
        const stale = await start({ content: 'lost in a crash', now: now - 10 * MINUTE });
        const fresh = await start({ content: 'still answering', now });
        const done = await turn({ now: now - 10 * MINUTE });

        expect(await store.recoverInterrupted(MINUTE)).toBe(1);

        const staleThread = await store.getThread(stale.conversation.id);
        expect(staleThread?.messages.at(-1)).toMatchObject({ status: 'error', errorCode: 'interrupted' });
        expect(staleThread?.conversation).toMatchObject({ errorCount: 1, messageCount: 2 });
        expect((await store.getThread(fresh.conversation.id))?.messages.at(-1)?.status).toBe('streaming');
        expect((await store.getThread(done.conversation.id))?.messages.at(-1)?.status).toBe('complete');
        expect(await listIds({ problem: 'error' })).toEqual([stale.conversation.id]);

        expect(await store.recoverInterrupted(MINUTE)).toBe(0);
      });
    });

    describe('ping', () => {
      it('answers when the store is reachable', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });
  });
}
