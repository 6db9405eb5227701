/**
 * What a newcomer sees first: the demo page the server itself serves at `/` (its own template, its own CSP), and an
 * embed snippet written for the original widget, whose data-api-url named the `/chat` endpoint.
 */
import { afterAll, describe, expect, it } from 'bun:test';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/test/support/server.ts';
import { hostPage } from './fixtures/host-pages.ts';
import { launchBrowser } from './support/browser.ts';
import { assertBundleBuilt, startHostSite, waitForReplyDone, type HostSite } from './support/widget-harness.ts';

let server: TestServer;
let site: HostSite;
let browser: Browser;

// Setup runs at module scope, not in beforeAll: bun test kills every process a hook or test spawned when any test
// times out, even a stale timer (oven-sh/bun#39657), and processes spawned at module scope are not tracked.
await (async () => {
  assertBundleBuilt();
  site = startHostSite();
  server = await startTestServer({ env: { DEMO_PAGE: 'true', CORS_ORIGIN: site.origin } });
  browser = await launchBrowser();
})();

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await site?.stop();
});

describe('the demo page at /', () => {
  it('loads the widget under the page\'s strict CSP, with no console error, and gets a streamed reply', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['Welcome', ' to', ' the', ' demo', '.'], delayMs: 10 });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    // The browser asks every site for /favicon.ico; anything else that fails is a problem.
    page.on('response', (response) => {
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(`${server.url}/`);
    await page.locator('open-chat-widget .launcher').click();
    await page.locator('open-chat-widget textarea').fill('Does the demo work?');
    await page.locator('open-chat-widget textarea').press('Enter');
    await waitForReplyDone(page);
    expect(await page.locator('open-chat-widget .row.assistant').last().textContent()).toContain('Welcome to the demo.');
    expect(problems).toEqual([]);
    const thread = await server.store.getSessionThread(
      (await page.evaluate(() => Object.entries(localStorage).find(([key]) => key.startsWith('open-chat-widget:session:'))?.[1])) as string,
      10,
    );
    expect(thread!.messages.map((m) => m.content)).toEqual(['Does the demo work?', 'Welcome to the demo.']);
    await page.close();
  });
});

describe('an embed snippet written for the original widget', () => {
  it('works with data-api-url naming the /chat endpoint', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['Still', ' compatible'] });
    const page = await browser.newPage();
    // The original README's snippet: the script from the server, data-api-url naming its /chat route.
    const snippet = `<script src="${server.url}/widget/chat-widget.js" data-api-url="${server.url}/chat" data-api-key="${server.widgetKey}" defer></script>`;
    await page.goto(site.page(hostPage({ apiUrl: server.url, apiKey: server.widgetKey }).replace(/<script src=[^\n]*<\/script>/, snippet)));
    expect(await page.locator('script[data-api-url]').getAttribute('data-api-url')).toBe(`${server.url}/chat`);
    await page.locator('open-chat-widget .launcher').click();
    await page.locator('open-chat-widget textarea').fill('Hello from an old snippet');
    await page.locator('open-chat-widget textarea').press('Enter');
    await waitForReplyDone(page);
    expect(await page.locator('open-chat-widget .row.assistant').last().textContent()).toContain('Still compatible');
    await page.close();
  });
});
