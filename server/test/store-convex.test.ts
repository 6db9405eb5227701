/**
 * `ConvexStore` against the shared store contract, through the real `ConvexHttpClient` over a loopback port to
 * the real functions of `convex/` (run by convex-test behind `fake-convex.ts`), plus what only Convex has: the
 * secret, timeouts, and independent chats not waiting on each other.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'bun:test';
import { describeChatStoreContract } from './support/store-contract.ts';
import { createConvexStore } from '../src/store/convex/store.ts';
import { StoreError, type ChatStore } from '../src/store/chat-store.ts';
import { configureDeploymentSecret, FAKE_CONVEX_SECRET, startFakeConvex, type FakeConvex } from './support/fake-convex.ts';

let restoreSecret: () => void;
beforeAll(() => {
  restoreSecret = configureDeploymentSecret();
});
afterAll(() => restoreSecret());

describeChatStoreContract('convex', async () => {
  const fake = await startFakeConvex();
  return {
    store: createConvexStore({ url: fake.url, secret: FAKE_CONVEX_SECRET }),
    cleanup: () => fake.stop(),
  };
});

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('ConvexStore over the wire', () => {
  let fake: FakeConvex;
  afterEach(async () => {
    await fake.stop();
  });

  const startTurn = (store: ChatStore, sessionId: string) =>
    store.startTurn({ sessionId, content: 'hello', model: 'm', historyLimit: 10 });

  it('starts a turn in one round trip', async () => {
    fake = await startFakeConvex();
    const store = createConvexStore({ url: fake.url, secret: FAKE_CONVEX_SECRET });
    await startTurn(store, 'one-trip');
    expect(fake.calls.map(({ kind, path }) => ({ kind, path }))).toEqual([{ kind: 'mutation', path: 'chat:startTurn' }]);
  });

  it('fails as unavailable, naming the secret, when the secret is wrong', async () => {
    fake = await startFakeConvex();
    const store = createConvexStore({ url: fake.url, secret: 'not-the-secret' });
    const error = await caught(store.ping());
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('unavailable');
    expect((error as StoreError).message).toContain('CONVEX_SERVER_SECRET');
  });

  it('fails as unavailable when the deployment has no secret configured', async () => {
    fake = await startFakeConvex();
    const restore = configureDeploymentSecret(null);
    try {
      const error = await caught(createConvexStore({ url: fake.url, secret: FAKE_CONVEX_SECRET }).ping());
      expect((error as StoreError).code).toBe('unavailable');
      expect((error as StoreError).message).toContain('npx convex env set CONVEX_SERVER_SECRET');
    } finally {
      restore();
    }
  });

  it('gives up on a deployment that never answers after the timeout', async () => {
    fake = await startFakeConvex();
    fake.stall();
    const store = createConvexStore({ url: fake.url, secret: FAKE_CONVEX_SECRET, timeoutMs: 200 });
    const error = await caught(startTurn(store, 'hung'));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('unavailable');
  });

  it('fails as unavailable when nothing listens at the URL', async () => {
    fake = await startFakeConvex();
    const url = fake.url;
    await fake.stop();
    const error = await caught(createConvexStore({ url, secret: FAKE_CONVEX_SECRET }).ping());
    expect((error as StoreError).code).toBe('unavailable');
    fake = await startFakeConvex();
  });

  it('runs the mutations of independent chats at the same time, not one after another', async () => {
    fake = await startFakeConvex({ delayMs: 50 });
    const store = createConvexStore({ url: fake.url, secret: FAKE_CONVEX_SECRET });
    await Promise.all(Array.from({ length: 8 }, (_, index) => startTurn(store, `parallel-${index}`)));
    expect(fake.calls).toHaveLength(8);
    expect(fake.maxConcurrent).toBeGreaterThan(1);
  });
});
