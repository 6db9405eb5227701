/**
 * What a chat turn asks of the knowledge base: passages and the instruction for the model before the call, the
 * citations for the reply after it, and a record of what the model was shown. Never throws into the turn.
 */
import type { Logger } from '../logger.ts';
import type { LlmMessage } from '../llm/types.ts';
import { citationsFor, knowledgeInstruction } from './prompt.ts';
import type { Retriever } from './retriever.ts';
import type { Citation, KnowledgeMode, RetrievedChunk } from './schemas.ts';
import type { KnowledgeStore } from './store/types.ts';

export interface TurnKnowledge {
  /** The passages for this question (none when the mode is off or no source is ready). */
  retrieve(question: string): Promise<RetrievedChunk[]>;
  /** The model messages with the knowledge instruction added to the system message. */
  withInstruction(messages: LlmMessage[], chunks: RetrievedChunk[]): LlmMessage[];
  citations(reply: string, chunks: RetrievedChunk[]): Citation[];
  /** Keeps what the model was shown for the reply; failures are logged, never thrown. */
  record(messageId: string, chunks: RetrievedChunk[]): Promise<void>;
  /** The citations of stored replies (for the visitor's history), by message id; none when they cannot be read. */
  citationsOf(replies: Array<{ id: string; content: string }>): Promise<Map<string, Citation[]>>;
}

export function createTurnKnowledge(deps: { mode: KnowledgeMode; retriever: Retriever; store: KnowledgeStore; logger: Logger }): TurnKnowledge {
  const { mode, retriever, store, logger } = deps;
  return {
    async retrieve(question) {
      if (mode === 'off') return [];
      return (await retriever.retrieve(question)).chunks;
    },
    withInstruction(messages, chunks) {
      const instruction = knowledgeInstruction(mode, chunks);
      if (!instruction) return messages;
      const [system, ...rest] = messages;
      if (system?.role !== 'system') return [{ role: 'system', content: instruction }, ...messages];
      return [{ role: 'system', content: `${system.content}\n\n${instruction}` }, ...rest];
    },
    citations: citationsFor,
    async citationsOf(replies) {
      const cited = new Map<string, Citation[]>();
      if (replies.length === 0) return cited;
      try {
        const given = await store.retrievalsFor(replies.map((r) => r.id));
        for (const reply of replies) {
          const chunks = given.get(reply.id);
          if (chunks) cited.set(reply.id, citationsFor(reply.content, chunks));
        }
      } catch (error) {
        logger.error('could not read the passages of stored replies', { error: String(error).slice(0, 300) });
      }
      return cited;
    },
    async record(messageId, chunks) {
      if (chunks.length === 0) return;
      try {
        await store.saveRetrieval(messageId, chunks);
      } catch (error) {
        logger.error('could not store the passages given to the model', { messageId, error: String(error).slice(0, 300) });
      }
    },
  };
}
