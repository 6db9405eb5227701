/** Chooses the store from configuration: Convex when CONVEX_URL is set, otherwise the embedded SQLite file. */
import type { AppConfig } from '../config.ts';
import type { ChatStore } from './chat-store.ts';

export async function openStore(config: AppConfig): Promise<ChatStore> {
  if (config.convex) {
    const { createConvexStore } = await import('./convex/store.ts');
    return createConvexStore({ url: config.convex.url, secret: config.convex.secret, timeoutMs: config.convex.timeoutMs });
  }
  const { openSqliteStore } = await import('./sqlite/store.ts');
  return openSqliteStore(config.databasePath);
}
