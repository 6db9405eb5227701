/**
 * The page address the widget reports with each message: origin and path only. The query string and fragment
 * often carry secrets (password-reset tokens, OAuth `#access_token=…`), and whatever is sent is stored and shown
 * in the dashboard and its exports. Pages without a real origin (`file:`, sandboxed frames) report nothing.
 */
export function pageUrlOf(location: { origin: string; pathname: string }): string | undefined {
  if (!/^https?:\/\//.test(location.origin)) return undefined;
  return location.origin + location.pathname;
}
