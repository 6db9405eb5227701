import { Database } from 'bun:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'bun:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeChatStoreContract } from './support/store-contract.ts';
import { messageSeqRange, nextMessageSeq } from '../src/store/sqlite/message-seq.ts';
import { buildListQuery, type SearchPlan } from '../src/store/sqlite/list-query.ts';
import { FTS_INDEX_EVERY_MS, indexPending } from '../src/store/sqlite/fts-index.ts';
import { MIGRATIONS, type Migration } from '../src/store/sqlite/migrations.ts';
import { openSqliteDatabase, openSqliteStore } from '../src/store/sqlite/store.ts';
import { StoreError, type ConversationFilter } from '../src/store/chat-store.ts';

function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describeChatStoreContract('sqlite', async () => {
  const { dir, remove } = tempDir();
  const store = await openSqliteStore(join(dir, 'chat.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      remove();
    },
  };
});

describe('SqliteStore specifics', () => {
  let dir: string;
  let remove: () => void;
  let file: string;

  beforeEach(() => {
    ({ dir, remove } = tempDir());
    file = join(dir, 'nested', 'deeper', 'chat.db');
  });
  afterEach(() => remove());

  const versionsIn = (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return db.query<{ version: number; applied_at: number }, []>('SELECT version, applied_at FROM schema_migrations ORDER BY version').all();
    } finally {
      db.close();
    }
  };

  it('creates the parent directories and opens the file in WAL mode with foreign keys on', async () => {
    const db = openSqliteDatabase(file);
    expect(existsSync(file)).toBe(true);
    expect(db.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    expect(db.query<{ foreign_keys: number }, []>('PRAGMA foreign_keys').get()?.foreign_keys).toBe(1);
    expect(db.query<{ timeout: number }, []>('PRAGMA busy_timeout').get()?.timeout).toBeGreaterThan(0);
    db.close();
  });

  it('records each applied migration and reopening a current file applies nothing', async () => {
    openSqliteDatabase(file, { clock: () => 1000 }).close();
    const first = versionsIn(file);
    expect(first.map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
    openSqliteDatabase(file, { clock: () => 2000 }).close();
    expect(versionsIn(file)).toEqual(first);
  });

  it('applies a new migration to an existing file, keeping its data', async () => {
    const store = await openSqliteStore(file);
    const turn = await store.startTurn({ sessionId: 's1', content: 'kept across upgrades', model: null, historyLimit: 5 });
    await store.close();

    const next: Migration = { version: MIGRATIONS.length + 1, name: 'add a tag column', sql: 'ALTER TABLE conversations ADD COLUMN tag TEXT' };
    const upgraded = openSqliteDatabase(file, { migrations: [...MIGRATIONS, next] });
    const columns = upgraded.query<{ name: string }, []>('PRAGMA table_info(conversations)').all().map((column) => column.name);
    upgraded.close();
    expect(columns).toContain('tag');
    expect(versionsIn(file).map((row) => row.version)).toEqual([...MIGRATIONS.map((migration) => migration.version), next.version]);

    const reopened = await openSqliteStore(file, { migrations: [...MIGRATIONS, next] });
    expect((await reopened.getThread(turn.conversation.id))?.messages[0]?.content).toBe('kept across upgrades');
    await reopened.close();
  });

  it('keeps the full-text index consistent with the messages through every state of a turn, a re-finish and a delete', async () => {
    const store = await openSqliteStore(file);
    const check = new Database(file);
    const indexedRows = () => check.query<{ n: number }, []>('SELECT count(*) AS n FROM messages_fts_docsize').get()!.n;
    const queuedRows = () => check.query<{ n: number }, []>('SELECT count(*) AS n FROM fts_pending').get()!.n;
    // Throws SQLITE_CORRUPT_VTAB when the index and the messages disagree.
    const integrity = () => check.exec("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)");
    const found = async (q: string) => (await store.listConversations({ limit: 10, q })).items.length;

    const started = await store.startTurn({ sessionId: 'fts', content: 'where is my parcel', model: null, historyLimit: 10, now: 10 });
    // Stored, and queued for the index: the question and the (empty) placeholder.
    expect([queuedRows(), indexedRows()]).toEqual([2, 0]);
    // A search indexes the queue before it reads, so it finds what was stored a moment ago.
    expect(await found('parcel')).toBe(1);
    expect([queuedRows(), indexedRows()]).toEqual([0, 2]);

    await store.finishTurn({ assistantMessageId: started.assistantMessage.id, content: 'parcel found', status: 'complete', now: 20 });
    const silent = await store.startTurn({ sessionId: 'fts', content: 'and the invoice', model: null, historyLimit: 10, now: 30 });
    await store.finishTurn({ assistantMessageId: silent.assistantMessage.id, content: '', status: 'error', errorCode: 'upstream_timeout', now: 40 });
    expect(queuedRows()).toBe(3);
    expect(await found('found')).toBe(1);
    expect([queuedRows(), indexedRows()]).toEqual([0, 4]);
    integrity();

    // Finished again after it was indexed: the old words leave the index, the new ones come in.
    await store.finishTurn({ assistantMessageId: started.assistantMessage.id, content: 'parcel lost', status: 'complete', now: 50 });
    expect(await found('found')).toBe(0);
    expect(await found('lost')).toBe(1);
    integrity();

    // Deleted while a message is still queued: nothing of it stays in the index or the queue.
    await store.finishTurn({ assistantMessageId: started.assistantMessage.id, content: 'parcel returned', status: 'complete', now: 60 });
    expect(queuedRows()).toBe(1);
    expect(indexedRows()).toBe(3);
    expect(await store.deleteConversation(started.conversation.id)).toBe(true);
    expect([queuedRows(), indexedRows()]).toEqual([0, 0]);
    integrity();
    check.close();
    await store.close();
  });

  it('indexes queued messages in the background, without a search asking for it', async () => {
    const store = await openSqliteStore(file);
    await store.startTurn({ sessionId: 'bg', content: 'background words', model: null, historyLimit: 10 });
    const check = new Database(file, { readonly: true });
    const queued = () => check.query<{ n: number }, []>('SELECT count(*) AS n FROM fts_pending').get()!.n;
    expect(queued()).toBe(2);
    while (queued() > 0) await Bun.sleep(FTS_INDEX_EVERY_MS / 5);
    expect(check.query<{ n: number }, [string]>('SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH ?').get('background')!.n).toBe(1);
    check.close();
    await store.close();
  });

  it('upgrades a version 1 file: what it indexed stays searchable, and later writes go through the queue', async () => {
    const old = openSqliteDatabase(file, { migrations: [MIGRATIONS[0]!] });
    old.exec(`INSERT INTO conversations (seq, id, session_id, created_at, updated_at) VALUES (1, 'c1', 'old-session', 1, 1)`);
    old.exec(`INSERT INTO messages (seq, id, conversation_seq, role, content, status, created_at) VALUES
      (${messageSeqRange(1)[0]}, 'm1', 1, 'user', 'ancient lighthouse', 'complete', 1),
      (${messageSeqRange(1)[0] + 1}, 'm2', 1, 'assistant', '', 'streaming', 1)`);
    old.close();
    const store = await openSqliteStore(file);
    expect(versionsIn(file).map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
    expect((await store.listConversations({ limit: 5, q: 'lighthouse' })).items.map((item) => item.id)).toEqual(['c1']);
    // The placeholder indexed (empty) by version 1 is finished under version 2: its empty entry is replaced.
    await store.finishTurn({ assistantMessageId: 'm2', content: 'bright beacon', status: 'complete' });
    expect((await store.listConversations({ limit: 5, q: 'beacon' })).items).toHaveLength(1);
    const check = new Database(file);
    check.exec("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)");
    check.close();
    await store.close();
  });

  it('settles writes started together (one group commit) only once committed, and a failing one alone is undone', async () => {
    const store = await openSqliteStore(file);
    const check = new Database(file, { readonly: true });
    const turns = await Promise.allSettled([
      store.startTurn({ sessionId: 'batch-a', content: 'first', model: null, historyLimit: 5 }),
      store.finishTurn({ assistantMessageId: 'no-such-message', content: 'x', status: 'complete' }),
      store.startTurn({ sessionId: 'batch-b', content: 'second', model: null, historyLimit: 5 }),
    ]);
    expect(turns.map((turn) => turn.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((turns[1] as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
    // Visible to another connection as soon as the promises settle: acknowledged means committed.
    expect(check.query<{ n: number }, []>('SELECT count(*) AS n FROM messages').get()!.n).toBe(4);
    check.close();
    await store.close();
  });

  it('rolls back a migration that fails, leaving the file at the previous version', async () => {
    openSqliteDatabase(file).close();
    const broken: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'half-broken',
      sql: 'CREATE TABLE first_half (x INTEGER); CREATE TABLE conversations (x INTEGER);',
    };
    expect(() => openSqliteDatabase(file, { migrations: [...MIGRATIONS, broken] })).toThrow();
    const db = new Database(file, { readonly: true });
    const tables = db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE name = 'first_half'").all();
    db.close();
    expect(tables).toEqual([]);
    expect(versionsIn(file).map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
  });

  it('refuses to open a file whose schema is newer than the code', async () => {
    openSqliteDatabase(file).close();
    const db = new Database(file);
    db.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, ?, 0)').run('from the future');
    db.close();

    let caught: unknown;
    try {
      await openSqliteStore(file);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).code).toBe('unavailable');
    expect((caught as Error).message).toContain('version 99');
  });

  it('keeps conversations across close and reopen', async () => {
    const store = await openSqliteStore(file);
    const turn = await store.startTurn({ sessionId: 'visitor', content: 'remember me', model: 'm', historyLimit: 5 });
    await store.finishTurn({ assistantMessageId: turn.assistantMessage.id, content: 'I will', status: 'complete' });
    await store.close();

    const reopened = await openSqliteStore(file);
    const thread = await reopened.getSessionThread('visitor', 10);
    expect(thread?.messages.map((message) => message.content)).toEqual(['remember me', 'I will']);
    await reopened.close();
  });

  it('recovers a reply left streaming by a process that was killed mid-turn', async () => {
    // A real crash: another process commits the start of a turn, then dies by SIGKILL without closing.
    const script = `
      import { openSqliteStore } from ${JSON.stringify(join(import.meta.dir, '../src/store/sqlite/store.ts'))};
      const store = await openSqliteStore(${JSON.stringify(file)});
      await store.startTurn({ sessionId: 'crashed', content: 'are you there?', model: 'm', historyLimit: 5, now: Date.now() - 600000 });
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = Bun.spawn(['bun', '-e', script], { stdout: 'ignore', stderr: 'pipe' });
    expect(await child.exited).not.toBe(0);
    expect(child.signalCode).toBe('SIGKILL');

    const store = await openSqliteStore(file);
    const before = await store.getSessionThread('crashed', 10);
    expect(before?.messages.map((message) => message.status)).toEqual(['complete', 'streaming']);
    expect(await store.recoverInterrupted(60_000)).toBe(1);
    const after = await store.getSessionThread('crashed', 10);
    expect(after?.messages[1]).toMatchObject({ status: 'error', errorCode: 'interrupted' });
    expect(after?.conversation.errorCount).toBe(1);
    await store.close();
  });

  it('works in memory for unit tests', async () => {
    const store = await openSqliteStore(':memory:');
    await store.startTurn({ sessionId: 'm', content: 'hi', model: null, historyLimit: 1 });
    expect((await store.listConversations({ limit: 5 })).items).toHaveLength(1);
    await store.close();
  });
});

describe('SqliteStore search plans', () => {
  it('give the same pages whichever plan runs', async () => {
    const { dir, remove } = tempDir();
    const db = openSqliteDatabase(join(dir, 'plans.db'));
    const store = await openSqliteStore(join(dir, 'plans.db'));
    try {
      for (let index = 0; index < 40; index += 1) {
        const words = index % 3 === 0 ? 'refund for my order' : index % 3 === 1 ? 'refunded twice' : 'where is my parcel';
        const turn = await store.startTurn({ sessionId: `s${index}`, content: words, model: null, historyLimit: 5, now: 1000 + Math.floor(index / 2) });
        await store.finishTurn({ assistantMessageId: turn.assistantMessage.id, content: 'ok', status: index % 4 === 0 ? 'error' : 'complete', now: 1000 + Math.floor(index / 2) });
      }
      indexPending(db);
      const walk = (filter: ConversationFilter, plan: SearchPlan) => {
        const ids: string[] = [];
        let after: { updatedAt: number; id: string } | null = null;
        for (;;) {
          const query = buildListQuery(filter, after, 7, plan);
          const rows = db.query<{ id: string; updated_at: number }, (string | number)[]>(query.sql).all(...query.params);
          ids.push(...rows.map((row) => row.id));
          const last = rows.at(-1);
          if (!last || rows.length < 7) return ids;
          after = { updatedAt: last.updated_at, id: last.id };
        }
      };
      for (const filter of [{ q: 'refund' }, { q: 'refund', problem: 'error' as const }, { q: 'parcel', from: 1005 }]) {
        const expected = walk(filter, 'matches-first');
        expect(expected.length).toBeGreaterThan(5);
        expect(walk(filter, 'walk-list')).toEqual(expected);
      }
    } finally {
      db.close();
      await store.close();
      remove();
    }
  });
});

describe('SqliteStore query plans', () => {
  // A plan that scans a table or sorts all rows would not survive 100,000 conversations / 1,000,000 messages.
  const db = openSqliteDatabase(':memory:');
  const plan = (filter: ConversationFilter, withCursor: boolean) => {
    const query = buildListQuery(filter, withCursor ? { updatedAt: 1, id: 'x' } : null, 26);
    return db
      .query<{ detail: string }, (string | number)[]>(`EXPLAIN QUERY PLAN ${query.sql}`)
      .all(...query.params)
      .map((row) => row.detail);
  };

  const indexedFilters: ConversationFilter[] = [
    {},
    { from: 1, to: 2 },
    { problem: 'error' },
    { problem: 'stopped' },
    { problem: 'any' },
    { feedback: 'up' },
    { feedback: 'down' },
    { feedback: 'any', from: 1 },
  ];
  for (const filter of indexedFilters) {
    it(`walks an index in list order for ${JSON.stringify(filter)}`, () => {
      for (const withCursor of [false, true]) {
        const steps = plan(filter, withCursor);
        expect(steps).toHaveLength(1);
        expect(steps[0]).toMatch(/^(SCAN|SEARCH) c USING INDEX conversations_/);
      }
    });
  }

  it('answers a search from the full-text index alone, never reading the messages table', () => {
    for (const filter of [{ q: 'pizza delivery' }, { q: 'pizza', problem: 'error' as const }]) {
      const steps = plan(filter, true);
      expect(steps).toContain('SCAN messages_fts VIRTUAL TABLE INDEX 0:M1');
      expect(steps.some((step) => /\b(m|messages)\b/.test(step))).toBe(false);
      expect(steps.some((step) => /^SCAN c\b/.test(step) && !step.includes('USING INDEX'))).toBe(false);
    }
  });

  it('walks the list index for a search with many matches', () => {
    for (const filter of [{ q: 'pizza' }, { q: 'pizza', problem: 'error' as const }, { q: 'pizza', from: 1, to: 2 }]) {
      const query = buildListQuery(filter, { updatedAt: 1, id: 'x' }, 26, 'walk-list');
      const steps = db
        .query<{ detail: string }, (string | number)[]>(`EXPLAIN QUERY PLAN ${query.sql}`)
        .all(...query.params)
        .map((row) => row.detail);
      expect(steps[0]).toMatch(/^(SCAN|SEARCH) c USING (COVERING )?INDEX conversations_/);
      expect(steps.some((step) => step.includes('TEMP B-TREE'))).toBe(false);
    }
  });

  it('keys messages inside their conversation range and refuses to overflow it', () => {
    expect(nextMessageSeq(3, null)).toBe(3 * 2 ** 20);
    expect(nextMessageSeq(3, 3 * 2 ** 20 + 7)).toBe(3 * 2 ** 20 + 8);
    expect(messageSeqRange(3)).toEqual([3 * 2 ** 20, 4 * 2 ** 20 - 1]);
    expect(() => nextMessageSeq(3, 4 * 2 ** 20 - 1)).toThrow(StoreError);
  });
});
