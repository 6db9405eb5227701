/**
 * What the model is told about the knowledge base on a turn: the retrieved passages, numbered, capped in tokens,
 * and how to use them (answer from them, cite them as [n], say so when they do not hold the answer). Also picks the
 * citations for the reply from the [n] markers it wrote. Pure.
 */
import type { Citation, KnowledgeMode, RetrievedChunk } from './schemas.ts';
import { wordsOf } from '../shared/conversation.ts';
import { estimateTokens } from '../shared/tokens.ts';

export const SNIPPET_CHARS = 200;

/** The best passages that fit in `maxTokens`, in rank order (a passage that does not fit is skipped, not cut). */
export function fitToBudget(chunks: RetrievedChunk[], maxTokens: number): RetrievedChunk[] {
  const picked: RetrievedChunk[] = [];
  let used = 0;
  for (const chunk of chunks) {
    const cost = estimateTokens(chunk.text.length) + 20; // the header line of each passage
    if (used + cost > maxTokens) continue;
    picked.push(chunk);
    used += cost;
  }
  return picked;
}

const AUTO_RULES =
  'Answer from the passages below when they hold the answer, and cite each passage you used as [n]. ' +
  'If they do not hold the answer, say that the site\'s documents do not cover it before answering from general knowledge.';
const STRICT_RULES =
  'Answer ONLY from the passages below and cite each passage you used as [n]. ' +
  'If they do not hold the answer, say that you cannot find it in the site\'s documents, and do not answer from general knowledge.';

/** The system message for the knowledge base, or null when there is nothing to say (mode off, or auto with no passages). */
export function knowledgeInstruction(mode: KnowledgeMode, chunks: RetrievedChunk[]): string | null {
  if (mode === 'off') return null;
  if (chunks.length === 0) {
    return mode === 'strict'
      ? 'You answer only from the site\'s documents, and none of them matches this question: say that you cannot find it in the site\'s documents. Do not answer from general knowledge.'
      : null;
  }
  const passages = chunks.map((chunk, index) => {
    const place = [chunk.title, ...chunk.headingPath].join(' › ');
    return `[${index + 1}] ${place}${chunk.url ? ` (${chunk.url})` : ''}\n${chunk.text}`;
  });
  return `${mode === 'strict' ? STRICT_RULES : AUTO_RULES}\n\nPassages from the site's documents:\n\n${passages.join('\n\n')}`;
}

function snippetOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= SNIPPET_CHARS ? flat : `${flat.slice(0, SNIPPET_CHARS - 1).trimEnd()}…`;
}

/** Only http(s) links leave the server as citation URLs: anything else would be a script link in the widget. */
export function safeLink(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Distinct words a reply must share with a passage it did not mark, before the passage counts as drawn on. */
export const MIN_SHARED_WORDS = 3;
/** Shorter words (the, and, with…) say nothing about where an answer came from. */
const MIN_WORD_LENGTH = 5;

function distinctiveWords(text: string): Set<string> {
  return new Set(wordsOf(text).filter((word) => word.length >= MIN_WORD_LENGTH));
}

/**
 * The passages a reply drew on: those it cited as [n] when it cited any. A model that ignores the citation
 * instruction gets the passages whose distinctive words its reply repeats, so that "the documents do not cover
 * this" cites nothing rather than every passage it was shown.
 */
function passagesUsed(reply: string, chunks: RetrievedChunk[]): RetrievedChunk[] {
  const cited = new Set<number>();
  for (const match of reply.matchAll(/\[(\d{1,2})\]/g)) {
    const n = Number(match[1]);
    if (n >= 1 && n <= chunks.length) cited.add(n - 1);
  }
  if (cited.size > 0) return chunks.filter((_, index) => cited.has(index));
  const replyWords = distinctiveWords(reply);
  return chunks.filter((chunk) => {
    let shared = 0;
    for (const word of distinctiveWords(chunk.text)) if (replyWords.has(word) && ++shared >= MIN_SHARED_WORDS) return true;
    return false;
  });
}

/** The citations of a reply (see `passagesUsed`), one per page or document, http(s) links only. */
export function citationsFor(reply: string, chunks: RetrievedChunk[]): Citation[] {
  const used = passagesUsed(reply, chunks);
  const seen = new Set<string>();
  const citations: Citation[] = [];
  for (const chunk of used) {
    const key = `${chunk.sourceId}\u0000${chunk.url ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    citations.push({ title: chunk.title, url: safeLink(chunk.url), snippet: snippetOf(chunk.text) });
  }
  return citations;
}
