/** Number and duration formatting for metadata and charts. */

export function compactNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs < 1000) return String(Math.round(value));
  const units: Array<[number, string]> = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units) {
    if (abs >= size) {
      const scaled = value / size;
      return `${scaled >= 100 || Number.isInteger(scaled) ? Math.round(scaled) : scaled.toFixed(1).replace(/\.0$/, '')}${suffix}`;
    }
  }
  return String(value);
}

export function groupedNumber(value: number): string {
  return new Intl.NumberFormat('en').format(value);
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1).replace(/\.?0+$/, '')} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

export function percent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  const value = ratio * 100;
  return `${value > 0 && value < 0.1 ? '<0.1' : value.toFixed(value < 10 ? 1 : 0).replace(/\.0$/, '')}%`;
}

/** `https://shop.example/pricing?x=1` → `shop.example/pricing`: enough to recognise the page in a list. */
export function shortPage(pageUrl: string | null, origin: string | null): string | null {
  const raw = pageUrl ?? origin;
  if (!raw) return null;
  try {
    const url = new URL(raw);
    const path = url.pathname === '/' ? '' : url.pathname;
    return `${url.host}${path}`;
  } catch {
    return raw.slice(0, 80);
  }
}
