/**
 * Texts → vectors through an OpenAI-compatible `/v1/embeddings` (the `openai` SDK), in batches. The same server as
 * the chat model unless OPENAI_EMBEDDING_BASE_URL / OPENAI_EMBEDDING_API_KEY say otherwise.
 */
import OpenAI from 'openai';

export interface Embedder {
  readonly model: string;
  /** One vector per text, in order. Throws when the server cannot answer. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export interface EmbedderConfig {
  baseUrl: string | null;
  apiKey: string | null;
  model: string;
  /** Asked of the model when set (text-embedding-3 models can shorten their vectors). */
  dimensions: number | null;
  batchSize: number;
  timeoutMs: number;
}

export function createOpenAiEmbedder(config: EmbedderConfig): Embedder {
  const client = new OpenAI({
    apiKey: config.apiKey ?? 'not-needed',
    baseURL: config.baseUrl ?? undefined,
    timeout: config.timeoutMs,
    // Retrieval on a chat turn must fail fast (it falls back to full-text); indexing retries on its own schedule.
    maxRetries: 0,
  });
  return {
    model: config.model,
    async embed(texts, signal) {
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += config.batchSize) {
        const batch = texts.slice(start, start + config.batchSize);
        const response = await client.embeddings.create(
          { model: config.model, input: batch, ...(config.dimensions ? { dimensions: config.dimensions } : {}) },
          { signal },
        );
        const ordered = [...response.data].sort((a, b) => a.index - b.index);
        if (ordered.length !== batch.length) throw new Error(`The embeddings server returned ${ordered.length} vectors for ${batch.length} texts.`);
        for (const item of ordered) vectors.push(Float32Array.from(item.embedding as number[]));
      }
      return vectors;
    },
  };
}
