/**
 * The provider sends each turn's request itself (llm/chat-call.ts) and hands any failed first attempt to the SDK:
 * these check that the request is the SDK's (URL, key, headers, body), that retries still happen the SDK's way, and
 * that a final failure is still the SDK's error class mapped to ours. Real HTTP against the fake model server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import type { LlmConfig } from '../src/config.ts';
import { createOpenAiProvider } from '../src/llm/openai.ts';
import { LlmError, type LlmEvent } from '../src/llm/types.ts';
import { DEFAULT_REPLY, startFakeLlm, type FakeLlm } from './support/fake-llm.ts';

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.stop());

const config = (baseUrl: string): LlmConfig => ({
  apiKey: 'sk-test-key',
  baseUrl,
  model: 'fake-model',
  temperature: 0.5,
  maxOutputTokens: 64,
  requestTimeoutMs: 10_000,
  idleTimeoutMs: 5_000,
});

async function collect(events: AsyncIterable<LlmEvent>): Promise<string> {
  let text = '';
  for await (const event of events) if (event.type === 'token') text += event.text;
  return text;
}

const messages = [{ role: 'user' as const, content: 'hello "quoted" \u2028 text' }];

describe('OpenAI provider request path', () => {
  it('sends the request the SDK builds: its URL, bearer key, headers and the whole body', async () => {
    llm.script({ kind: 'reply', tokens: DEFAULT_REPLY });
    const before = llm.requests.length;
    const provider = createOpenAiProvider({ config: config(llm.url), maxRetries: 0 });
    expect(await collect(provider.stream(messages, new AbortController().signal))).toBe(DEFAULT_REPLY.join(''));
    const sent = llm.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.authorization).toBe('Bearer sk-test-key');
    expect(sent[0]!.headers['content-type']).toBe('application/json');
    expect(sent[0]!.headers['user-agent']).toStartWith('OpenAI/JS');
    expect(sent[0]!.headers['x-stainless-retry-count']).toBe('0');
    expect(sent[0]!.body).toEqual({
      model: 'fake-model',
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.5,
      max_completion_tokens: 64,
      messages,
    });
  });

  it('retries a failed first attempt through the SDK, which counts it as its first', async () => {
    llm.script({ kind: 'reply', tokens: ['still', ' here'] });
    llm.queue({ kind: 'status', status: 500 }, { kind: 'status', status: 503, retryAfter: 0 });
    const before = llm.requests.length;
    const provider = createOpenAiProvider({ config: config(llm.url), maxRetries: 2 });
    expect(await collect(provider.stream(messages, new AbortController().signal))).toBe('still here');
    const sent = llm.requests.slice(before);
    expect(sent.map((request) => request.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
    expect(sent.every((request) => request.headers.authorization === 'Bearer sk-test-key')).toBe(true);
    expect(sent[2]!.body.messages).toEqual(messages);
  });

  it('does not retry what the SDK would not (401), and maps the SDK error class', async () => {
    llm.script({ kind: 'status', status: 401 });
    const before = llm.requests.length;
    const provider = createOpenAiProvider({ config: config(llm.url), maxRetries: 2 });
    const failure = await collect(provider.stream(messages, new AbortController().signal)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LlmError);
    expect((failure as LlmError).code).toBe('upstream_auth_failed');
    expect(llm.requests.length - before).toBe(1);
    llm.script({ kind: 'reply', tokens: DEFAULT_REPLY });
  });

  it('gives up after the SDK retries a server that cannot be reached', async () => {
    const closed = Bun.serve({ port: 0, fetch: () => new Response('') });
    const url = `http://127.0.0.1:${closed.port}/v1`;
    await closed.stop(true);
    const provider = createOpenAiProvider({ config: config(url), maxRetries: 1 });
    const failure = await collect(provider.stream(messages, new AbortController().signal)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LlmError);
    expect((failure as LlmError).code).toBe('upstream_unavailable');
  });
});
