/**
 * The OpenAPI document is what other teams generate clients from: it must pass Redocly's recommended rules (the
 * settings and the one accepted exception are in /redocly.yaml), and the key each operation declares must be the key
 * its route actually asks for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NO_LIMITS_ENV, startTestServer, type TestServer } from './support/server.ts';

const ROOT = resolve(import.meta.dir, '../..');
const REDOCLY = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}
interface Operation {
  security?: Record<string, string[]>[];
  responses?: Record<string, unknown>;
  requestBody?: { content?: Record<string, unknown> };
}
interface OpenApiDocument {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
}

let server: TestServer;
let dir: string;
let doc: OpenApiDocument;

beforeAll(async () => {
  server = await startTestServer({ env: NO_LIMITS_ENV });
  dir = mkdtempSync(join(tmpdir(), 'ocw-openapi-'));
  doc = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as OpenApiDocument;
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `redocly lint` on the document as served: offline (no telemetry, no version check), JSON report. */
function lint(document: unknown): { totals: { errors: number; warnings: number }; problems: LintProblem[] } {
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document, null, 2));
  const run = Bun.spawnSync(['bun', REDOCLY, 'lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format=json', '--max-problems=1000'], {
    cwd: ROOT,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true', NO_COLOR: '1' },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const out = run.stdout.toString();
  if (!out.trim().startsWith('{')) throw new Error(`redocly lint gave no JSON report (exit ${run.exitCode}):\n${out}\n${run.stderr.toString()}`);
  return JSON.parse(out);
}

const summary = (problems: LintProblem[]) => problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);

describe('GET /v1/openapi.json under Redocly lint (recommended rules)', () => {
  it('has no error and no warning', () => {
    const report = lint(doc);
    // On a `nullable` problem: build nullable shapes with `nullable()` from store/schemas.ts, not `t.Nullable`.
    // On `security-defined`: give the routes instance `detail: needsWidgetKey | needsAdminKey | needsNoKey`.
    expect(summary(report.problems)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('is a 3.1 document with no 3.0-only `nullable` keyword anywhere', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(JSON.stringify(doc)).not.toContain('"nullable"');
    expect(doc.servers?.length).toBeGreaterThan(0);
  });

  it('types every number in a reply as a number (no `string | integer` that a generated client would copy)', () => {
    const replies = Object.values(doc.paths).flatMap((operations) => Object.values(operations).map((operation) => JSON.stringify(operation.responses)));
    for (const reply of replies) expect(reply).not.toContain('"format":"integer"');
  });

  it('fails the lint for the defects it once had (the check can fail)', () => {
    const broken = structuredClone(doc);
    const [firstPath] = Object.keys(broken.paths);
    const firstOperation = Object.values(broken.paths[firstPath!]!)[0]!;
    delete firstOperation.security;
    delete broken.servers;
    const rules = lint(broken).problems.filter((p) => p.severity === 'error').map((p) => p.ruleId);
    expect(rules).toContain('security-defined');
    expect(rules).toContain('no-empty-servers');
  });
});

describe('the key each operation declares', () => {
  /** A request to `path` with no key at all, its body of the media type the operation takes: the gate answers first. */
  async function withoutKey(method: string, path: string, operation: Operation): Promise<Response> {
    const url = `${server.url}${path.replace(/\{[^}]+\}/g, 'some-id')}`;
    const [bodyType] = Object.keys(operation.requestBody?.content ?? {});
    if (!bodyType) return fetch(url, { method: method.toUpperCase() });
    if (bodyType === 'multipart/form-data') return fetch(url, { method: method.toUpperCase(), body: new FormData() });
    return fetch(url, { method: method.toUpperCase(), headers: { 'content-type': bodyType }, body: '{}' });
  }

  it('is the key its route refuses to answer without, and a public operation declares none', async () => {
    const mismatches: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
        const response = await withoutKey(method, path, operation);
        const { code } = (await response.json().catch(() => ({}))) as { code?: string };
        const expected = schemes.includes('adminKey') ? 'missing_admin_key' : schemes.includes('widgetKey') ? 'missing_api_key' : null;
        if (expected ? code !== expected : response.status === 401) {
          mismatches.push(`${method.toUpperCase()} ${path} declares ${JSON.stringify(operation.security)} but answered ${response.status} ${code ?? ''}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('the media types each operation declares', () => {
  const documented = (method: string, path: string) => Object.keys((doc.paths[path]?.[method]?.responses?.['200'] as { content?: object })?.content ?? {});
  const mediaTypeOf = (response: Response) => (response.headers.get('content-type') ?? '').split(';')[0]!.trim();

  it('is what the route sends: NDJSON streams, CSV and JSONL exports, JSON elsewhere', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['Hello'] });
    const sent: Array<[method: string, path: string, response: Response]> = [
      ['post', '/v1/chat/stream', await server.post('/v1/chat/stream', { sessionId: 'openapi-media-0001', message: 'Hi' })],
      ['get', '/v1/admin/export', await server.admin('/v1/admin/export?format=csv')],
      ['get', '/v1/admin/export', await server.admin('/v1/admin/export?format=jsonl')],
      ['get', '/v1/admin/stats', await server.admin('/v1/admin/stats')],
      ['post', '/v1/chat/history', await server.post('/v1/chat/history', { sessionId: 'openapi-media-0001' })],
    ];
    for (const [method, path, response] of sent) {
      await response.text();
      expect(`${method} ${path} ${response.status}`).toBe(`${method} ${path} 200`);
      expect(documented(method, path)).toContain(mediaTypeOf(response));
    }
    expect(documented('post', '/chat')).toEqual(['application/x-ndjson']);
    expect(documented('get', '/widget/chat-widget.js')).toEqual(['application/javascript']);
    // And the one body that is not JSON: a file upload.
    expect(Object.keys(doc.paths['/v1/admin/knowledge/files']?.post?.requestBody?.content ?? {})).toEqual(['multipart/form-data']);
  });

  it('is the same every time the document is served (the rewrite runs on a cached document)', async () => {
    expect(await (await fetch(`${server.url}/v1/openapi.json`)).json()).toEqual(doc);
  });
});
