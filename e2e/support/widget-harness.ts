/**
 * What the widget browser tests share: a check that the bundle was built, a host site on its own loopback origin
 * (like a real customer site, so CORS is exercised), and shadow-root helpers for assertions.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export const BUNDLE_PATH = join(import.meta.dir, '..', '..', 'widget', 'dist', 'chat-widget.js');
export const SCREENSHOTS_DIR = join(import.meta.dir, '..', '..', 'docs', 'screenshots');

export function assertBundleBuilt(): void {
  if (!existsSync(BUNDLE_PATH)) {
    throw new Error(`The widget bundle ${BUNDLE_PATH} is missing: build it first with "bun run --filter widget build" (bun run test does this).`);
  }
}

export interface HostSite {
  origin: string;
  /** Serves `html` at a fresh path and returns its URL. */
  page(html: string): string;
  stop(): Promise<void>;
}

export function startHostSite(): HostSite {
  const pages = new Map<string, string>();
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request) {
      const html = pages.get(new URL(request.url).pathname);
      return html ? new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } }) : new Response('not found', { status: 404 });
    },
  });
  const origin = `http://127.0.0.1:${server.port}`;
  let next = 0;
  return {
    origin,
    page(html) {
      const path = `/page-${++next}.html`;
      pages.set(path, html);
      return origin + path;
    },
    async stop() {
      await server.stop(true);
    },
  };
}

export const SESSION_KEY = (apiUrl: string) => `open-chat-widget:session:${apiUrl}`;

/** The shadow root's elements, for checks that locators cannot express. */
export async function shadowQueryAll(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => document.querySelector('open-chat-widget')?.shadowRoot?.querySelectorAll(sel).length ?? -1, selector);
}

/** Waits until the last assistant bubble is done (complete, stopped or error). */
export async function waitForReplyDone(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const rows = document.querySelector('open-chat-widget')?.shadowRoot?.querySelectorAll('.row.assistant');
    const last = rows?.[rows.length - 1];
    return !!last && last.getAttribute('data-status') !== 'streaming';
  });
}
