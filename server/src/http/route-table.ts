/**
 * Which route a request will reach, from its method and path alone: for the checks that run in `onRequest`, before
 * Elysia has routed the request (and before it reads the body), and for the log line of a request refused there.
 */
export type RouteOf = (method: string, path: string) => string | null;

interface CompiledRoute {
  method: string;
  path: string;
  pattern: RegExp;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile({ method, path }: { method: string; path: string }): CompiledRoute {
  const segments = path.split('/').map((segment) => (segment === '*' ? '.*' : segment.startsWith(':') ? '[^/]+' : escapeRegExp(segment)));
  // Elysia matches with or without a trailing slash.
  return { method, path, pattern: new RegExp(`^${segments.join('/')}/?$`) };
}

interface CompiledTable {
  /** `METHOD path` of every route without parameters: one lookup for most requests. */
  exact: Map<string, string>;
  patterns: CompiledRoute[];
}

function compileTable(routes: ReadonlyArray<{ method: string; path: string }>): CompiledTable {
  const exact = new Map<string, string>();
  for (const { method, path } of routes) {
    if (/[:*]/.test(path)) continue;
    const bare = path.length > 1 ? path.replace(/\/$/, '') : path;
    exact.set(`${method} ${bare}`, path);
    exact.set(`${method} ${bare}/`, path);
  }
  return { exact, patterns: routes.map(compile) };
}

/** `routes` is read on first use, once every plugin has added its routes. */
export function routeTable(routes: () => ReadonlyArray<{ method: string; path: string }>): RouteOf {
  let table: CompiledTable | null = null;
  return (method, path) => {
    table ??= compileTable(routes());
    const wanted = method === 'HEAD' ? 'GET' : method;
    const exact = table.exact.get(`${wanted} ${path}`);
    if (exact !== undefined) return exact;
    return table.patterns.find((route) => (route.method === wanted || route.method === 'ALL') && route.pattern.test(path))?.path ?? null;
  };
}
