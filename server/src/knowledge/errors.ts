/**
 * The knowledge base's refusals: a stable code and a sentence, no HTTP (http/errors.ts maps each code to a status).
 * Each leaves the knowledge base as it was.
 */

export const KNOWLEDGE_ERROR_CODES = [
  'source_not_found',
  'empty_file',
  'unsupported_file_type',
  'not_text',
  'file_too_large',
  'invalid_pdf',
  'empty_text',
  'invalid_url',
  'url_refused',
  'fetch_failed',
  'sitemap_loop',
  'sitemap_invalid',
  'not_refetchable',
  'knowledge_disabled',
] as const;
export type KnowledgeErrorCode = (typeof KNOWLEDGE_ERROR_CODES)[number];

export class KnowledgeError extends Error {
  constructor(
    readonly code: KnowledgeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'KnowledgeError';
  }
}

const fail = (code: KnowledgeErrorCode, message: string) => new KnowledgeError(code, message);

export const knowledgeError = {
  notFound: () => fail('source_not_found', 'No knowledge source with that id.'),
  emptyFile: () => fail('empty_file', 'The file is empty.'),
  unsupportedType: (name: string) =>
    fail('unsupported_file_type', `"${name}" is not a supported file: upload .md, .markdown, .txt, .html, .htm or .pdf.`),
  notText: (name: string) => fail('not_text', `"${name}" does not contain text (it looks like a binary file with a text extension).`),
  tooLarge: (maxBytes: number) => fail('file_too_large', `The file is larger than the ${maxBytes}-byte limit (KNOWLEDGE_MAX_FILE_BYTES).`),
  invalidPdf: (name: string) => fail('invalid_pdf', `"${name}" is not a readable PDF (it is damaged or encrypted).`),
  emptyText: (what: string) => fail('empty_text', `${what} has no text to index.`),
  invalidUrl: (why: string) => fail('invalid_url', why),
  urlRefused: (why: string) => fail('url_refused', why),
  fetchFailed: (why: string) => fail('fetch_failed', why),
  sitemapLoop: (url: string) => fail('sitemap_loop', `The sitemap at ${url} refers back to itself (a sitemap index loop).`),
  sitemapInvalid: (why: string) => fail('sitemap_invalid', why),
  notRefetchable: () => fail('not_refetchable', 'Only URL and sitemap sources can be fetched again; upload the file again instead.'),
  disabled: () => fail('knowledge_disabled', 'The knowledge base is turned off on this server (KNOWLEDGE_MODE=off).'),
};
