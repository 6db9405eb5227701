import { describe, expect, it } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteKnowledgeStore } from '../src/knowledge/store/sqlite.ts';
import { openSqliteStore } from '../src/store/sqlite/store.ts';
import { describeKnowledgeStoreContract, indexNow, textSource } from './support/knowledge-contract.ts';

function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), 'knowledge-sqlite-'));
  return { path: join(dir, 'chat.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describeKnowledgeStoreContract('sqlite', async () => {
  const { path, remove } = tempFile();
  const store = openSqliteKnowledgeStore(path);
  return { store, cleanup: async () => { await store.close(); remove(); } };
});

describe('SQLite knowledge store specifics', () => {
  it('shares the chat database file, and keeps its sources across a reopen', async () => {
    const { path, remove } = tempFile();
    try {
      const chat = await openSqliteStore(path);
      const store = openSqliteKnowledgeStore(path);
      const source = await store.createSource(textSource('Doc', 'The office opens at nine.'));
      await indexNow(store, source.id);
      await store.close();
      await chat.close();
      const reopened = openSqliteKnowledgeStore(path);
      expect((await reopened.searchText('office', 5))[0]!.sourceId).toBe(source.id);
      await reopened.close();
    } finally {
      remove();
    }
  });
});
