import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => ({
  signedIn: locals.session !== null,
  pollIntervalMs: locals.deps.config.pollIntervalMs,
});
