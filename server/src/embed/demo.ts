/** The demo page: the widget embedded on a page of this server, so a newcomer sees it working right after start. */
import type { AppConfig } from '../config.ts';

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

export function publicBaseUrl(config: AppConfig, request: Request): string {
  if (config.publicUrl) return config.publicUrl;
  // Without a usable Host header (an HTTP/1.0 client) Bun gives a bare path: a base keeps this from throwing.
  const url = new URL(request.url, 'http://localhost');
  return url.origin;
}

const FALLBACK = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Open Chat Widget</title></head>
<body><h1>Open Chat Widget</h1><p>The demo page template (widget/demo/index.html) is missing.</p>
<script src="{{apiUrl}}/widget/chat-widget.js" data-api-url="{{apiUrl}}" data-api-key="{{apiKey}}" defer></script></body></html>`;

export async function renderDemoPage(config: AppConfig, request: Request, baseHeaders: Record<string, string>): Promise<Response> {
  const file = Bun.file(config.widget.demoTemplatePath);
  const template = (await file.exists()) ? await file.text() : FALLBACK;
  const apiUrl = publicBaseUrl(config, request);
  const html = template.replaceAll('{{apiUrl}}', escapeHtml(apiUrl)).replaceAll('{{apiKey}}', escapeHtml(config.widgetApiKey));
  return new Response(html, {
    headers: {
      ...baseHeaders,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The page runs only our own script; inline styles are allowed for the demo's own look.
      'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    },
  });
}
