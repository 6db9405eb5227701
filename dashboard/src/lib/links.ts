/**
 * Which stored values the dashboard may turn into links. A conversation's page URL comes from the visitor (the
 * request body or Referer), so it can be anything, `javascript:…` included: only http(s) URLs become an `href`,
 * everything else is shown as plain text.
 */
export function httpLink(value: string | null | undefined): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}
