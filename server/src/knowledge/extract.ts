/**
 * An uploaded file → the document to index, or a clear refusal: empty, too large, an unsupported extension,
 * binary content behind a text extension, a broken PDF, or nothing to index after extraction.
 */
import type { SourceDocument } from './chunker.ts';
import { knowledgeError } from './errors.ts';
import { extractHtml } from './extract-html.ts';
import { extractPdf } from './extract-pdf.ts';
import { decodeText, firstHeading, looksBinary, markdownText } from './extract-text.ts';
import type { FileFormat } from './schemas.ts';

const EXTENSIONS: Record<string, FileFormat> = {
  md: 'markdown',
  markdown: 'markdown',
  txt: 'text',
  text: 'text',
  html: 'html',
  htm: 'html',
  pdf: 'pdf',
};

export function formatOf(fileName: string): FileFormat | null {
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  return extension ? (EXTENSIONS[extension] ?? null) : null;
}

export interface ExtractedFile {
  format: FileFormat;
  document: SourceDocument;
}

export async function extractFile(input: { fileName: string; bytes: Uint8Array; title?: string | null; maxBytes: number }): Promise<ExtractedFile> {
  const { fileName, bytes } = input;
  const format = formatOf(fileName);
  if (!format) throw knowledgeError.unsupportedType(fileName);
  if (bytes.length === 0) throw knowledgeError.emptyFile();
  if (bytes.length > input.maxBytes) throw knowledgeError.tooLarge(input.maxBytes);

  let text: string;
  let title: string | null = input.title?.trim() || null;
  if (format === 'pdf') {
    if (!startsWith(bytes, '%PDF-')) throw knowledgeError.invalidPdf(fileName);
    try {
      text = (await extractPdf(bytes)).text;
    } catch {
      throw knowledgeError.invalidPdf(fileName);
    }
  } else {
    if (looksBinary(bytes)) throw knowledgeError.notText(fileName);
    const decoded = decodeText(bytes);
    if (format === 'html') {
      const page = extractHtml(decoded);
      text = page.text;
      title ??= page.title;
    } else {
      text = format === 'markdown' ? markdownText(decoded) : decoded.trim();
      if (format === 'markdown') title ??= firstHeading(text);
    }
  }
  if (!text.trim()) throw knowledgeError.emptyText(`"${fileName}"`);
  return { format, document: { title: title ?? fileName, url: null, text } };
}

function startsWith(bytes: Uint8Array, prefix: string): boolean {
  // Some PDFs carry a little junk before the header; pdf.js accepts it within the first 1024 bytes.
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
  return head.includes(prefix);
}

/** A fetched page → the document to index, by its content type (HTML, plain text, Markdown or PDF). */
export async function extractFetched(resource: { url: string; contentType: string; bytes: Uint8Array }): Promise<SourceDocument> {
  const { url, contentType, bytes } = resource;
  if (bytes.length === 0) throw knowledgeError.emptyText(url);
  let title: string | null = null;
  let text: string;
  if (contentType === 'application/pdf' || (contentType === '' && formatOf(new URL(url).pathname) === 'pdf')) {
    try {
      text = (await extractPdf(bytes)).text;
    } catch {
      throw knowledgeError.invalidPdf(url);
    }
  } else {
    if (looksBinary(bytes)) throw knowledgeError.notText(url);
    const decoded = decodeText(bytes);
    if (contentType === 'text/plain' || contentType === 'text/markdown') {
      text = contentType === 'text/markdown' ? markdownText(decoded) : decoded.trim();
      title = firstHeading(text);
    } else if (contentType === 'text/html' || contentType === 'application/xhtml+xml' || contentType === '') {
      const page = extractHtml(decoded);
      text = page.text;
      title = page.title;
    } else {
      throw knowledgeError.fetchFailed(`${url} is ${contentType}, not a page (HTML, text, Markdown or PDF).`);
    }
  }
  if (!text.trim()) throw knowledgeError.emptyText(url);
  const pageTitle = (title ?? new URL(url).pathname).slice(0, 200);
  return { title: pageTitle, url, text };
}
