import { fail } from '@sveltejs/kit';
import { AdminApiError } from '#lib/server/admin-api.ts';
import { checkBody, UPLOAD_ENVELOPE_BYTES } from '#lib/server/body-limit.ts';
import { discard } from '#lib/server/request-body.ts';
import { parseSourceForm, parseTextForm, parseUrlForm, refusal, refusalStatus, type KnowledgeFormName, type KnowledgeFormResult, type KnowledgeFormValues } from '#lib/knowledge-forms.ts';
import type { KnowledgeSource } from '#lib/knowledge.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  try {
    return { overview: await locals.deps.knowledge.list(), problem: null, maxFileBytes: locals.deps.config.knowledgeMaxFileBytes };
  } catch (cause) {
    // The page stays usable (and keeps polling) while the chat server is away: say so instead of an error page.
    if (cause instanceof AdminApiError) return { overview: null, problem: refusal(cause.code, cause.message), maxFileBytes: locals.deps.config.knowledgeMaxFileBytes };
    throw cause;
  }
};

/** Runs one admin API call for a form; a refusal goes back to that form with what it posted. */
async function attempt(form: KnowledgeFormName, values: KnowledgeFormValues, call: () => Promise<KnowledgeFormResult>) {
  try {
    return await call();
  } catch (cause) {
    if (!(cause instanceof AdminApiError)) throw cause;
    return fail(refusalStatus(cause.status), { form, ok: false, refusal: refusal(cause.code, cause.message), values } satisfies KnowledgeFormResult);
  }
}

const added = (form: KnowledgeFormName, source: KnowledgeSource): KnowledgeFormResult => ({
  form,
  ok: true,
  message: `Added “${source.title}”: it is being indexed and answers as soon as it is ready.`,
  sourceId: source.id,
});

export const actions: Actions = {
  // The browser's multipart body goes on to the admin API as it arrives: the dashboard never holds the file.
  upload: async ({ request, locals }) => {
    const limit = locals.deps.config.knowledgeMaxFileBytes;
    const size = checkBody('POST', request.headers, limit + UPLOAD_ENVELOPE_BYTES);
    if (!size.ok) {
      // Read (and drop) a body of a plausible size so the browser, still sending it, gets to see the refusal.
      await discard(request.body, Number(request.headers.get('content-length')), 4 * limit);
      const sentence = size.status === 413 ? `The file is larger than the ${limit.toLocaleString('en')}-byte limit (KNOWLEDGE_MAX_FILE_BYTES).` : size.message;
      return fail(size.status, { form: 'file', ok: false, refusal: refusal(size.status === 413 ? 'file_too_large' : size.code, sentence) } satisfies KnowledgeFormResult);
    }
    if (!request.body) return fail(400, { form: 'file', ok: false, refusal: refusal('missing_file') } satisfies KnowledgeFormResult);
    const body = request.body;
    const headers = { contentType: request.headers.get('content-type'), contentLength: request.headers.get('content-length') };
    return attempt('file', {}, async () => added('file', await locals.deps.knowledge.upload(body, headers)));
  },
  text: async ({ request, locals }) => {
    const parsed = parseTextForm(await request.formData());
    if (!parsed.ok) return fail(400, { form: 'text', ok: false, refusal: parsed.refusal, values: parsed.values } satisfies KnowledgeFormResult);
    return attempt('text', parsed.input, async () => added('text', await locals.deps.knowledge.addText(parsed.input)));
  },
  url: async ({ request, locals }) => {
    const parsed = parseUrlForm(await request.formData());
    if (!parsed.ok) return fail(400, { form: 'url', ok: false, refusal: parsed.refusal, values: parsed.values } satisfies KnowledgeFormResult);
    return attempt('url', { url: parsed.input.url, kind: parsed.input.kind }, async () => added('url', await locals.deps.knowledge.addUrl(parsed.input)));
  },
  refetch: async ({ request, locals }) => {
    const parsed = parseSourceForm(await request.formData());
    if (!parsed.ok) return fail(404, { form: 'source', ok: false, refusal: parsed.refusal } satisfies KnowledgeFormResult);
    const { id, title } = parsed.input;
    return attempt('source', {}, async () => {
      const source = await locals.deps.knowledge.refetch(id);
      if (!source) throw new AdminApiError(404, 'source_not_found', 'No knowledge source with that id.');
      return { form: 'source', ok: true, message: `Fetching “${source.title || title}” again: the current version answers until the new one is ready.`, sourceId: id };
    });
  },
  delete: async ({ request, locals }) => {
    const parsed = parseSourceForm(await request.formData());
    if (!parsed.ok) return fail(404, { form: 'source', ok: false, refusal: parsed.refusal } satisfies KnowledgeFormResult);
    const { id, title } = parsed.input;
    // Already gone counts as done: the owner wanted it gone.
    return attempt('source', {}, async () => {
      await locals.deps.knowledge.remove(id);
      return { form: 'source', ok: true, message: `Deleted “${title || 'the source'}”: it is no longer used in answers.` };
    });
  },
};
