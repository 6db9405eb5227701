/**
 * Splits a document's text into passages for retrieval: along headings first (a chunk never spans two sections),
 * then paragraphs, then sentences, to about `targetTokens` each, with the tail of the previous chunk repeated at
 * the start of the next one in the same section (`overlapTokens`), so an answer that straddles a boundary is still
 * found whole in one of them. Pure: the same text always gives the same chunks, which is what lets an interrupted
 * indexing job resume at chunk n after a restart.
 */
import { CHARS_PER_TOKEN, estimateTokens } from '../shared/tokens.ts';

export interface ChunkerOptions {
  targetTokens: number;
  overlapTokens: number;
}

export const DEFAULT_CHUNKER: ChunkerOptions = { targetTokens: 300, overlapTokens: 50 };

export interface SourceDocument {
  title: string;
  /** The page the text came from; null for uploaded files and pasted texts. */
  url: string | null;
  /** Markdown-like text: `#` headings, blank-line separated paragraphs. */
  text: string;
}

export interface Chunk {
  /** Position in the source, from 0, across all its documents. */
  ord: number;
  title: string;
  url: string | null;
  headingPath: string[];
  text: string;
}

type Block = { kind: 'heading'; level: number; text: string } | { kind: 'paragraph'; text: string };

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;

/** Lines → headings and paragraphs; a fenced code block stays one paragraph. */
export function toBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let inFence = false;
  const flush = () => {
    const joined = paragraph.join('\n').trim();
    if (joined) blocks.push({ kind: 'paragraph', text: joined });
    paragraph = [];
  };
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (FENCE.test(line)) {
      if (!inFence) flush();
      paragraph.push(line);
      inFence = !inFence;
      if (!inFence) flush();
      continue;
    }
    if (inFence) {
      paragraph.push(line);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      blocks.push({ kind: 'heading', level: heading[1]!.length, text: heading[2]!.replace(/[*_`]/g, '') });
    } else if (line.trim() === '') {
      flush();
    } else {
      paragraph.push(line);
    }
  }
  flush();
  return blocks;
}

/** Cuts text longer than `maxTokens` at sentence ends, and at word boundaries when a sentence is itself too long. */
export function splitLong(text: string, maxTokens: number): string[] {
  if (estimateTokens(text.length) <= maxTokens) return [text];
  const maxChars = maxTokens * CHARS_PER_TOKEN;
  const sentences = text.match(/[^.!?\n]+(?:[.!?]+|\n|$)\s*/g) ?? [text];
  const pieces: string[] = [];
  let current = '';
  for (const sentence of sentences) {
    if (sentence.length > maxChars) {
      if (current.trim()) pieces.push(current.trim());
      current = '';
      const words = sentence.split(/(\s+)/);
      for (const word of words) {
        if ((current + word).length > maxChars && current.trim()) {
          pieces.push(current.trim());
          current = '';
        }
        current += word.length > maxChars ? word.slice(0, maxChars) : word;
      }
      continue;
    }
    if ((current + sentence).length > maxChars && current.trim()) {
      pieces.push(current.trim());
      current = '';
    }
    current += sentence;
  }
  if (current.trim()) pieces.push(current.trim());
  return pieces;
}

/** The last `overlapTokens` worth of text, starting at a word boundary. */
function tail(text: string, overlapTokens: number): string {
  const chars = overlapTokens * CHARS_PER_TOKEN;
  if (text.length <= chars) return text;
  const cut = text.slice(text.length - chars);
  const space = cut.search(/\s/);
  return (space >= 0 ? cut.slice(space) : cut).trim();
}

export function chunkDocument(document: SourceDocument, options: ChunkerOptions = DEFAULT_CHUNKER, firstOrd = 0): Chunk[] {
  const chunks: Chunk[] = [];
  const path: Array<{ level: number; text: string }> = [];
  let parts: string[] = [];
  let size = 0;
  let carried = false; // `parts` holds only the overlap of the previous chunk

  const emit = () => {
    const text = parts.join('\n\n').trim();
    if (text && !carried) {
      chunks.push({ ord: firstOrd + chunks.length, title: document.title, url: document.url, headingPath: path.map((h) => h.text), text });
    }
  };
  const startSection = () => {
    emit();
    parts = [];
    size = 0;
    carried = false;
  };

  for (const block of toBlocks(document.text)) {
    if (block.kind === 'heading') {
      startSection();
      while (path.length > 0 && path.at(-1)!.level >= block.level) path.pop();
      path.push({ level: block.level, text: block.text });
      continue;
    }
    for (const piece of splitLong(block.text, options.targetTokens)) {
      const tokens = estimateTokens(piece.length);
      if (size + tokens > options.targetTokens && !carried && parts.length > 0) {
        emit();
        const overlap = tail(parts.join('\n\n'), options.overlapTokens);
        parts = overlap ? [overlap] : [];
        size = estimateTokens(overlap.length);
        carried = parts.length > 0;
      }
      parts.push(piece);
      size += tokens;
      carried = false;
    }
  }
  emit();
  return chunks;
}

/** Every document of a source, numbered as one sequence. */
export function chunkDocuments(documents: SourceDocument[], options: ChunkerOptions = DEFAULT_CHUNKER): Chunk[] {
  const all: Chunk[] = [];
  for (const document of documents) all.push(...chunkDocument(document, options, all.length));
  return all;
}

/** The text that is indexed and embedded for a chunk: its place in the document gives the passage its meaning. */
export function searchableText(chunk: Pick<Chunk, 'title' | 'headingPath' | 'text'>): string {
  return [chunk.title, ...chunk.headingPath].join(' › ') + '\n' + chunk.text;
}
