/**
 * WAL checkpoints run on the checkpointer's thread (store/sqlite/checkpointer.ts), not in the chat's commits: the WAL
 * must still be copied back and reused as turns go on, and closing the store must leave everything in the file.
 */
import { Database } from 'bun:sqlite';
import { afterEach, beforeEach, expect, it } from 'bun:test';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_EVERY_MS } from '../src/store/sqlite/checkpointer.ts';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/store.ts';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-checkpoint-'));
  file = join(dir, 'chat.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function turns(store: SqliteStore, from: number, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const started = await store.startTurn({ sessionId: `s-${from + index}`, content: `question ${from + index} `.repeat(20), model: null, historyLimit: 10 });
      await store.finishTurn({ assistantMessageId: started.assistantMessage.id, content: 'an answer '.repeat(40), status: 'complete' });
    }),
  );
}

/** Until the checkpointer has had a few rounds. */
const rounds = () => Bun.sleep(CHECKPOINT_EVERY_MS * 4);

it('copies the WAL back in the background, so it is reused instead of growing with every turn', async () => {
  const store = await openSqliteStore(file);
  await turns(store, 0, 400);
  await rounds();
  await turns(store, 400, 400);
  const afterTwo = statSync(`${file}-wal`).size;
  await rounds();
  for (let batch = 2; batch < 6; batch += 1) {
    await turns(store, batch * 400, 400);
    await rounds();
  }
  // Six batches written; without checkpoints the WAL would hold all of them (about three times its size after two).
  expect(statSync(`${file}-wal`).size).toBeLessThan(afterTwo * 1.5);
  await store.close();

  // Closed: the WAL is folded into the file and gone, and every turn is in the file.
  expect(existsSync(`${file}-wal`)).toBe(false);
  const check = new Database(file, { readonly: true });
  expect(check.query<{ n: number }, []>('SELECT count(*) AS n FROM messages').get()!.n).toBe(2 * 6 * 400);
  check.close();
});
