/** A model-free token estimate (about 4 characters per token for English prose), used for chunk sizes and prompt caps. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
