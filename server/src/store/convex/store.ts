/**
 * `ChatStore` over a Convex deployment: each method is one call (or a short loop of calls) to the functions in
 * `convex/`, which do the work in one transaction each. Every call carries the server secret.
 */
import type { ConvexHttpClient } from 'convex/browser';
import { api } from '../../../../convex/_generated/api.js';
import { DEFAULT_CONVEX_TIMEOUT_MS } from '../../shared/conversation.ts';
import { createConvexCalls, createConvexClient } from './calls.ts';
import { holdReplicaLease } from './lease.ts';
import { mergeStatsParts, type StatsDayPart } from './stats.ts';
import { createConvexTurns, type SharedTurnLimitsConfig } from './turns.ts';
import type { ChatStore, Conversation, ConversationFilter, ConversationThread, Page } from '../chat-store.ts';

export interface ConvexStoreOptions {
  /** Deployment URL, e.g. `https://happy-animal-123.convex.cloud`. */
  url: string;
  /** Same value as `CONVEX_SERVER_SECRET` in the deployment's env. */
  secret: string;
  /** For tests or custom fetch; by default one is made with a fetch bounded by `timeoutMs`. */
  client?: ConvexHttpClient;
  /** Longest wait for one call before it fails as `unavailable` (default 10 s). */
  timeoutMs?: number;
  /**
   * The per-session rate limit and daily budgets, enforced in the deployment for every replica at once (the chat
   * service then keeps none in memory). Without them, turns are not limited by the store.
   */
  turnLimits?: SharedTurnLimitsConfig;
  /**
   * This process as one of several replicas: it holds a lease renewed every `leaseMs / 3`, and its replies still
   * streaming after the lease ran out (the process died) or after `streamLimitMs` are interrupted by the
   * deployment's cron, while other replicas keep streaming theirs.
   */
  replica?: { id: string; leaseMs: number; streamLimitMs: number };
}

/** Conversations per page when exporting, and threads fetched at once. */
const EXPORT_PAGE = 100;
const EXPORT_PARALLEL = 8;
/** Documents per stats page: far below Convex's per-function read limits. */
const STATS_PAGE = 2000;

export function createConvexStore(opts: ConvexStoreOptions): ChatStore {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONVEX_TIMEOUT_MS;
  const client = opts.client ?? createConvexClient(opts.url, timeoutMs);
  const calls = createConvexCalls({ client, secret: opts.secret, timeoutMs });

  const lease = opts.replica ? holdReplicaLease(calls, { replicaId: opts.replica.id, leaseMs: opts.replica.leaseMs }) : undefined;
  const turns = createConvexTurns(calls, { limits: opts.turnLimits, lease, streamLimitMs: opts.replica?.streamLimitMs });

  const getThread = (conversationId: string) => calls.query(api.admin.getThread, { conversationId });

  async function* exportConversations(filter: ConversationFilter): AsyncIterable<ConversationThread> {
    let cursor: string | null = null;
    do {
      const page: Page<Conversation> = await calls.query(api.admin.listConversations, { ...filter, limit: EXPORT_PAGE, cursor });
      for (let index = 0; index < page.items.length; index += EXPORT_PARALLEL) {
        const batch = page.items.slice(index, index + EXPORT_PARALLEL);
        const threads = await Promise.all(batch.map((conversation) => getThread(conversation.id)));
        // A conversation deleted between the list and its thread is simply not exported.
        for (const thread of threads) if (thread) yield thread;
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
  }

  async function statsParts(source: 'conversations' | 'messages', from: number, to: number) {
    const parts: StatsDayPart[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page: { days: StatsDayPart[]; isDone: boolean; continueCursor: string } = await calls.query(api.admin.stats, {
        from,
        to,
        source,
        paginationOpts: { numItems: STATS_PAGE, cursor },
      });
      parts.push(...page.days);
      if (page.isDone) return parts;
      cursor = page.continueCursor;
    }
  }

  return {
    kind: 'convex',
    sharesTurnLimits: Boolean(opts.turnLimits),

    startTurn: turns.startTurn,
    finishTurn: turns.finishTurn,
    getSessionThread: (sessionId, limit) => calls.query(api.chat.sessionThread, { sessionId, limit }),
    setFeedback: (sessionId, messageId, feedback) =>
      calls.mutation(api.chat.setFeedback, { sessionId, messageId, feedback }),

    listConversations: (input) => calls.query(api.admin.listConversations, input),
    getThread,
    async deleteConversation(conversationId) {
      // The function deletes a bounded batch per call; the first call says whether the conversation existed.
      let result = await calls.mutation(api.admin.deleteConversation, { conversationId });
      const existed = result.existed;
      while (!result.done) result = await calls.mutation(api.admin.deleteConversation, { conversationId });
      return existed;
    },
    exportConversations,
    async stats({ from, to }) {
      const [conversations, messages] = await Promise.all([
        statsParts('conversations', from, to),
        statsParts('messages', from, to),
      ]);
      return mergeStatsParts([...conversations, ...messages]);
    },

    async recoverInterrupted(olderThanMs) {
      let recovered = 0;
      for (;;) {
        // The server's clock, not the deployment's: message times come from this clock too.
        const batch = await calls.mutation(api.admin.recoverInterrupted, { olderThanMs, now: Date.now() });
        recovered += batch.recovered;
        if (batch.done) return recovered;
      }
    },
    async ping() {
      await calls.query(api.health.ping, {});
    },
    async close() {
      // HTTP calls hold no connection of their own; only the lease is let go.
      await lease?.release();
    },
  };
}
