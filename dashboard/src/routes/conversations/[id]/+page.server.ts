import { error, redirect } from '@sveltejs/kit';
import { fromApi } from '#lib/server/api-errors.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals }) => {
  const thread = await fromApi(() => locals.deps.api.getThread(params.id));
  if (!thread) error(404, { message: 'This conversation does not exist (it may have been deleted).', code: 'not_found' });
  return { thread };
};

export const actions: Actions = {
  delete: async ({ params, locals }) => {
    // Already gone counts as done: the user wanted it gone.
    await fromApi(() => locals.deps.api.deleteConversation(params.id));
    redirect(303, '/?deleted=1');
  },
};
