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

/** `routes` is read on first use, once every plugin has added its routes. */
export function routeTable(routes: () => ReadonlyArray<{ method: string; path: string }>): RouteOf {
  let compiled: CompiledRoute[] | null = null;
  return (method, path) => {
    compiled ??= routes().map(compile);
    const wanted = method === 'HEAD' ? 'GET' : method;
    return compiled.find((route) => (route.method === wanted || route.method === 'ALL') && route.pattern.test(path))?.path ?? null;
  };
}
