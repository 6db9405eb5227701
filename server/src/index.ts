/** The entry point: the only file that reads the environment, opens the store, and listens. */
import { createApp } from './app.ts';
import { createTurnRegistry } from './chat/turn-registry.ts';
import { loadConfig } from './config.ts';
import { createJsonLogger } from './logger.ts';
import { createOpenAiProvider } from './llm/openai.ts';
import { createKnowledge, openKnowledgeStore } from './knowledge/runtime.ts';
import { openStore, streamLimitMs } from './store/open.ts';
import { claimSqliteDatabase, SECOND_SQLITE_SERVER } from './store/sqlite/single-server.ts';

const { config, problems, warnings } = loadConfig(process.env);
if (problems.length > 0) {
  console.error(`Open Chat Widget server cannot start (${config.mode} mode):`);
  for (const problem of problems) console.error(`  - ${problem}`);
  process.exit(1);
}

const logger = createJsonLogger();
for (const warning of warnings) logger.warn(warning);

// SQLite is one server's file: a second replica on it is refused before it touches anything.
const sqliteClaim = config.convex ? null : claimSqliteDatabase(config.databasePath);
if (!config.convex && !sqliteClaim) {
  console.error(SECOND_SQLITE_SERVER);
  process.exit(1);
}

const replicaId = crypto.randomUUID();
const store = await openStore(config, { replicaId });
// A reply still `streaming` in the store belongs to a process that died mid-turn (SQLite: only this one writes).
const recovered = await store.recoverInterrupted(store.kind === 'sqlite' ? 0 : streamLimitMs(config));
if (recovered > 0) logger.warn('marked interrupted replies from a previous run', { count: recovered });

const llm = config.llm ? createOpenAiProvider({ config: config.llm }) : null;
const knowledge = createKnowledge({ config, store: await openKnowledgeStore(config), logger });
// Resumes indexing jobs a previous run left unfinished (queued, or killed mid-way).
knowledge.indexer.kick();
const turns = createTurnRegistry();
const app = createApp({ config, store, llm, logger, knowledge, turns }).listen({ port: config.port, hostname: config.host, idleTimeout: config.connections.idleTimeoutSeconds });
const port = app.server?.port ?? config.port;

logger.info('server listening', { port, mode: config.mode, store: store.kind, replica: store.kind === 'convex' ? replicaId : null, model: llm?.model ?? null });

if (config.widgetApiKeyGenerated) {
  const base = config.publicUrl ?? `http://localhost:${port}`;
  console.log(`
  Open Chat Widget is running on ${base}${config.widget.demoPage ? ` — open it to try the widget` : ''}.
  No WIDGET_API_KEY was set, so this run uses a random one: ${config.widgetApiKey}
  Paste this into any page to embed the widget:

    <script src="${base}/widget/chat-widget.js" data-api-url="${base}" data-api-key="${config.widgetApiKey}" defer></script>
`);
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info('shutting down', { signal, runningReplies: turns.running });
  // No new connections; replies already streaming get SHUTDOWN_GRACE_MS to finish, the rest are stored as interrupted
  // (their visitors are told so) before the store closes. Compose's stop_grace_period leaves room for this.
  void app.server?.stop();
  const cut = await turns.drain(config.connections.shutdownGraceMs);
  if (cut > 0) logger.warn('cut replies still running at shutdown', { count: cut });
  await app.stop(true);
  // The batch in flight finishes; unfinished jobs stay persisted and resume at the next start.
  await knowledge.indexer.stop();
  await knowledge.store.close();
  await store.close();
  sqliteClaim?.release();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
