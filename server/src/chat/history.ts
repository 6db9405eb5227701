/** Builds what the model sees: the system prompt, then as much recent history as the message and character limits allow. */
import type { LlmMessage } from '../llm/types.ts';
import type { Message } from '../store/schemas.ts';

export interface HistoryLimits {
  systemPrompt: string;
  maxHistoryMessages: number;
  maxHistoryChars: number;
}

export function buildModelMessages(history: Message[], limits: HistoryLimits): LlmMessage[] {
  const picked: LlmMessage[] = [];
  let chars = 0;
  // Newest first, so the limits cut the oldest turns; the newest (the visitor's question) always goes.
  for (let i = history.length - 1; i >= 0 && picked.length < limits.maxHistoryMessages; i--) {
    const message = history[i]!;
    if (message.content === '') continue; // a failed reply with no text tells the model nothing
    if (picked.length > 0 && chars + message.content.length > limits.maxHistoryChars) break;
    const content = picked.length === 0 ? message.content.slice(0, limits.maxHistoryChars) : message.content;
    chars += content.length;
    picked.push({ role: message.role, content });
  }
  picked.reverse();
  // Models expect the conversation to start with the visitor, not a reply cut loose from its question.
  while (picked.length > 1 && picked[0]!.role === 'assistant') picked.shift();
  return [{ role: 'system', content: limits.systemPrompt }, ...picked];
}

/** Characters of everything sent to the model, the measure budgets count in (shared/tokens.ts). */
export function countPromptChars(messages: LlmMessage[]): number {
  return messages.reduce((n, m) => n + m.content.length, 0);
}
