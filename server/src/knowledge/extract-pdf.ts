/** PDF → text with `unpdf` (a maintained, dependency-free build of Mozilla's pdf.js for servers). One paragraph per page. */
import { extractText, getDocumentProxy } from 'unpdf';

export async function extractPdf(bytes: Uint8Array): Promise<{ text: string; pages: number }> {
  // pdf.js takes ownership of the buffer it is given: hand it a copy so the caller's bytes stay intact.
  const pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
  try {
    const { totalPages, text } = await extractText(pdf, { mergePages: false });
    const pages = (text as string[]).map((page) => page.replace(/[ \t]+/g, ' ').trim()).filter(Boolean);
    return { text: pages.join('\n\n'), pages: totalPages };
  } finally {
    await (pdf as unknown as { destroy?: () => Promise<void> }).destroy?.();
  }
}
