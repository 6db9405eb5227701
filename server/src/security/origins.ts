/** The CORS allow-list: exact origins, or `https://*.example.com` for any subdomain (not the apex itself). */

export type OriginRule = { kind: 'exact'; origin: string } | { kind: 'wildcard'; scheme: string; suffix: string; port: string };

export function parseOriginList(raw: string): { rules: OriginRule[]; problems: string[] } {
  const rules: OriginRule[] = [];
  const problems: string[] = [];
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (entry === '*') {
      problems.push('"*" cannot be mixed with other origins.');
      continue;
    }
    const wildcard = /^(https?):\/\/\*\.([a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(entry);
    if (wildcard) {
      rules.push({ kind: 'wildcard', scheme: wildcard[1]!.toLowerCase(), suffix: `.${wildcard[2]!.toLowerCase()}`, port: wildcard[3] ?? '' });
      continue;
    }
    try {
      const url = new URL(entry);
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search || url.hash || entry.endsWith('/')) {
        throw new Error('not an origin');
      }
      rules.push({ kind: 'exact', origin: url.origin });
    } catch {
      problems.push(`"${entry}" is not an origin like https://example.com or https://*.example.com.`);
    }
  }
  return { rules, problems };
}

export function isOriginAllowed(origin: string, rules: OriginRule[] | 'any'): boolean {
  if (rules === 'any') return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin) return false; // refuse anything that is not a bare, normalised origin
  for (const rule of rules) {
    if (rule.kind === 'exact') {
      if (rule.origin === origin) return true;
    } else if (
      url.protocol === `${rule.scheme}:` &&
      url.port === rule.port &&
      url.hostname.endsWith(rule.suffix) &&
      url.hostname.length > rule.suffix.length
    ) {
      return true;
    }
  }
  return false;
}
