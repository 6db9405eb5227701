/**
 * The hostile-input suite: every route the app registers is attacked with generated bad input (support/hostile-cases.ts)
 * and must answer each case with a 4xx `{error, code}` (or, for odd but legitimate input, anything but a 5xx) — never
 * HTML, never a stack trace — and keep serving. Routes come from the app and fields from the OpenAPI document, so a
 * new route or field is covered without a new case being written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { createApp } from '../src/app.ts';
import { knowledgeBodyRule } from '../src/http/knowledge-body-rules.ts';
import { describeRoutes, generateCases, type HostileCase, type RouteInfo } from './support/hostile-cases.ts';
import { answerOf, rawRequest, verdict, type Answer } from './support/hostile-http.ts';
import { NO_LIMITS_ENV, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let routes: RouteInfo[];
let batches: Array<{ route: RouteInfo; cases: HostileCase[] }>;

beforeAll(async () => {
  server = await startTestServer({
    env: {
      CORS_ORIGIN: 'https://good.example.com',
      DEMO_PAGE: 'true',
      // Limits off: this suite is about input handling; the limits have their own attacks in security-*.test.ts.
      ...NO_LIMITS_ENV,
    },
  });
  const doc = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  // A second app on the same config, never listening: only its route table is read.
  const appRoutes = createApp({ config: server.config, store: server.store, llm: null, knowledge: server.knowledge }).routes.map((r) => ({ method: r.method, path: r.path }));
  routes = describeRoutes(appRoutes, doc);
  batches = generateCases(routes, server, {
    maxBodyBytes: server.config.maxBodyBytes,
    bodyLimitOf: (method, path) => knowledgeBodyRule(new Request(`http://localhost${path}`, { method }), server.config)?.maxBytes ?? null,
  });
});
afterAll(async () => {
  await server.stop();
});

async function send(c: HostileCase): Promise<Answer> {
  if (c.kind === 'raw') return rawRequest(server.port, c.head, c.body);
  const response = await fetch(server.url + c.path, { method: c.method, headers: c.headers, body: c.body, redirect: 'manual' });
  return answerOf(response);
}

async function inParallel<T, R>(items: T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

describe('hostile input on every route', () => {
  it('covers every route the app registers, including the ones the OpenAPI document describes', async () => {
    const doc = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const covered = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item)) expect(covered).toContain(`${method.toUpperCase()} ${path}`);
    }
    for (const route of ['GET /', 'POST /chat', 'GET /v1/admin/conversations/{id}', 'DELETE /v1/admin/conversations/{id}']) expect(covered).toContain(route);
  });

  it('answers every generated case with a JSON refusal (or, for odd but legitimate input, no 5xx) and keeps serving', async () => {
    const failures: string[] = [];
    let tried = 0;
    for (const { route, cases } of batches) {
      const answers = await inParallel(cases, 12, async (c) => {
        try {
          return { c, problem: verdict(await send(c), c.expect) };
        } catch (error) {
          return { c, problem: `no answer: ${String(error).slice(0, 160)}` };
        }
      });
      tried += cases.length;
      for (const { c, problem } of answers) if (problem) failures.push(`${c.name} → ${problem}`);
      // The server must still be serving after each route's batch.
      const health = await fetch(`${server.url}/health`);
      expect(`${route.method} ${route.path}: health ${health.status}`).toBe(`${route.method} ${route.path}: health 200`);
      expect(await health.json()).toEqual({ status: 'ok' });
    }
    console.log(`hostile-input suite: ${tried} cases tried across ${routes.length} routes, ${failures.length} failed`);
    expect(failures).toEqual([]);
    expect(tried).toBeGreaterThan(500);
    // Nothing the suite sent made the server fail internally (a 5xx it might have hidden), or polluted prototypes.
    const internalErrors = server.logs.filter((line) => JSON.parse(line).level === 'error');
    expect(internalErrors).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);
});
