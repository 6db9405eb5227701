/**
 * The API keys as OpenAPI security schemes, and the `security` each group of routes declares, so the document says
 * which key every operation needs. A routes instance passes one of these as its `detail`
 * (`new Elysia({ prefix, detail: needsAdminKey })`): Elysia merges it into every route added on that instance.
 * server/test/openapi-lint.test.ts fails for an operation that declares none, or declares one its gate does not ask for.
 */
type SecurityDetail = { security: Record<string, string[]>[] };

export const SECURITY_SCHEMES = {
  widgetKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The widget API key (`WIDGET_API_KEY`); it ships in every page that embeds the widget.' },
  adminKey: { type: 'apiKey', in: 'header', name: 'x-admin-api-key', description: 'The admin API key (`ADMIN_API_KEY`); server-side only (the dashboard).' },
} as const;

/** Chat routes: behind `widgetAccess` (http/access.ts). */
export const needsWidgetKey: SecurityDetail = { security: [{ widgetKey: [] }] };
/** Admin routes: behind `adminAccess` (http/access.ts). */
export const needsAdminKey: SecurityDetail = { security: [{ adminKey: [] }] };
/** Health probes and the widget script: public on purpose (an empty list says so, where a missing one says nothing). */
export const needsNoKey: SecurityDetail = { security: [] };
