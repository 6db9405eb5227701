/**
 * The two knowledge routes whose bodies are not small JSON: file uploads (multipart, up to the file limit plus room
 * for the form's own bytes) and pasted texts (JSON, up to the file limit). Every other route keeps MAX_BODY_BYTES.
 */
import type { AppConfig } from '../config.ts';
import type { BodyRule } from './body.ts';
import { HttpError } from './http-error.ts';
import { pathOf } from './request-guard.ts';

/** Multipart headers and boundaries around the file, and the optional title field. */
const FORM_OVERHEAD_BYTES = 16 * 1024;

export const UPLOAD_PATH = '/v1/admin/knowledge/files';
export const PASTE_PATH = '/v1/admin/knowledge/texts';

export function knowledgeBodyRule(request: Request, config: AppConfig): BodyRule | null {
  if (request.method !== 'POST') return null;
  const path = pathOf(request);
  const { maxFileBytes } = config.knowledge;
  const tooLarge = new HttpError(413, 'file_too_large', `The file is larger than the ${maxFileBytes}-byte limit (KNOWLEDGE_MAX_FILE_BYTES).`);
  if (path === UPLOAD_PATH) return { maxBytes: maxFileBytes + FORM_OVERHEAD_BYTES, mediaType: 'multipart/form-data', tooLarge };
  if (path === PASTE_PATH) return { maxBytes: Math.max(config.maxBodyBytes, maxFileBytes), mediaType: 'application/json', tooLarge };
  return null;
}
