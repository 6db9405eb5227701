/**
 * The one token estimate used wherever the model's own count is not known yet (budget reservations) or not reported
 * (settling a turn whose upstream sent no usage). Pure, no imports.
 */
export const CHARS_PER_TOKEN = 4;

export function estimateTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}
