/** The knowledge base's refusals, as the one AppError type the HTTP layer maps to `{ error, code }`. */
import { AppError } from '../errors.ts';

export const knowledgeError = {
  notFound: () => new AppError(404, 'source_not_found', 'No knowledge source with that id.'),
  emptyFile: () => new AppError(400, 'empty_file', 'The file is empty.'),
  unsupportedType: (name: string) =>
    new AppError(415, 'unsupported_file_type', `"${name}" is not a supported file: upload .md, .markdown, .txt, .html, .htm or .pdf.`),
  notText: (name: string) => new AppError(400, 'not_text', `"${name}" does not contain text (it looks like a binary file with a text extension).`),
  tooLarge: (maxBytes: number) => new AppError(413, 'file_too_large', `The file is larger than the ${maxBytes}-byte limit (KNOWLEDGE_MAX_FILE_BYTES).`),
  invalidPdf: (name: string) => new AppError(400, 'invalid_pdf', `"${name}" is not a readable PDF (it is damaged or encrypted).`),
  emptyText: (what: string) => new AppError(400, 'empty_text', `${what} has no text to index.`),
  invalidUrl: (why: string) => new AppError(400, 'invalid_url', why),
  urlRefused: (why: string) => new AppError(400, 'url_refused', why),
  fetchFailed: (why: string) => new AppError(400, 'fetch_failed', why),
  sitemapLoop: (url: string) => new AppError(400, 'sitemap_loop', `The sitemap at ${url} refers back to itself (a sitemap index loop).`),
  sitemapInvalid: (why: string) => new AppError(400, 'sitemap_invalid', why),
  notRefetchable: () => new AppError(409, 'not_refetchable', 'Only URL and sitemap sources can be fetched again; upload the file again instead.'),
  disabled: () => new AppError(409, 'knowledge_disabled', 'The knowledge base is turned off on this server (KNOWLEDGE_MODE=off).'),
};
