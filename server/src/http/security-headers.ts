/** Response headers every reply carries; a route that needs a different policy (the demo page's CSP) sets its own. */
import type { AppConfig } from '../config.ts';

export function securityHeaders(config: Pick<AppConfig, 'mode'>): Record<string, string> {
  const headers: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    // JSON and NDJSON replies are never documents: if one is opened as a page, it may run nothing and be framed nowhere.
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  };
  // Only in production: HSTS on a plain-http development server would pin a developer's localhost to https.
  if (config.mode === 'production') headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  return headers;
}
