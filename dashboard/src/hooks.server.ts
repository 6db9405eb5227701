/**
 * Reads the configuration once (the only place that touches the environment), refuses to start on a bad one,
 * and guards every page, action and endpoint behind a valid session cookie.
 */
import { json, redirect } from '@sveltejs/kit';
import type { Handle } from '@sveltejs/kit/hooks';
import { parseConfig } from '#lib/server/config.ts';
import { createDashboardDeps } from '#lib/server/deps.ts';
import { checkBody, FORM_BODY_LIMIT, isUploadAction } from '#lib/server/body-limit.ts';
import { guard } from '#lib/server/guard.ts';

const result = parseConfig(process.env);
if (!result.ok) {
  for (const problem of result.problems) console.error(`dashboard: ${problem}`);
  process.exit(1);
}
for (const notice of result.notices) console.warn(`dashboard: ${notice}`);

const deps = createDashboardDeps(result.config);

const SECURITY_HEADERS: Record<string, string> = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

export const handle: Handle = async ({ event, resolve }) => {
  const session = deps.sessions.read(event.cookies, deps.now());
  event.locals.deps = deps;
  event.locals.session = session;

  const decision = guard(event.url.pathname, event.url.search, session !== null);
  if (decision.kind === 'unauthorized') {
    return json({ error: 'Sign in to the dashboard first.', code: 'unauthenticated' }, { status: 401 });
  }
  if (decision.kind === 'login') redirect(303, decision.location);
  // The upload action checks its own, larger limit (and answers in the form); every other body stays small.
  if (!isUploadAction(event.url)) {
    const body = checkBody(event.request.method, event.request.headers, FORM_BODY_LIMIT);
    if (!body.ok) return json({ error: body.message, code: body.code }, { status: body.status });
  }

  const response = await resolve(event);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
  // Conversations are personal data: keep them out of shared and back-forward caches.
  if (session && !response.headers.has('cache-control')) response.headers.set('cache-control', 'private, no-store');
  return response;
};
