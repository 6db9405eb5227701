/** The conversation list's preview of the newest message: its first 200 characters (whole code points). */
export const PREVIEW_CHARS = 200;

export function previewOf(content: string): string {
  if (content.length <= PREVIEW_CHARS) return content;
  return Array.from(content).slice(0, PREVIEW_CHARS).join('');
}
