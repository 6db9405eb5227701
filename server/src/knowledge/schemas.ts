/**
 * The knowledge base's HTTP contract: sources, their states, the bodies that add them, and the citations a chat
 * reply carries. One definition per shape; TypeScript types come from `.static`; the value lists come from values.ts.
 * The dashboard and the widget import the types only.
 */
import { t } from 'elysia';
import { integer, literalUnion, nullable } from '../store/schemas.ts';
import { FILE_FORMATS, KNOWLEDGE_MODES, SOURCE_KINDS, SOURCE_STATUSES } from './values.ts';

export { FILE_FORMATS, KNOWLEDGE_MODES, SOURCE_KINDS, SOURCE_STATUSES } from './values.ts';
export type { FileFormat, KnowledgeMode, SourceKind, SourceStatus } from './values.ts';

export const KnowledgeSourceModel = t.Object(
  {
    id: t.String(),
    kind: literalUnion(SOURCE_KINDS, {
      description: '`file`: an uploaded file; `text`: pasted text; `url`: one page; `sitemap`: every page a sitemap.xml lists.',
    }),
    title: t.String({ description: 'The file name, the given title, or the page title.' }),
    url: nullable(t.String({ description: 'The page or sitemap URL (`url` and `sitemap` sources only).' })),
    format: nullable(literalUnion(FILE_FORMATS, { description: 'The detected format of a `file` source.' })),
    status: literalUnion(SOURCE_STATUSES, {
      description: '`queued` → `indexing` (chunksDone of chunksTotal) → `ready`, or `failed` with `error`.',
    }),
    error: nullable(t.String({ description: 'Why indexing failed (status `failed`), a sentence.' })),
    chunksDone: integer({ description: 'Chunks of the current indexing run already embedded.' }),
    chunksTotal: nullable(integer({ description: 'Chunks of the current indexing run; null until the text is split.' })),
    chunkCount: integer({ description: 'Chunks searchable now (the last ready version; 0 before the first).' }),
    pageCount: integer({ description: 'Pages or documents in the source (1 for a file or a text).' }),
    bytes: integer({ description: 'Size of the extracted text, in bytes.' }),
    createdAt: t.Number({ description: 'Epoch milliseconds.' }),
    updatedAt: t.Number({ description: 'Epoch milliseconds of the last state change.' }),
    indexedAt: nullable(t.Number({ description: 'Epoch milliseconds when the searchable version became ready.' })),
  },
  { title: 'KnowledgeSource' },
);
export type KnowledgeSource = typeof KnowledgeSourceModel.static;

export const KnowledgeSourceList = t.Object(
  {
    sources: t.Array(KnowledgeSourceModel, { description: 'Newest first.' }),
    mode: literalUnion(KNOWLEDGE_MODES, { description: 'KNOWLEDGE_MODE of this server.' }),
    embeddings: t.Boolean({ description: 'True when an embeddings server is configured (otherwise full-text search only).' }),
  },
  { title: 'KnowledgeSourceList' },
);

export const KnowledgeIdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) });

export const PasteTextRequest = t.Object(
  {
    title: t.String({ minLength: 1, maxLength: 200, description: 'Shown as the citation title.' }),
    text: t.String({ minLength: 1, description: 'Plain text or Markdown; headings (#) structure the chunks.' }),
  },
  { title: 'PasteTextRequest' },
);

export const AddUrlRequest = t.Object(
  {
    url: t.String({ minLength: 1, maxLength: 2048, description: 'An http(s) page URL, or a sitemap.xml URL.' }),
    kind: t.Optional(
      t.Union([t.Literal('page'), t.Literal('sitemap')], {
        description: 'Default: `sitemap` when the URL path ends in .xml or the reply is a sitemap, otherwise `page`.',
      }),
    ),
  },
  { title: 'AddUrlRequest' },
);

export const UploadFileRequest = t.Object(
  {
    file: t.File({ description: 'A .md, .markdown, .txt, .html, .htm or .pdf file.' }),
    title: t.Optional(t.String({ maxLength: 200, description: 'Default: the file name.' })),
  },
  { title: 'UploadFileRequest' },
);

export const DeletedReply = t.Object({ deleted: t.Literal(true) }, { title: 'KnowledgeDeleted' });

/** A citation under a reply: the `done` event's and the `/v1/chat` reply's `sources`. */
export const CitationModel = t.Object(
  {
    title: t.String(),
    url: nullable(t.String({ description: 'http(s) link to the page; null for uploaded files and pasted texts.' })),
    snippet: t.String({ description: 'The start of the passage the reply drew on (up to 200 characters).' }),
  },
  { title: 'Citation' },
);
export type Citation = typeof CitationModel.static;

/** What the model was shown for one reply, kept with the assistant message for the dashboard's thread. */
export const RetrievedChunkModel = t.Object(
  {
    sourceId: t.String(),
    title: t.String(),
    url: nullable(t.String()),
    headingPath: t.Array(t.String(), { description: 'Headings above the passage, outermost first.' }),
    text: t.String({ description: 'The passage exactly as given to the model.' }),
    score: t.Number({ description: 'Reciprocal-rank-fusion score (higher is closer).' }),
  },
  { title: 'RetrievedChunk' },
);
export type RetrievedChunk = typeof RetrievedChunkModel.static;
