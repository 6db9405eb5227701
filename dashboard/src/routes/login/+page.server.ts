import { fail, redirect } from '@sveltejs/kit';
import { safeNext } from '#lib/server/guard.ts';
import { passwordMatches } from '#lib/server/password.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
  const next = safeNext(url.searchParams.get('next'));
  if (locals.session) redirect(303, next);
  return { next, passwordConfigured: locals.deps.config.password !== null };
};

export const actions: Actions = {
  default: async ({ request, locals, cookies, url, getClientAddress }) => {
    const { deps } = locals;
    const now = deps.now();
    const client = getClientAddress();

    const gate = deps.loginLimiter.check(client, now);
    if (!gate.allowed) {
      const seconds = Math.ceil(gate.retryAfterMs / 1000);
      return fail(429, { message: `Too many attempts. Try again in ${seconds} s.` });
    }

    const form = await request.formData();
    const password = String(form.get('password') ?? '');
    const next = safeNext(String(form.get('next') ?? '/'));

    if (deps.config.password === null) {
      return fail(503, { message: 'Sign-in is off: set DASHBOARD_PASSWORD and restart the dashboard.' });
    }
    if (!passwordMatches(password, deps.config.password)) {
      deps.loginLimiter.recordFailure(client, now);
      return fail(401, { message: 'That password is not right.' });
    }

    deps.loginLimiter.reset(client);
    deps.sessions.issue(cookies, url.protocol === 'https:', now);
    redirect(303, next);
  },
};
