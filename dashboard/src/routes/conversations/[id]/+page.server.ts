import { error, redirect } from '@sveltejs/kit';
import { fromApi } from '#lib/server/api-errors.ts';
import { isConversationId } from '#lib/server/conversation-id.ts';
import type { Actions, PageServerLoad } from './$types';

function notFound(): never {
  error(404, 'This conversation does not exist (it may have been deleted).', { code: 'not_found' });
}

export const load: PageServerLoad = async ({ params, locals }) => {
  // Not an id the server could have made: no admin API call at all (admin-api.ts refuses it too).
  if (!isConversationId(params.id)) notFound();
  const thread = await fromApi(() => locals.deps.api.getThread(params.id));
  if (!thread) notFound();
  return { thread };
};

export const actions: Actions = {
  delete: async ({ params, locals }) => {
    if (!isConversationId(params.id)) notFound();
    // Already gone counts as done: the user wanted it gone.
    await fromApi(() => locals.deps.api.deleteConversation(params.id));
    redirect(303, '/?deleted=1');
  },
};
