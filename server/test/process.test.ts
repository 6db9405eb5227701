/** The real entry point as a process: first run, production refusal, and a SIGKILL in the middle of a stream. */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/store/sqlite/store.ts';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.ts';
import { readNdjson } from './support/ndjson.ts';
import { freePort, spawnServer, untilHealthy } from './support/server-process.ts';

let dir: string;
let fakeLlm: FakeLlm;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ocw-process-'));
  fakeLlm = await startFakeLlm();
});
afterAll(async () => {
  await fakeLlm.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(env: Record<string, string>) {
  const port = await freePort();
  const child = spawnServer(dir, { PORT: String(port), HOST: '127.0.0.1', ...env });
  const url = `http://127.0.0.1:${port}`;
  await untilHealthy(url, child).catch((error: unknown) => {
    child.kill();
    throw error;
  });
  return { child, url };
}

describe('the server process', () => {
  it('starts with no configuration at all, prints a generated key and a ready-to-paste embed snippet', async () => {
    const { child, url } = await startServer({});
    try {
      const reader = child.stdout.getReader();
      let out = '';
      while (!out.includes('data-api-key=')) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      const key = /data-api-key="([^"]+)"/.exec(out)?.[1];
      expect(key).toBeString();
      expect(out).toContain(`<script src="http://localhost:`);
      expect(out).toContain('/widget/chat-widget.js');
      // The printed key is the one the server accepts; no LLM is configured, so chat says which variable to set.
      const chat = await fetch(`${url}/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key! }, body: JSON.stringify({ sessionId: 's1', message: 'hi' }) });
      expect(chat.status).toBe(503);
      expect(((await chat.json()) as { code: string }).code).toBe('llm_not_configured');
      expect(await Bun.file(join(dir, 'data', 'chat.db')).exists()).toBe(true);
    } finally {
      child.kill();
      await child.exited;
    }
  });

  it('refuses to start in production with weak secrets, one clear line per problem', async () => {
    const child = spawnServer(dir, { NODE_ENV: 'production', WIDGET_API_KEY: 'short', CORS_ORIGIN: '*' });
    expect(await child.exited).toBe(1);
    const err = await new Response(child.stderr).text();
    expect(err).toContain('cannot start (production mode)');
    expect(err).toContain('- WIDGET_API_KEY is too short');
    expect(err).toContain('- CORS_ORIGIN="*" is refused');
    expect(err).not.toContain('    at '); // no stack trace
  });

  it('refuses NODE_ENV=Production and an admin key equal to the widget key, one line each, instead of running in development', async () => {
    const key = '9f3c1a7e5b2d48c6a0e1f7b3d5c9e2a4b6d8f0a1c3e5b7d9';
    const child = spawnServer(dir, { NODE_ENV: 'Production', WIDGET_API_KEY: key, ADMIN_API_KEY: key, CORS_ORIGIN: 'https://shop.example', PORT: '0' });
    expect(await child.exited).toBe(1);
    const lines = (await new Response(child.stderr).text()).trim().split('\n');
    expect(lines).toEqual([
      'Open Chat Widget server cannot start (production mode):',
      '  - NODE_ENV must be one of development, production, test (got "Production"; the value is case-sensitive).',
      expect.stringMatching(/^ {2}- ADMIN_API_KEY must differ from WIDGET_API_KEY: /),
    ]);
  });

  it('loses no user message when killed with SIGKILL mid-stream, and marks the cut reply as interrupted at the next boot', async () => {
    const dbPath = join(dir, 'kill.db');
    const env = { WIDGET_API_KEY: 'kill-test-key-0123456789abcdef', DATABASE_PATH: dbPath, OPENAI_BASE_URL: fakeLlm.url, OPENAI_API_KEY: 'sk-test' };
    fakeLlm.script({ kind: 'reply', tokens: Array.from({ length: 100 }, (_, i) => ` t${i}`), delayMs: 30 });
    const first = await startServer(env);
    const response = await fetch(`${first.url}/v1/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': env.WIDGET_API_KEY },
      body: JSON.stringify({ sessionId: 'killed-session', message: 'the message that must survive' }),
    });
    const reader = readNdjson(response);
    expect((await reader.next())!.type).toBe('start');
    expect((await reader.next())!.type).toBe('token');
    first.child.kill('SIGKILL');
    await first.child.exited;
    await reader.cancel().catch(() => {});

    const second = await startServer(env);
    second.child.kill();
    await second.child.exited;
    const store = await openSqliteStore(dbPath);
    try {
      const thread = await store.getSessionThread('killed-session', 10);
      expect(thread!.messages[0]).toMatchObject({ role: 'user', content: 'the message that must survive', status: 'complete' });
      expect(thread!.messages[1]).toMatchObject({ role: 'assistant', status: 'error', errorCode: 'interrupted' });
    } finally {
      await store.close();
    }
  });

  describe('on SIGTERM (a deploy or a restart)', () => {
    const streamTurn = async (url: string, key: string, sessionId: string) => {
      const response = await fetch(`${url}/v1/chat/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ sessionId, message: 'a question asked during a deploy' }),
      });
      const reader = readNdjson(response);
      expect((await reader.next())!.type).toBe('start');
      expect((await reader.next())!.type).toBe('token');
      return reader;
    };
    const rest = async (reader: ReturnType<typeof readNdjson>) => {
      const events: { type: string; code?: string }[] = [];
      for (let event = await reader.next(); event; event = await reader.next()) events.push(event as { type: string; code?: string });
      return events;
    };
    const storedReply = async (dbPath: string, sessionId: string) => {
      const store = await openSqliteStore(dbPath);
      try {
        return (await store.getSessionThread(sessionId, 10))!.messages;
      } finally {
        await store.close();
      }
    };

    it('lets a reply that is streaming finish, then stores it complete', async () => {
      const dbPath = join(dir, 'drain.db');
      const env = { WIDGET_API_KEY: 'drain-test-key-0123456789abcdef', DATABASE_PATH: dbPath, OPENAI_BASE_URL: fakeLlm.url, OPENAI_API_KEY: 'sk-test', SHUTDOWN_GRACE_MS: '10000' };
      fakeLlm.script({ kind: 'reply', tokens: Array.from({ length: 20 }, (_, i) => ` t${i}`), delayMs: 20 });
      const server = await startServer(env);
      const reader = await streamTurn(server.url, env.WIDGET_API_KEY, 'drained-session');
      server.child.kill('SIGTERM');
      const events = await rest(reader);
      expect(events.at(-1)!.type).toBe('done');
      expect(await server.child.exited).toBe(0);
      const messages = await storedReply(dbPath, 'drained-session');
      expect(messages.map((m) => [m.role, m.status])).toEqual([['user', 'complete'], ['assistant', 'complete']]);
    });

    it('cuts a reply still running after SHUTDOWN_GRACE_MS, tells the visitor, and stores it as interrupted', async () => {
      const dbPath = join(dir, 'cut.db');
      const env = { WIDGET_API_KEY: 'cut-test-key-0123456789abcdef0', DATABASE_PATH: dbPath, OPENAI_BASE_URL: fakeLlm.url, OPENAI_API_KEY: 'sk-test', SHUTDOWN_GRACE_MS: '300' };
      fakeLlm.script({ kind: 'reply', tokens: Array.from({ length: 1000 }, (_, i) => ` t${i}`), delayMs: 50 });
      const server = await startServer(env);
      const reader = await streamTurn(server.url, env.WIDGET_API_KEY, 'cut-session');
      server.child.kill('SIGTERM');
      const events = await rest(reader);
      expect(events.at(-1)).toMatchObject({ type: 'error', code: 'interrupted' });
      expect(await server.child.exited).toBe(0);
      const messages = await storedReply(dbPath, 'cut-session');
      expect(messages[0]).toMatchObject({ role: 'user', content: 'a question asked during a deploy', status: 'complete' });
      expect(messages[1]).toMatchObject({ role: 'assistant', status: 'error', errorCode: 'interrupted' });
      expect(messages[1]!.content.length).toBeGreaterThan(0);
    });
  });
});
