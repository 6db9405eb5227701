/**
 * The page a visitor chatted from, as it may be stored: an http(s) URL reduced to origin + path. The dashboard turns it
 * into a link, so any other scheme (`javascript:`, `data:`) is dropped, and the query and fragment are cut off because
 * they carry reset tokens, OAuth codes and e-mail addresses nobody meant to hand to the site's support staff.
 */
export const MAX_PAGE_URL_LENGTH = 2048;

/** The storable form of a page URL (request body or Referer), or null when there is none worth keeping. */
export function storablePageUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // `origin` drops any user:password@ as well; the path stays percent-encoded as the URL parser normalised it.
  const kept = `${url.origin}${url.pathname}`;
  return kept.length <= MAX_PAGE_URL_LENGTH ? kept : null;
}
