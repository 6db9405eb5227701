/** Chooses the store from configuration: Convex when CONVEX_URL is set, otherwise the embedded SQLite file. */
import type { AppConfig } from '../config.ts';
import type { ChatStore } from './chat-store.ts';

/**
 * The longest a reply can be streaming on a live server: the model call's own time limit plus a margin for storing
 * it. Older `streaming` replies belong to a process that died (or lost its store), so they are marked interrupted.
 */
export function streamLimitMs(config: AppConfig): number {
  return (config.llm?.requestTimeoutMs ?? 60_000) + 60_000;
}

/** `replicaId` names this process among the servers sharing a Convex deployment (logged at start). */
export async function openStore(config: AppConfig, { replicaId = crypto.randomUUID() }: { replicaId?: string } = {}): Promise<ChatStore> {
  if (config.convex) {
    const { createConvexStore } = await import('./convex/store.ts');
    return createConvexStore({
      url: config.convex.url,
      secret: config.convex.secret,
      timeoutMs: config.convex.timeoutMs,
      // Shared by every replica on this deployment: one rate limit per session and one count per budget.
      turnLimits: {
        chatPerSessionPerMinute: config.rateLimits.chatPerSessionPerMinute,
        budgets: config.budgets,
        systemPromptChars: config.chat.systemPrompt.length,
        maxHistoryChars: config.chat.maxHistoryChars,
      },
      replica: { id: replicaId, leaseMs: config.convex.leaseMs, streamLimitMs: streamLimitMs(config) },
    });
  }
  const { openSqliteStore } = await import('./sqlite/store.ts');
  return openSqliteStore(config.databasePath);
}
