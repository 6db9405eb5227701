import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';
import { dashboardAdapter } from './adapter.ts';

export default defineConfig({
  plugins: [
    sveltekit({
      adapter: dashboardAdapter(),
      // Kit's origin check stays on. The entry (entry/index.js) tells Kit which origin a request came from
      // (X-Forwarded-Proto/Host behind Caddy, the socket otherwise), so plain http and https both pass it.
      csrf: { trustedOrigins: [] },
      version: { pollInterval: 0 },
    }),
  ],
});
