/** Export encodings, streamed: one conversation at a time goes out, so a large export never sits whole in memory. */
import type { ConversationThread } from '../store/chat-store.ts';

export const CSV_COLUMNS = [
  'conversation_id', 'session_id', 'conversation_created_at', 'origin', 'page_url', 'user_agent',
  'message_id', 'role', 'status', 'created_at', 'content', 'model', 'prompt_tokens', 'completion_tokens',
  'total_tokens', 'first_token_ms', 'total_ms', 'error_code', 'feedback',
] as const;

/** RFC 4180 quoting, and a leading quote on values a spreadsheet would run as a formula (CSV injection). */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' && !Number.isFinite(value) ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRows(thread: ConversationThread): string {
  const c = thread.conversation;
  return thread.messages
    .map((m) =>
      [
        c.id, c.sessionId, new Date(c.createdAt).toISOString(), c.origin, c.pageUrl, c.userAgent,
        m.id, m.role, m.status, new Date(m.createdAt).toISOString(), m.content, m.model,
        m.usage?.promptTokens, m.usage?.completionTokens, m.usage?.totalTokens, m.firstTokenMs, m.totalMs, m.errorCode, m.feedback,
      ].map(csvCell).join(',') + '\r\n',
    )
    .join('');
}

export function exportStream(threads: AsyncIterable<ConversationThread>, format: 'jsonl' | 'csv'): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = threads[Symbol.asyncIterator]();
  let headerSent = format !== 'csv';
  return new ReadableStream<Uint8Array>({
    // Pull-driven: the next page is read from the store only when the client has taken the previous one.
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(CSV_COLUMNS.join(',') + '\r\n'));
        return;
      }
      const next = await iterator.next();
      if (next.done) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(format === 'csv' ? csvRows(next.value) : JSON.stringify(next.value) + '\n'));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
