/** Admin API for the knowledge base (`x-admin-api-key`): sources — list, get, upload, paste, add URL, re-fetch, delete. */
import { Elysia } from 'elysia';
import type { AppConfig } from '../config.ts';
import { adminAccess, type IpLimiters } from '../http/access.ts';
import { commonErrors, ErrorBody } from '../http/http-error.ts';
import { takes } from '../http/openapi-media-types.ts';
import { needsAdminKey } from '../http/openapi-security.ts';
import { knowledgeError } from './errors.ts';
import {
  AddUrlRequest,
  DeletedReply,
  KnowledgeIdParams,
  KnowledgeSourceList,
  KnowledgeSourceModel,
  PasteTextRequest,
  UploadFileRequest,
} from './schemas.ts';
import type { KnowledgeService } from './service.ts';

const tags = ['Knowledge'];
const sourceErrors = { ...commonErrors, 404: ErrorBody, 409: ErrorBody };

/** `service` is null in apps built without a knowledge base (some tests): the routes then answer 409 knowledge_disabled. */
export function knowledgeRoutes({ config, service: maybeService, limiters }: { config: AppConfig; service: KnowledgeService | null; limiters: IpLimiters }) {
  const enabled = () => {
    if (config.knowledge.mode === 'off' || !maybeService) throw knowledgeError.disabled();
  };
  const service = (): KnowledgeService => {
    if (!maybeService) throw knowledgeError.disabled();
    return maybeService;
  };
  return new Elysia({ name: 'knowledge-routes', seed: config, prefix: '/v1/admin/knowledge', detail: needsAdminKey })
    .use(adminAccess({ config, limiters }))
    .get(
      // '' rather than '/': the document then names the collection without a trailing slash (Elysia serves both).
      '',
      async () => ({ sources: await service().list(), mode: config.knowledge.mode, embeddings: config.knowledge.embedding !== null }),
      { response: { 200: KnowledgeSourceList, ...commonErrors }, detail: { tags, summary: 'List knowledge sources with their indexing state, newest first' } },
    )
    .get('/:id', ({ params }) => service().get(params.id), {
      params: KnowledgeIdParams,
      response: { 200: KnowledgeSourceModel, ...sourceErrors },
      detail: { tags, summary: 'One knowledge source (poll it to follow indexing)' },
    })
    .post(
      '/files',
      async ({ body, set }) => {
        enabled();
        const bytes = new Uint8Array(await body.file.arrayBuffer());
        set.status = 202;
        return service().addFile({ fileName: body.file.name || 'upload', bytes, title: body.title });
      },
      {
        body: UploadFileRequest,
        parse: 'multipart/form-data',
        response: { 202: KnowledgeSourceModel, ...sourceErrors },
        detail: {
          ...takes('multipart/form-data'),
          tags,
          summary: 'Upload a Markdown, text, HTML or PDF file',
          description: 'multipart/form-data with `file` (and optional `title`). Answers 202 with the queued source; 4xx `empty_file`, `unsupported_file_type`, `not_text`, `file_too_large`, `invalid_pdf`, `empty_text`.',
        },
      },
    )
    .post(
      '/texts',
      async ({ body, set }) => {
        enabled();
        set.status = 202;
        return service().addText(body);
      },
      { body: PasteTextRequest, response: { 202: KnowledgeSourceModel, ...sourceErrors }, detail: { tags, summary: 'Add a pasted text with a title' } },
    )
    .post(
      '/urls',
      async ({ body, set }) => {
        enabled();
        set.status = 202;
        return service().addUrl(body);
      },
      {
        body: AddUrlRequest,
        response: { 202: KnowledgeSourceModel, ...sourceErrors },
        detail: {
          tags,
          summary: 'Add a page URL or a sitemap.xml',
          description: 'The URL (or sitemap) is fetched before the answer, so SSRF targets (`url_refused`), unreachable pages (`fetch_failed`) and sitemap loops (`sitemap_loop`) are refused at once; a sitemap\'s pages are fetched in the background.',
        },
      },
    )
    .post(
      '/:id/refetch',
      async ({ params, set }) => {
        enabled();
        set.status = 202;
        return service().refetch(params.id);
      },
      {
        params: KnowledgeIdParams,
        response: { 202: KnowledgeSourceModel, ...sourceErrors },
        detail: { tags, summary: 'Fetch a URL or sitemap source again', description: 'The current version stays searchable until the new one is ready.' },
      },
    )
    .delete(
      '/:id',
      async ({ params }) => {
        await service().remove(params.id);
        return { deleted: true as const };
      },
      { params: KnowledgeIdParams, response: { 200: DeletedReply, ...sourceErrors }, detail: { tags, summary: 'Delete a source; its chunks leave retrieval at once' } },
    );
}
