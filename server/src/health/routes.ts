/**
 * Liveness (`/health`, the process answers) and readiness (`/health/ready`, the store answers and a model is set),
 * open to anyone, so they say only which part is failing. The details a reader could use against the deployment (the
 * model's name, the store's kind and its error text) are for the admin key: `GET /v1/admin/health`.
 */
import { Elysia, t } from 'elysia';
import type { AppConfig } from '../config.ts';
import { adminAccess, type IpLimiters } from '../http/access.ts';
import { commonErrors, ErrorBody } from '../http/http-error.ts';
import { needsAdminKey, needsNoKey } from '../http/openapi-security.ts';
import type { LlmProvider } from '../llm/types.ts';
import type { ChatStore } from '../store/chat-store.ts';
import { nullable } from '../store/schemas.ts';

const Check = t.Object({ ok: t.Boolean(), detail: t.String() });
// Probes take no input, yet like every route they refuse a malformed URL (http/request-guard.ts).
const MalformedUrl = { 400: ErrorBody };
const Ready = t.Object({ status: t.Union([t.Literal('ready'), t.Literal('not_ready')]), store: Check, llm: Check }, { title: 'Readiness' });
const AdminHealth = t.Object(
  {
    status: t.Union([t.Literal('ready'), t.Literal('not_ready')]),
    store: t.Object({ ok: t.Boolean(), kind: t.String(), detail: t.String({ description: 'The store\'s own error text when it is not answering.' }) }),
    llm: t.Object({ ok: t.Boolean(), model: nullable(t.String()), detail: t.String() }),
  },
  { title: 'AdminHealth' },
);

interface HealthDeps {
  store: ChatStore;
  llm: LlmProvider | null;
  storeTimeoutMs?: number;
}

/** The whole truth about readiness, for the admin route; the public route shows a redacted view of it. */
async function checkReadiness({ store, llm, storeTimeoutMs = 3000 }: HealthDeps): Promise<typeof AdminHealth.static> {
  let storeCheck = { ok: true, kind: store.kind, detail: `${store.kind} store is answering` };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      store.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), storeTimeoutMs);
      }),
    ]);
  } catch (error) {
    storeCheck = { ok: false, kind: store.kind, detail: `${store.kind} store is not answering (${error instanceof Error ? error.message.slice(0, 200) : 'error'})` };
  } finally {
    clearTimeout(timer);
  }
  const llmCheck = llm
    ? { ok: true, model: llm.describe().model, detail: `model ${llm.describe().model}` }
    : { ok: false, model: null, detail: 'no LLM configured: set OPENAI_API_KEY or OPENAI_BASE_URL' };
  return { status: storeCheck.ok && llmCheck.ok ? 'ready' : 'not_ready', store: storeCheck, llm: llmCheck };
}

export function healthRoutes(deps: HealthDeps) {
  return new Elysia({ name: 'health-routes', detail: needsNoKey })
    .get('/health', () => ({ status: 'ok' as const }), {
      response: { 200: t.Object({ status: t.Literal('ok') }, { title: 'Liveness' }), ...MalformedUrl },
      detail: { tags: ['Health'], summary: 'Liveness: the process answers' },
    })
    .get(
      '/health/ready',
      async ({ set }) => {
        const { status, store, llm } = await checkReadiness(deps);
        set.status = status === 'ready' ? 200 : 503;
        return {
          status,
          store: { ok: store.ok, detail: store.ok ? 'the store is answering' : 'the store is not answering' },
          llm: { ok: llm.ok, detail: llm.ok ? 'a model is configured' : 'no model is configured' },
        };
      },
      {
        response: { 200: Ready, 503: Ready, ...MalformedUrl },
        detail: {
          tags: ['Health'],
          summary: 'Readiness: store answers and an LLM is configured',
          description: 'Public, so it names the failing part only; GET /v1/admin/health gives the details.',
        },
      },
    );
}

export function adminHealthRoutes({ config, limiters, ...deps }: HealthDeps & { config: AppConfig; limiters: IpLimiters }) {
  return new Elysia({ name: 'admin-health-routes', seed: config, prefix: '/v1/admin', detail: needsAdminKey }).use(adminAccess({ config, limiters })).get(
    '/health',
    async ({ set }) => {
      const health = await checkReadiness(deps);
      set.status = health.status === 'ready' ? 200 : 503;
      return health;
    },
    {
      response: { ...commonErrors, 200: AdminHealth, 503: AdminHealth },
      detail: { tags: ['Admin'], summary: 'Readiness with its details', description: 'The store kind and its error text, the model name: what /health/ready keeps to itself.' },
    },
  );
}
