import { error } from '@sveltejs/kit';
import { AdminApiError } from './admin-api.ts';

/** Runs an admin API call and turns its failure into the page error a user can act on. */
export async function fromApi<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    if (cause instanceof AdminApiError) {
      const status = cause.status === 404 || cause.status === 400 ? cause.status : 502;
      error(status, cause.message, { code: cause.code });
    }
    throw cause;
  }
}
