/**
 * Versioned SQLite schema. Migrations run at open, in order, each in its own write transaction together with
 * its row in `schema_migrations`; a file whose schema is newer than this code is refused rather than guessed at.
 */
import type { Database } from 'bun:sqlite';
import { FEEDBACK_VALUES, MESSAGE_ROLES, MESSAGE_STATUSES } from '../../shared/conversation.ts';
import { StoreError } from '../chat-store.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Inside a trigger every FTS5 insert runs under a statement savepoint, which flushes a tiny index segment per row
 * (measured 6x slower than inserting into the index directly); migration 2 replaced it with a queue. Part of
 * migration 1, so never edit it.
 */
const MESSAGES_FTS_INSERT_TRIGGER = `CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
      END`;

/** `'a', 'b'` for a CHECK constraint, from a shared value list (the values are our own constants, never input). */
const sqlList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'conversations, messages, full-text index',
    sql: `
      -- Integer keys join and index compactly; the random text ids are what the API shows.
      CREATE TABLE conversations (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        session_id TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        origin TEXT,
        page_url TEXT,
        user_agent TEXT,
        message_count INTEGER NOT NULL DEFAULT 0,
        error_count INTEGER NOT NULL DEFAULT 0,
        stopped_count INTEGER NOT NULL DEFAULT 0,
        feedback_up INTEGER NOT NULL DEFAULT 0,
        feedback_down INTEGER NOT NULL DEFAULT 0,
        total_tokens INTEGER NOT NULL DEFAULT 0,
        last_message_preview TEXT,
        last_message_role TEXT CHECK (last_message_role IN ('user', 'assistant'))
      );
      -- The list order and its cursor; the partial twins serve the problem/feedback filters without a scan.
      CREATE INDEX conversations_by_activity ON conversations (updated_at DESC, id DESC);
      CREATE INDEX conversations_with_error ON conversations (updated_at DESC, id DESC) WHERE error_count > 0;
      CREATE INDEX conversations_with_stopped ON conversations (updated_at DESC, id DESC) WHERE stopped_count > 0;
      CREATE INDEX conversations_with_problem ON conversations (updated_at DESC, id DESC)
        WHERE error_count > 0 OR stopped_count > 0;
      CREATE INDEX conversations_with_feedback_up ON conversations (updated_at DESC, id DESC) WHERE feedback_up > 0;
      CREATE INDEX conversations_with_feedback_down ON conversations (updated_at DESC, id DESC) WHERE feedback_down > 0;
      CREATE INDEX conversations_with_feedback ON conversations (updated_at DESC, id DESC)
        WHERE feedback_up > 0 OR feedback_down > 0;
      CREATE INDEX conversations_by_creation ON conversations (created_at);

      CREATE TABLE messages (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        conversation_seq INTEGER NOT NULL REFERENCES conversations (seq) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN (${sqlList(MESSAGE_ROLES)})),
        content TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN (${sqlList(MESSAGE_STATUSES)})),
        created_at INTEGER NOT NULL,
        model TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        total_tokens INTEGER,
        finish_reason TEXT,
        error_code TEXT,
        first_token_ms INTEGER,
        total_ms INTEGER,
        feedback TEXT CHECK (feedback IN (${sqlList(FEEDBACK_VALUES)}))
      );
      CREATE INDEX messages_by_conversation ON messages (conversation_seq, created_at, seq);
      -- Covers the stats query, so a day range reads only this index.
      CREATE INDEX messages_by_creation ON messages (created_at, status, role, total_tokens);
      CREATE INDEX messages_streaming ON messages (created_at) WHERE status = 'streaming';

      -- External content: the text lives once, in messages; triggers keep the index in step.
      CREATE VIRTUAL TABLE messages_fts USING fts5 (
        content,
        content = 'messages',
        content_rowid = 'seq',
        tokenize = 'unicode61 remove_diacritics 2'
      );
      ${MESSAGES_FTS_INSERT_TRIGGER};
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
      END;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
        INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
      END;
    `,
  },
  {
    version: 2,
    name: 'full-text index filled in batches',
    // Indexing each message inside its own write cost more than everything else in a chat turn (one FTS5 segment
    // flush per row) and made the store slow down with age. Writes now only queue the message's key; the store
    // moves queued messages into the index in batches (fts-index.ts) and before every search.
    // Invariant from here on: a message is in messages_fts exactly when it is not queued.
    sql: `
      CREATE TABLE fts_pending (seq INTEGER PRIMARY KEY);
      DROP TRIGGER messages_fts_insert;
      DROP TRIGGER messages_fts_update;
      DROP TRIGGER messages_fts_delete;
      CREATE TRIGGER messages_fts_queue_insert AFTER INSERT ON messages BEGIN
        INSERT OR IGNORE INTO fts_pending (seq) VALUES (new.seq);
      END;
      -- Already indexed: its old words leave the index now (only the old text can remove them); queued: nothing to undo.
      CREATE TRIGGER messages_fts_queue_update AFTER UPDATE OF content ON messages WHEN new.content IS NOT old.content BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) SELECT 'delete', old.seq, old.content
          WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE seq = old.seq);
        INSERT OR IGNORE INTO fts_pending (seq) VALUES (new.seq);
      END;
      CREATE TRIGGER messages_fts_queue_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) SELECT 'delete', old.seq, old.content
          WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE seq = old.seq);
        DELETE FROM fts_pending WHERE seq = old.seq;
      END;
    `,
  },
];

export function currentSchemaVersion(db: Database): number {
  const row = db.query<{ version: number | null }, []>('SELECT max(version) AS version FROM schema_migrations').get();
  return row?.version ?? 0;
}

/**
 * Brings the file up to the newest version in `migrations`; returns the versions it applied (none when the file
 * is current). Each step takes the write lock first (IMMEDIATE), so two processes opening one new file do not
 * both apply it.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const known = migrations.reduce((highest, migration) => Math.max(highest, migration.version), 0);
  const found = currentSchemaVersion(db);
  if (found > known) {
    throw new StoreError(
      'unavailable',
      `The database schema is version ${found} but this server knows only up to version ${known}; ` +
        'run a newer server or point DATABASE_PATH at another file.',
    );
  }

  const applied: number[] = [];
  const insertVersion = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const step = db.transaction(() => {
      if (currentSchemaVersion(db) >= migration.version) return false;
      db.exec(migration.sql);
      insertVersion.run(migration.version, migration.name, now());
      return true;
    });
    if (step.immediate()) applied.push(migration.version);
  }
  insertVersion.finalize();
  return applied;
}
