import { fail, redirect } from '@sveltejs/kit';
import { safeNext } from '#lib/server/guard.ts';
import { passwordMatches } from '#lib/server/password.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
  const next = safeNext(url.searchParams.get('next'));
  if (locals.session) redirect(303, next);
  return { next, passwordConfigured: locals.deps.config.password !== null };
};

/** "12 s", or whole minutes once it is longer than two. */
function waitText(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds > 120 ? `${Math.ceil(seconds / 60)} min` : `${seconds} s`;
}

export const actions: Actions = {
  default: async ({ request, locals, cookies, url, getClientAddress, setHeaders }) => {
    const { deps } = locals;
    if (deps.config.password === null) {
      return fail(503, { message: 'Sign-in is off: set DASHBOARD_PASSWORD and restart the dashboard.' });
    }

    // The attempt is taken (counted) here, before the body is awaited: requests whose bodies arrive later cannot
    // all pass a check that only their own failures would have closed.
    const attempt = deps.loginGate.take(clientAddress(getClientAddress), deps.now());
    if (!attempt.allowed) {
      setHeaders({ 'retry-after': String(Math.max(1, Math.ceil(attempt.retryAfterMs / 1000))) });
      const wait = waitText(attempt.retryAfterMs);
      const message =
        attempt.scope === 'client'
          ? `Too many attempts. Try again in ${wait}.`
          : `Too many wrong passwords for this dashboard. Try again in ${wait}.`;
      return fail(429, { message });
    }

    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      return fail(400, { message: 'Send the password from the sign-in form.' });
    }
    const password = String(form.get('password') ?? '');
    const next = safeNext(String(form.get('next') ?? '/'));

    if (!passwordMatches(password, deps.config.password)) {
      return fail(401, { message: 'That password is not right.' });
    }

    attempt.succeeded();
    deps.sessions.issue(cookies, url.protocol === 'https:', deps.now());
    redirect(303, next);
  },
};

/**
 * adapter-node throws when ADDRESS_HEADER is set but the request lacks that header (someone reaching the
 * dashboard's port directly, not through the proxy): such clients share one count instead of a 500.
 */
function clientAddress(getClientAddress: () => string): string {
  try {
    return getClientAddress();
  } catch {
    return 'unknown';
  }
}
