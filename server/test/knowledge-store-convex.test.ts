import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { createConvexKnowledgeStore, padVector } from '../src/knowledge/store/convex.ts';
import { CONVEX_VECTOR_DIMENSIONS } from '../src/knowledge/values.ts';
import { configureDeploymentSecret, FAKE_CONVEX_SECRET, newConvexTest, startFakeConvex } from './support/fake-convex.ts';
import { describeKnowledgeStoreContract } from './support/knowledge-contract.ts';

let restoreSecret: () => void;
beforeAll(() => {
  restoreSecret = configureDeploymentSecret();
});
afterAll(() => restoreSecret());

// The real client over a loopback port, to the real functions of convex/knowledge.ts inside convex-test.
describeKnowledgeStoreContract('convex', async () => {
  const deployment = await startFakeConvex({ t: newConvexTest() });
  const store = createConvexKnowledgeStore({ url: deployment.url, secret: FAKE_CONVEX_SECRET });
  return { store, cleanup: () => deployment.stop() };
});

describe('Convex knowledge store specifics', () => {
  it('refuses every function without the server secret', async () => {
    const deployment = await startFakeConvex({ t: newConvexTest() });
    try {
      const store = createConvexKnowledgeStore({ url: deployment.url, secret: 'wrong-secret-wrong-secret-wrong' });
      await expect(store.listSources()).rejects.toMatchObject({ code: 'unavailable' });
      await expect(store.searchVector(new Float32Array(8), 3)).rejects.toMatchObject({ code: 'unavailable' });
      await expect(store.deleteSource('x')).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await deployment.stop();
    }
  });

  it('pads shorter vectors to the index size (cosine unchanged) and refuses longer ones', () => {
    expect(padVector(new Float32Array([0.6, 0.8]))).toHaveLength(CONVEX_VECTOR_DIMENSIONS);
    expect(() => padVector(new Float32Array(CONVEX_VECTOR_DIMENSIONS + 1))).toThrow('OPENAI_EMBEDDING_DIMENSIONS');
  });
});
