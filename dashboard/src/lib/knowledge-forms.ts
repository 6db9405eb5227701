/**
 * The Knowledge page's forms: what each posts, how a post becomes an admin API input (or the dashboard's own
 * refusal), and the result a form shows afterwards. Pure, so the rules are tested without a server.
 */
import { isSourceId, refusalHeadline } from './knowledge.ts';

export type KnowledgeFormName = 'file' | 'text' | 'url' | 'source';

/** What a form posted, given back to refill it after a refusal (never the file itself). */
export interface KnowledgeFormValues {
  title?: string;
  text?: string;
  url?: string;
  kind?: string;
}

export interface KnowledgeRefusal {
  code: string;
  /** What went wrong, in the dashboard's words. */
  headline: string;
  /** The chat server's own sentence when it adds something (the file name, the limit, the address). */
  detail: string | null;
}

/** An action's answer, shown by the form that posted (`form`). */
export type KnowledgeFormResult =
  | { form: KnowledgeFormName; ok: true; message: string; sourceId?: string }
  | { form: KnowledgeFormName; ok: false; refusal: KnowledgeRefusal; values?: KnowledgeFormValues; sourceId?: string };

export const MAX_TITLE_CHARS = 200;
export const MAX_URL_CHARS = 2048;

type Parsed<T> = { ok: true; input: T } | { ok: false; refusal: KnowledgeRefusal; values: KnowledgeFormValues };

const text = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};

export function refusal(code: string, serverSentence: string | null = null): KnowledgeRefusal {
  const headline = refusalHeadline(code);
  if (headline) return { code, headline, detail: serverSentence && serverSentence !== headline ? serverSentence : null };
  return { code, headline: serverSentence ?? 'The request was refused.', detail: null };
}

export function parseTextForm(form: FormData): Parsed<{ title: string; text: string }> {
  const values = { title: text(form, 'title'), text: text(form, 'text') };
  const title = values.title.trim();
  const body = values.text.trim();
  if (!title) return { ok: false, refusal: refusal('missing_title'), values };
  if (title.length > MAX_TITLE_CHARS) return { ok: false, refusal: refusal('title_too_long'), values };
  if (!body) return { ok: false, refusal: refusal('missing_text'), values };
  return { ok: true, input: { title, text: body } };
}

export function parseUrlForm(form: FormData): Parsed<{ url: string; kind?: 'page' | 'sitemap' }> {
  const values = { url: text(form, 'url'), kind: text(form, 'kind') };
  const url = values.url.trim();
  if (!url) return { ok: false, refusal: refusal('missing_url'), values };
  if (url.length > MAX_URL_CHARS) return { ok: false, refusal: refusal('invalid_url', `Use an address of at most ${MAX_URL_CHARS} characters.`), values };
  // The server decides what a URL may be (it checks the address after DNS); here only the scheme, for a quick answer.
  if (!/^https?:\/\//i.test(url)) return { ok: false, refusal: refusal('invalid_url', 'Start the address with http:// or https://.'), values };
  const kind = values.kind === 'page' || values.kind === 'sitemap' ? values.kind : undefined;
  return { ok: true, input: kind ? { url, kind } : { url } };
}

/** Re-fetch and delete post the source's id (and its title, for the confirmation message). */
export function parseSourceForm(form: FormData): Parsed<{ id: string; title: string }> {
  const id = text(form, 'id');
  if (!isSourceId(id)) return { ok: false, refusal: refusal('source_not_found'), values: {} };
  return { ok: true, input: { id, title: text(form, 'title').trim().slice(0, MAX_TITLE_CHARS) } };
}

/** HTTP status of a refusal the action answers: the API's 4xx as is, anything else as 502 (the server failed). */
export function refusalStatus(apiStatus: number): number {
  return apiStatus >= 400 && apiStatus < 500 ? apiStatus : 502;
}
