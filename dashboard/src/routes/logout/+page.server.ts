import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
  default: ({ locals, cookies, url }) => {
    const { deps, session } = locals;
    deps.sessions.revoke(cookies, session, url.protocol === 'https:', deps.now());
    redirect(303, '/login');
  },
};
