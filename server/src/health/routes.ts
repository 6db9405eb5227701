/** Liveness (`/health`, the process answers) and readiness (`/health/ready`, the store answers and a model is set). */
import { Elysia, t } from 'elysia';
import { ErrorBody } from '../http/http-error.ts';
import { needsNoKey } from '../http/openapi-security.ts';
import type { LlmProvider } from '../llm/types.ts';
import type { ChatStore } from '../store/chat-store.ts';

const Check = t.Object({ ok: t.Boolean(), detail: t.String() });
// Probes take no input, yet like every route they refuse a malformed URL (http/request-guard.ts).
const MalformedUrl = { 400: ErrorBody };
const Ready = t.Object({ status: t.Union([t.Literal('ready'), t.Literal('not_ready')]), store: Check, llm: Check }, { title: 'Readiness' });

export function healthRoutes({ store, llm, storeTimeoutMs = 3000 }: { store: ChatStore; llm: LlmProvider | null; storeTimeoutMs?: number }) {
  return new Elysia({ name: 'health-routes', detail: needsNoKey })
    .get('/health', () => ({ status: 'ok' as const }), {
      response: { 200: t.Object({ status: t.Literal('ok') }, { title: 'Liveness' }), ...MalformedUrl },
      detail: { tags: ['Health'], summary: 'Liveness: the process answers' },
    })
    .get(
      '/health/ready',
      async ({ set }) => {
        let storeCheck: { ok: boolean; detail: string } = { ok: true, detail: store.kind };
        try {
          await Promise.race([
            store.ping(),
            new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), storeTimeoutMs)),
          ]);
        } catch (error) {
          storeCheck = { ok: false, detail: `${store.kind} store is not answering (${error instanceof Error ? error.message.slice(0, 120) : 'error'})` };
        }
        const llmCheck = llm
          ? { ok: true, detail: `model ${llm.describe().model}` }
          : { ok: false, detail: 'no LLM configured: set OPENAI_API_KEY or OPENAI_BASE_URL' };
        const ready = storeCheck.ok && llmCheck.ok;
        set.status = ready ? 200 : 503;
        return { status: ready ? ('ready' as const) : ('not_ready' as const), store: storeCheck, llm: llmCheck };
      },
      { response: { 200: Ready, 503: Ready, ...MalformedUrl }, detail: { tags: ['Health'], summary: 'Readiness: store answers and an LLM is configured' } },
    );
}
