/** Serves the widget bundle (ETag, brotli/gzip, cache headers) and, in development, the demo page at `/`. */
import { Elysia, t } from 'elysia';
import type { AppConfig } from '../config.ts';
import { ErrorBody, HttpError } from '../http/http-error.ts';
import { repliesAs } from '../http/openapi-media-types.ts';
import { needsNoKey } from '../http/openapi-security.ts';
import { createBundleCache, pickEncoding } from './bundle.ts';
import { renderDemoPage } from './demo.ts';

export function widgetRoutes({ config }: { config: AppConfig }) {
  const bundles = createBundleCache(config.widget.bundlePath);

  const app = new Elysia({ name: 'widget-routes', seed: config, detail: needsNoKey }).get(
    '/widget/chat-widget.js',
    async ({ request, set }) => {
      const bundle = await bundles.load();
      if (!bundle) {
        throw new HttpError(404, 'widget_not_built', 'The widget bundle has not been built yet: run "bun run build" (or "bun run --filter widget build").');
      }
      const headers: Record<string, string> = {
        ...(set.headers as Record<string, string>),
        'content-type': 'application/javascript; charset=utf-8',
        etag: bundle.etag,
        vary: 'accept-encoding',
        // Short freshness, then a cheap revalidation: site owners get updates within minutes without a cache-busting URL.
        'cache-control': 'public, max-age=300, stale-while-revalidate=86400',
        'cross-origin-resource-policy': 'cross-origin',
      };
      const etags = request.headers.get('if-none-match');
      if (etags && etags.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bundle.etag)) {
        return new Response(null, { status: 304, headers });
      }
      const variant = pickEncoding(request.headers.get('accept-encoding'), bundle);
      if (variant.encoding) headers['content-encoding'] = variant.encoding;
      return new Response(request.method === 'HEAD' ? null : variant.body, { headers });
    },
    {
      // The script itself, as JavaScript, not the OpenAPI plugin's text/plain for a string reply.
      response: { 200: t.String({ description: 'The widget script, brotli or gzip when accepted; 304 when the ETag matches.' }), 404: ErrorBody },
      detail: { ...repliesAs('application/javascript'), tags: ['Widget'], summary: 'The embeddable widget (one JavaScript file)' },
    },
  );

  if (!config.widget.demoPage) return app;
  return app.get('/', async ({ request, set }) => renderDemoPage(config, request, set.headers as Record<string, string>), {
    detail: { hide: true },
  });
}
