/**
 * The Convex functions of `convex/`, run by convex-test in this process: the secret guard on every public
 * function (found by enumerating the modules, so a new unguarded function fails here), and the behaviour the
 * store contract cannot see — batching, paging and search semantics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConvexError, type Value } from 'convex/values';
import { api } from '../../convex/_generated/api.js';
import { constantTimeEqual } from '../../convex/lib/guard.ts';
import { matchesAllTerms } from '../../convex/lib/model.ts';
import { MAX_SEARCH_WORDS, searchWords } from '../src/shared/conversation.ts';
import {
  configureDeploymentSecret,
  convexModules,
  FAKE_CONVEX_SECRET,
  newConvexTest,
  type ConvexTestInstance,
} from './support/fake-convex.ts';

const secret = FAKE_CONVEX_SECRET;
const T0 = Date.UTC(2025, 2, 10, 12);
const convexDir = join(import.meta.dir, '../../convex');

let restoreSecret: () => void;
beforeAll(() => {
  restoreSecret = configureDeploymentSecret();
});
afterAll(() => restoreSecret());

// ---- enumerating the deployment's functions ----------------------------------------------------------------

interface RegisteredFunction {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isPublic?: boolean;
  exportArgs(): string;
}

interface PublicFunction {
  path: string;
  kind: 'query' | 'mutation' | 'action';
  args: ValidatorJson;
}

type ValidatorJson =
  | { type: 'string' | 'number' | 'boolean' | 'null' | 'any' | 'bigint' | 'float64' | 'int64' | 'bytes' }
  | { type: 'literal'; value: Value }
  | { type: 'union'; value: ValidatorJson[] }
  | { type: 'array'; value: ValidatorJson }
  | { type: 'id'; tableName: string }
  | { type: 'object'; value: Record<string, { fieldType: ValidatorJson; optional: boolean }> };

function isRegistered(value: unknown): value is RegisteredFunction {
  const candidate = value as RegisteredFunction | null;
  return Boolean(candidate && (candidate.isQuery || candidate.isMutation || candidate.isAction));
}

async function publicFunctions(): Promise<PublicFunction[]> {
  const found: PublicFunction[] = [];
  for (const [file, load] of Object.entries(convexModules)) {
    if (file.includes('_generated') || file === './schema.ts') continue;
    const moduleName = file.replace(/^\.\//, '').replace(/\.ts$/, '');
    const exports = (await load()) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      if (!isRegistered(value) || !value.isPublic) continue;
      const kind = value.isQuery ? 'query' : value.isMutation ? 'mutation' : 'action';
      found.push({ path: `${moduleName}:${name}`, kind, args: JSON.parse(value.exportArgs()) as ValidatorJson });
    }
  }
  return found;
}

/** Smallest value a validator accepts: lets the guard test call each function past argument validation. */
function sampleOf(validator: ValidatorJson): Value {
  switch (validator.type) {
    case 'string':
      return 'sample';
    case 'number':
    case 'float64':
      return 1;
    case 'boolean':
      return false;
    case 'null':
    case 'any':
      return null;
    case 'literal':
      return validator.value;
    case 'union':
      return sampleOf(validator.value[0]!);
    case 'array':
      return [];
    case 'object':
      return Object.fromEntries(
        Object.entries(validator.value)
          .filter(([, field]) => !field.optional)
          .map(([key, field]) => [key, sampleOf(field.fieldType)]),
      );
    default:
      throw new Error(`No sample for validator ${validator.type}; extend sampleOf.`);
  }
}

async function call(t: ConvexTestInstance, fn: PublicFunction, args: Record<string, Value>): Promise<unknown> {
  const { makeFunctionReference } = await import('convex/server');
  const run = (t[fn.kind] as unknown as (ref: unknown, args: unknown) => Promise<unknown>).bind(t);
  return await run(makeFunctionReference(fn.path), args);
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be refused');
}

function codeOf(error: unknown): unknown {
  expect(error).toBeInstanceOf(ConvexError);
  return ((error as ConvexError<{ code: string }>).data as { code: string }).code;
}

describe('the module map of the tests', () => {
  it('lists every module of convex/', () => {
    const files = readdirSync(convexDir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.startsWith('_generated'))
      // The app definition, not functions: it names the components, which newConvexTest registers.
      .filter((file) => file !== 'convex.config.ts')
      .map((file) => `./${file}`);
    const mapped = Object.keys(convexModules).filter((file) => !file.includes('_generated'));
    expect(mapped.sort()).toEqual(files.sort());
  });
});

describe('the server secret guard', () => {
  it('finds the functions the store calls', async () => {
    const paths = (await publicFunctions()).map((fn) => fn.path).sort();
    expect(paths).toEqual(
      [
        'admin:deleteConversation',
        'admin:getThread',
        'admin:listConversations',
        'admin:recoverInterrupted',
        'admin:stats',
        'chat:finishTurn',
        'chat:sessionThread',
        'chat:setFeedback',
        'chat:startTurn',
        'health:ping',
        'knowledge:createSource',
        'knowledge:deleteSource',
        'knowledge:failSource',
        'knowledge:getSource',
        'knowledge:hasReadySources',
        'knowledge:listSources',
        'knowledge:loadJob',
        'knowledge:publish',
        'knowledge:purgeStale',
        'knowledge:requeueSource',
        'knowledge:retrievalsFor',
        'knowledge:saveRetrieval',
        'knowledge:searchText',
        'knowledge:searchVector',
        'knowledge:settlePage',
        'knowledge:stageChunks',
        'knowledge:startIndexing',
        'knowledge:unfinishedSources',
        'recovery:releaseLease',
        'recovery:renewLease',
      ].sort(),
    );
  });

  it('makes every public function require a string secret', async () => {
    for (const fn of await publicFunctions()) {
      expect(fn.args.type, fn.path).toBe('object');
      const fields = (fn.args as Extract<ValidatorJson, { type: 'object' }>).value;
      expect(fields.secret, fn.path).toEqual({ fieldType: { type: 'string' }, optional: false });
    }
  });

  it('answers every public function called with the right secret (the samples are valid calls)', async () => {
    const t = newConvexTest();
    for (const fn of await publicFunctions()) {
      const args = { ...(sampleOf(fn.args) as Record<string, Value>), secret };
      const outcome = await call(t, fn, args).then(
        () => 'answered',
        (error: unknown) => (error instanceof ConvexError ? `refused ${JSON.stringify(error.data)}` : 'answered'),
      );
      // A sample may name nothing that exists (finishTurn says not_found), but the guard must let it through.
      expect(String(outcome), fn.path).not.toContain('unauthorized');
      expect(String(outcome), fn.path).not.toContain('not_configured');
    }
  });

  it('refuses a wrong secret on every public function', async () => {
    const t = newConvexTest();
    for (const fn of await publicFunctions()) {
      for (const wrong of ['wrong', '', `${secret}x`, secret.slice(0, -1)]) {
        const args = { ...(sampleOf(fn.args) as Record<string, Value>), secret: wrong };
        expect(codeOf(await failure(call(t, fn, args))), `${fn.path} with "${wrong}"`).toBe('unauthorized');
      }
    }
  });

  it('refuses a call without a secret on every public function', async () => {
    const t = newConvexTest();
    for (const fn of await publicFunctions()) {
      const { secret: _omitted, ...args } = sampleOf(fn.args) as Record<string, Value>;
      const error = await failure(call(t, fn, args));
      expect(String(error), fn.path).toContain('secret');
    }
  });

  it('refuses everything with a clear message when the deployment has no secret set', async () => {
    const t = newConvexTest();
    const restore = configureDeploymentSecret(null);
    try {
      for (const fn of await publicFunctions()) {
        const error = await failure(call(t, fn, { ...(sampleOf(fn.args) as Record<string, Value>), secret }));
        expect(codeOf(error), fn.path).toBe('not_configured');
        expect((error as Error).message).toContain('npx convex env set CONVEX_SERVER_SECRET');
      }
    } finally {
      restore();
    }
  });

  it('compares secrets whatever their lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', 'a')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});

// ---- behaviour beyond the store contract -------------------------------------------------------------------

async function conversationWithMessages(t: ConvexTestInstance, count: number, status: 'complete' | 'streaming') {
  return await t.run(async (ctx) => {
    const conversationId = await ctx.db.insert('conversations', {
      sessionId: `bulk-${status}-${count}`,
      createdAt: T0,
      updatedAt: T0,
      origin: null,
      pageUrl: null,
      userAgent: null,
      messageCount: count,
      errorCount: 0,
      stoppedCount: 0,
      feedbackUp: 0,
      feedbackDown: 0,
      totalTokens: 0,
      lastMessagePreview: null,
      lastMessageRole: null,
    });
    for (let index = 0; index < count; index += 1) {
      await ctx.db.insert('messages', {
        conversationId,
        role: 'assistant',
        content: `reply ${index}`,
        status,
        createdAt: T0 + index,
        model: null,
        usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
        finishReason: null,
        errorCode: null,
        firstTokenMs: null,
        totalMs: null,
        feedback: null,
      });
    }
    return conversationId;
  });
}

const countMessages = (t: ConvexTestInstance) => t.run(async (ctx) => (await ctx.db.query('messages').collect()).length);

describe('admin:deleteConversation', () => {
  it('removes the conversation at once and its messages in bounded batches', async () => {
    const t = newConvexTest();
    const conversationId = await conversationWithMessages(t, 300, 'complete');

    const first = await t.mutation(api.admin.deleteConversation, { secret, conversationId });
    expect(first).toEqual({ existed: true, done: false });
    expect(await t.query(api.admin.getThread, { secret, conversationId })).toBeNull();
    expect(await countMessages(t)).toBe(300 - 256);

    const second = await t.mutation(api.admin.deleteConversation, { secret, conversationId });
    expect(second).toEqual({ existed: false, done: true });
    expect(await countMessages(t)).toBe(0);
  });

  it('says an id that is not a conversation id did not exist', async () => {
    const t = newConvexTest();
    expect(await t.mutation(api.admin.deleteConversation, { secret, conversationId: 'garbage' })).toEqual({
      existed: false,
      done: true,
    });
  });
});

describe('admin:recoverInterrupted', () => {
  it('recovers in bounded batches and counts each recovered reply on its conversation', async () => {
    const t = newConvexTest();
    const conversationId = await conversationWithMessages(t, 300, 'streaming');
    const now = T0 + 3_600_000;
    const first = await t.mutation(api.admin.recoverInterrupted, { secret, olderThanMs: 60_000, now });
    expect(first).toEqual({ recovered: 256, done: false });
    const second = await t.mutation(api.admin.recoverInterrupted, { secret, olderThanMs: 60_000, now });
    expect(second).toEqual({ recovered: 44, done: true });
    const thread = await t.query(api.admin.getThread, { secret, conversationId });
    expect(thread?.conversation.errorCount).toBe(300);
    expect(thread?.messages.every((message) => message.errorCode === 'interrupted')).toBe(true);
  });
});

describe('admin:stats', () => {
  it('pages through messages and the parts add up to the whole', async () => {
    const t = newConvexTest();
    await conversationWithMessages(t, 25, 'complete');
    let cursor: string | null = null;
    let pages = 0;
    let messages = 0;
    let tokens = 0;
    for (;;) {
      const page: { days: Array<{ messages: number; tokens: number }>; isDone: boolean; continueCursor: string } =
        await t.query(api.admin.stats, {
          secret,
          from: T0,
          to: T0 + 1000,
          source: 'messages',
          paginationOpts: { numItems: 10, cursor },
        });
      pages += 1;
      for (const day of page.days) {
        messages += day.messages;
        tokens += day.tokens;
      }
      if (page.isDone) break;
      cursor = page.continueCursor;
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(messages).toBe(25);
    expect(tokens).toBe(50);
  });
});

describe('admin:listConversations', () => {
  it('requires all words within one message, not spread over the conversation', async () => {
    const t = newConvexTest();
    const turn = async (sessionId: string, content: string) =>
      await t.mutation(api.chat.startTurn, { secret, sessionId, content, model: null, historyLimit: 1, now: T0 });
    const spread = await turn('spread', 'pizza tonight');
    await turn('spread', 'where is my parcel');
    const together = await turn('together', 'a pizza parcel please');
    const page = await t.query(api.admin.listConversations, { secret, limit: 10, q: 'pizza parcel' });
    expect(page.items.map((conversation) => conversation.id)).toEqual([together.conversation!.id]);
    expect(spread.conversation!.id).not.toBe(together.conversation!.id);
  });

  it('fills a page across many conversations the filter skips', async () => {
    const t = newConvexTest();
    await t.run(async (ctx) => {
      for (let index = 0; index < 60; index += 1) {
        await ctx.db.insert('conversations', {
          sessionId: `s-${index}`,
          createdAt: T0,
          updatedAt: T0 + index,
          origin: null,
          pageUrl: null,
          userAgent: null,
          messageCount: 2,
          // Every tenth conversation has a failed reply.
          errorCount: index % 10 === 0 ? 1 : 0,
          stoppedCount: 0,
          feedbackUp: 0,
          feedbackDown: 0,
          totalTokens: 0,
          lastMessagePreview: null,
          lastMessageRole: null,
        });
      }
    });
    const first = await t.query(api.admin.listConversations, { secret, limit: 4, problem: 'error' });
    expect(first.items.map((conversation) => conversation.updatedAt)).toEqual([T0 + 50, T0 + 40, T0 + 30, T0 + 20]);
    const second = await t.query(api.admin.listConversations, { secret, limit: 4, problem: 'error', cursor: first.nextCursor });
    expect(second.items.map((conversation) => conversation.updatedAt)).toEqual([T0 + 10, T0]);
    expect(second.nextCursor).toBeNull();
  });

  it('rejects a malformed cursor as invalid_cursor', async () => {
    const t = newConvexTest();
    const error = await failure(t.query(api.admin.listConversations, { secret, limit: 5, cursor: 'abc' }));
    expect(codeOf(error)).toBe('invalid_cursor');
  });
});

describe('search words', () => {
  it('splits on anything but letters and digits, lower-cased, at most 16 words', () => {
    expect(searchWords('  Pizza, "NEAR"(city)* ')).toEqual(['pizza', 'near', 'city']);
    expect(searchWords('Ünïcode straße 42')).toEqual(['ünïcode', 'straße', '42']);
    expect(searchWords(Array.from({ length: 20 }, (_, index) => `w${index}`).join(' '))).toHaveLength(MAX_SEARCH_WORDS);
    expect(searchWords('"*()')).toEqual([]);
  });

  it('prefix-matches every word against the words of a message', () => {
    expect(matchesAllTerms('Do you deliver Margherita pizza?', ['marg', 'deliv'])).toBe(true);
    expect(matchesAllTerms('Do you deliver Margherita pizza?', ['pizza', 'parcel'])).toBe(false);
    expect(matchesAllTerms('(pizza)', ['pizza'])).toBe(true);
    expect(matchesAllTerms('unpizza', ['pizza'])).toBe(false);
  });
});

describe('chat:startTurn', () => {
  it('keeps one conversation per session across turns', async () => {
    const t = newConvexTest();
    const args = { secret, sessionId: 'same', content: 'hi', model: 'm', historyLimit: 10 };
    const first = await t.mutation(api.chat.startTurn, { ...args, now: T0 });
    const second = await t.mutation(api.chat.startTurn, { ...args, now: T0 + 1 });
    expect(second.conversation!.id).toBe(first.conversation!.id);
    const count = await t.run(async (ctx) => (await ctx.db.query('conversations').collect()).length);
    expect(count).toBe(1);
  });
});
