/** Plain text and Markdown files → text, refusing binary content behind a text extension. Pure. */

/** True when the bytes are not UTF-8 text: a NUL byte, invalid UTF-8, or mostly control characters. */
export function looksBinary(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 64 * 1024);
  if (sample.includes(0)) return true;
  let text: string;
  try {
    // A cut in the middle of a multi-byte character at the sample end is not a reason to refuse.
    text = new TextDecoder('utf-8', { fatal: true }).decode(sample.length < bytes.length ? sample.subarray(0, sample.length - 4) : sample);
  } catch {
    return true;
  }
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 32 && code !== 9 && code !== 10 && code !== 13 && code !== 12) control++;
  }
  return control > text.length * 0.02;
}

export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
}

/** Markdown → text for chunking: front matter and HTML comments dropped, headings kept as `#` lines. */
export function markdownText(source: string): string {
  return source
    .replace(/^---\n[\s\S]*?\n---\n/, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .trim();
}

/** A title from the first heading, for sources with none given. */
export function firstHeading(text: string): string | null {
  const match = /^#{1,6}\s+(.+)$/m.exec(text);
  return match ? match[1]!.replace(/[*_`#]/g, '').trim() || null : null;
}
