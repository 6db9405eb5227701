/** Turns the embedding script tag's data-* attributes into a validated widget configuration. */

export type Position = 'left' | 'right';
export type Theme = 'light' | 'dark' | 'auto';

export interface WidgetConfig {
  /** Absolute http(s) URL of the chat API, without a trailing slash. */
  apiUrl: string;
  apiKey: string;
  title: string | null;
  welcomeMessage: string | null;
  inputPlaceholder: string | null;
  /** null: the end side of the reading direction (right in LTR, left in RTL). */
  position: Position | null;
  /** A validated CSS colour, or null for the built-in accent. */
  accentColor: string | null;
  theme: Theme;
  lang: string | null;
  open: boolean;
}

export type ConfigResult =
  | { ok: true; config: WidgetConfig; warnings: string[] }
  | { ok: false; error: string; warnings: string[] };

/** The `dataset` of the script tag (camelCased data-* names). */
export type ScriptAttributes = Partial<Record<string, string | undefined>>;

const PREFIX = 'Open Chat Widget:';
const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

const clean = (value: string | undefined): string | null => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
};

/**
 * Only `#rgb` and `#rrggbb`: the value lands in a CSS custom property, so nothing that could carry more CSS
 * passes, and the text colour on it can be computed for contrast.
 */
export function parseColor(value: string): [number, number, number] | null {
  if (!HEX.test(value)) return null;
  const hex = value.length === 4 ? [...value.slice(1)].map((c) => c + c).join('') : value.slice(1);
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** Text colour that keeps WCAG AA contrast (4.5:1 where possible) on the given accent. */
export function textColorOn(color: string): '#ffffff' | '#111827' {
  const rgb = parseColor(color) ?? [79, 70, 229];
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // Contrast with white is 1.05 / (L + 0.05); with #111827 it is (L + 0.05) / 0.0594.
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.0594 ? '#ffffff' : '#111827';
}

function parseApiUrl(value: string | null): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    // The original widget took the chat endpoint itself (…/chat); both forms name the same server.
    return url.href.replace(/\/+$/, '').replace(/\/chat$/, '');
  } catch {
    return null;
  }
}

function pick<T extends string>(value: string | null, allowed: readonly T[], name: string, warnings: string[]): T | null {
  if (value === null) return null;
  const lower = value.toLowerCase() as T;
  if (allowed.includes(lower)) return lower;
  warnings.push(`${PREFIX} data-${name}="${value}" is not one of ${allowed}; using the default.`);
  return null;
}

export function parseConfig(attributes: ScriptAttributes | null): ConfigResult {
  const warnings: string[] = [];
  if (!attributes) {
    return { ok: false, warnings, error: `${PREFIX} could not find its <script> tag; load it with a plain <script src> tag, not as a module.` };
  }
  const rawUrl = clean(attributes.apiUrl);
  const apiUrl = parseApiUrl(rawUrl);
  const apiKey = clean(attributes.apiKey);
  const missing: string[] = [];
  if (!rawUrl) missing.push('data-api-url');
  if (!apiKey) missing.push('data-api-key');
  if (missing.length > 0) {
    return { ok: false, warnings, error: `${PREFIX} the script tag is missing ${missing.join(' and ')}; the widget was not started.` };
  }
  if (!apiUrl) {
    return { ok: false, warnings, error: `${PREFIX} data-api-url="${rawUrl}" is not an absolute http(s) URL; the widget was not started.` };
  }

  let accentColor = clean(attributes.accentColor);
  if (accentColor && !parseColor(accentColor)) {
    warnings.push(`${PREFIX} data-accent-color="${accentColor}" is not a hex colour like #4f46e5; using the default.`);
    accentColor = null;
  }
  const open = clean(attributes.open);

  return {
    ok: true,
    warnings,
    config: {
      apiUrl,
      apiKey: apiKey!,
      title: clean(attributes.title),
      welcomeMessage: clean(attributes.welcomeMessage),
      inputPlaceholder: clean(attributes.inputPlaceholder),
      position: pick(clean(attributes.position), ['left', 'right'] as const, 'position', warnings),
      accentColor,
      theme: pick(clean(attributes.theme), ['light', 'dark', 'auto'] as const, 'theme', warnings) ?? 'light',
      lang: clean(attributes.lang),
      // A bare `data-open` attribute has the empty string as its value and means "open".
      open: attributes.open !== undefined && open !== 'false' && open !== '0',
    },
  };
}
