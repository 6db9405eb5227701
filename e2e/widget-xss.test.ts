/** The XSS catalogue, sent as visitor messages and streamed back as model replies: nothing may execute or stay active. */
import { afterAll, describe, expect, it } from 'bun:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './support/browser.ts';
import { assertBundleBuilt, startHostSite, waitForReplyDone, type HostSite } from './support/widget-harness.ts';
import { hostPage } from './fixtures/host-pages.ts';
import { XSS_PAYLOADS } from './fixtures/xss-payloads.ts';
import { startTestServer, type TestServer } from '../server/test/support/server.ts';

let server: TestServer;
let site: HostSite;
let browser: Browser;

// Setup runs at module scope, not in beforeAll: bun test kills every process a hook or test spawned when any test
// times out, even a stale timer (oven-sh/bun#39657), and processes spawned at module scope are not tracked.
await (async () => {
  assertBundleBuilt();
  site = startHostSite();
  server = await startTestServer({ env: { CORS_ORIGIN: site.origin, RATE_LIMIT_CHAT_PER_IP: '100000', RATE_LIMIT_CHAT_PER_SESSION: '100000' } });
  browser = await launchBrowser();
})();

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await site?.stop();
});

/** Splits the text into small chunks so that markup also arrives cut in the middle of tags and link targets. */
const chunks = (text: string) => text.match(/[\s\S]{1,5}/g) ?? [];

describe('XSS catalogue', () => {
  it('has at least 50 payloads', () => {
    expect(XSS_PAYLOADS.length).toBeGreaterThanOrEqual(50);
  });

  it('executes nothing and leaves no active markup, as visitor messages and as streamed model replies', async () => {
    // The model answers with the visitor's own payload, streamed in 5-character pieces.
    server.fakeLlm.script({
      kind: 'reply',
      tokens: (request) => chunks(request.body.messages?.filter((m) => m.role === 'user').at(-1)?.content ?? ''),
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(site.page(hostPage({ apiUrl: server.url, apiKey: server.widgetKey, data: { open: '' } })));
    await page.locator('open-chat-widget textarea').waitFor();

    for (const [index, payload] of XSS_PAYLOADS.entries()) {
      await page.evaluate((text) => window.OpenChatWidget!.send(text), payload);
      await page.locator('open-chat-widget .row.assistant').nth(index).waitFor();
      await waitForReplyDone(page);
    }
    // Hover and focus every element: handlers such as onmouseover/onfocus would fire now if any existed.
    const count = await page.locator('open-chat-widget .md *').count();
    for (let i = 0; i < count; i += 7) await page.locator('open-chat-widget .md *').nth(i).hover({ force: true, trial: false }).catch(() => {});

    const report = await page.evaluate(() => {
      const root = document.querySelector('open-chat-widget')!.shadowRoot!;
      const all = [...root.querySelectorAll('*')];
      return {
        xss: (window as unknown as { __xss?: unknown }).__xss,
        statuses: [...root.querySelectorAll('.row.assistant')].map((row) => row.getAttribute('data-status')),
        forbidden: all.filter((el) => !el.closest('.composer') && /^(script|img|iframe|object|embed|svg:script|form|input|meta|base|style|video|audio|math|details|marquee|noscript)$/i.test(el.tagName) && el.tagName !== 'STYLE').map((el) => el.tagName),
        styleTags: root.querySelectorAll('style').length,
        handlers: all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`)),
        hrefs: [...root.querySelectorAll('a')].map((a) => a.getAttribute('href') ?? ''),
        anchorsWithoutRel: [...root.querySelectorAll('a')].filter((a) => a.target !== '_blank' || a.rel !== 'noopener noreferrer').length,
        userTexts: [...root.querySelectorAll('.row.user .bubble')].map((b) => b.textContent ?? ''),
      };
    });
    expect(dialogs).toEqual([]);
    expect(report.xss).toBeUndefined();
    expect(report.statuses).toEqual(XSS_PAYLOADS.map(() => 'complete'));
    expect(report.forbidden).toEqual([]);
    // The only <style> elements are the widget's own: the :host rule and Svelte's component stylesheet.
    expect(report.styleTags).toBe(2);
    expect(report.handlers).toEqual([]);
    expect(report.hrefs.every((href) => /^(https?:\/\/[^/]|mailto:)/i.test(href))).toBe(true);
    expect(report.anchorsWithoutRel).toBe(0);
    // Visitor messages are shown exactly as typed (trimmed), as text.
    expect(report.userTexts.map((t) => t.replace(/^You:\s*/, ''))).toEqual(XSS_PAYLOADS.map((p) => p.trim()));
    await context.close();
  }, 120_000);
});
