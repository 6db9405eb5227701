import { sveltekit } from '@sveltejs/kit/vite';
import { createHash } from 'node:crypto';
import { defineConfig } from 'vite';
import { dashboardAdapter } from './adapter.ts';

/**
 * Kit's route announcer (the live region that reads out each client-side navigation) is the one element with a
 * style attribute. The policy allows exactly that attribute by its hash ('unsafe-hashes' lets a hash match an
 * attribute), not style attributes in general; app.css hides the announcer the same way for browsers that do not
 * know 'unsafe-hashes'. e2e/dashboard-security.test.ts fails if a Kit update changes the string.
 */
const KIT_ANNOUNCER_STYLE =
  'position: absolute; left: 0; top: 0; clip: rect(0 0 0 0); clip-path: inset(50%); overflow: hidden; white-space: nowrap; width: 1px; height: 1px';
const kitAnnouncerHash = `sha256-${createHash('sha256').update(KIT_ANNOUNCER_STYLE).digest('base64')}` as const;

export default defineConfig({
  plugins: [
    sveltekit({
      adapter: dashboardAdapter(),
      // Kit's origin check stays on. The entry (entry/index.js) tells Kit which origin a request came from
      // (X-Forwarded-Proto/Host behind Caddy, the socket otherwise), so plain http and https both pass it.
      csrf: { trustedOrigins: [] },
      version: { pollInterval: 0 },
      // Kit adds a fresh nonce per response to script-src/style-src for the inline script it writes to hydrate a
      // page, so nothing inline runs unless Kit put it there: no 'unsafe-inline', no 'unsafe-eval'. The pages
      // carry no style attributes but Kit's announcer (app.html's wrapper uses a class; charts are plain SVG), so
      // styles stay strict too. A visitor-chosen `javascript:` URL could not run here even if it became a link.
      csp: {
        mode: 'nonce',
        directives: {
          'default-src': ['self'],
          'script-src': ['self'],
          'style-src': ['self'],
          'style-src-attr': ['unsafe-hashes', kitAnnouncerHash],
          'img-src': ['self', 'data:'],
          'font-src': ['self'],
          'connect-src': ['self'],
          'object-src': ['none'],
          'base-uri': ['none'],
          'form-action': ['self'],
          // The same as X-Frame-Options: DENY (hooks.server.ts, Caddyfile) for browsers that read only this.
          'frame-ancestors': ['none'],
        },
      },
    }),
  ],
});
