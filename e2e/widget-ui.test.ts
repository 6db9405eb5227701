/** The widget's look and reach: isolation from hostile host CSS, mobile, RTL, keyboard, axe-core, the JS API, screenshots. */
import { afterAll, describe, expect, it } from 'bun:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './support/browser.ts';
import { assertBundleBuilt, SCREENSHOTS_DIR, startHostSite, waitForReplyDone, type HostSite } from './support/widget-harness.ts';
import { HOSTILE_CSS, hostPage, type EmbedOptions } from './fixtures/host-pages.ts';
import { startTestServer, type TestServer } from '../server/test/support/server.ts';

let server: TestServer;
let site: HostSite;
let browser: Browser;

const MARKDOWN_REPLY = ['Here is how to **plant tulips**:\n\n', '1. Pick a *sunny* spot\n', '2. Dig 15 cm deep\n', '3. Water well\n\n', 'Check soil with `ph-test`:\n\n', '```sh\nph-test --bed north\n```\n\n', 'More at [our guide](https://example.com/tulips).'];

// Setup runs at module scope, not in beforeAll: bun test kills every process a hook or test spawned when any test
// times out, even a stale timer (oven-sh/bun#39657), and processes spawned at module scope are not tracked.
await (async () => {
  assertBundleBuilt();
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  site = startHostSite();
  server = await startTestServer({ env: { CORS_ORIGIN: site.origin } });
  browser = await launchBrowser();
})();

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await site?.stop();
});

async function load(options: Partial<EmbedOptions> & { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {}) {
  // Reduced motion turns the widget's transitions off, so computed styles and screenshots never catch one midway.
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 }, colorScheme: options.colorScheme, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(site.page(hostPage({ apiUrl: server.url, apiKey: server.widgetKey, ...options })));
  await page.locator('open-chat-widget .launcher').waitFor();
  return { context, page, errors };
}

async function chat(page: Page, text: string) {
  await page.locator('open-chat-widget textarea').fill(text);
  await page.locator('open-chat-widget textarea').press('Enter');
  await waitForReplyDone(page);
}

/** Computed styles of the widget's main parts, to compare one page with another. */
function widgetStyles(page: Page) {
  return page.evaluate(() => {
    const root = document.querySelector('open-chat-widget')!.shadowRoot!;
    const pick = (selector: string) => {
      const element = root.querySelector(selector);
      if (!element) return null;
      const style = getComputedStyle(element);
      const box = element.getBoundingClientRect();
      return {
        box: [Math.round(box.x), Math.round(box.y), Math.round(box.width), Math.round(box.height)],
        ...Object.fromEntries(['font-size', 'font-family', 'color', 'background-color', 'padding', 'border-radius', 'display', 'line-height', 'letter-spacing'].map((p) => [p, style.getPropertyValue(p)])),
      };
    };
    return Object.fromEntries(['.launcher', '.panel', '.head', 'h2', '.bubble', '.row.user .bubble', 'textarea', '.composer button', '.md code', '.md pre'].map((s) => [s, pick(s)]));
  });
}

async function runAxe(page: Page) {
  await page.evaluate(axe.source);
  return page.evaluate(async () => {
    const result = await (window as unknown as { axe: typeof axe }).axe.run(document.querySelector('open-chat-widget')!, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

describe('widget UI', () => {
  it('looks exactly the same on a page with hostile CSS as on a plain page', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: MARKDOWN_REPLY });
    const plain = await load();
    const hostile = await load({ head: HOSTILE_CSS });
    const shots: Buffer[] = [];
    const styles = [];
    for (const { page } of [plain, hostile]) {
      await page.locator('open-chat-widget .launcher').click();
      await chat(page, 'How do I plant tulips?');
      await page.mouse.move(0, 0);
      styles.push(await widgetStyles(page));
      // Pixels that are only the widget's: inside the rounded corners of the panel and of the launcher circle.
      for (const selector of ['.panel', '.launcher']) {
        const box = await page.evaluate((sel) => document.querySelector('open-chat-widget')!.shadowRoot!.querySelector(sel)!.getBoundingClientRect().toJSON(), selector);
        const inset = selector === '.panel' ? 18 : 9;
        shots.push(await page.screenshot({ clip: { x: box.x + inset, y: box.y + inset, width: box.width - 2 * inset, height: box.height - 2 * inset }, animations: 'disabled' }));
      }
    }
    expect(styles[1]).toEqual(styles[0]);
    expect(styles[0]['.launcher']).toMatchObject({ 'font-size': '14.5px' });
    expect(shots).toHaveLength(4);
    expect(Buffer.compare(shots[0]!, shots[2]!)).toBe(0);
    expect(Buffer.compare(shots[1]!, shots[3]!)).toBe(0);
    await plain.context.close();
    await hostile.context.close();
  }, 30_000);

  it('opens full screen on a 375×667 phone, and closes back to the launcher', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['Sure, ', 'happy to help.'] });
    const { context, page } = await load({ viewport: { width: 375, height: 667 } });
    await page.screenshot({ path: join(SCREENSHOTS_DIR, 'widget-mobile-closed.png') });
    await page.locator('open-chat-widget .launcher').click();
    await chat(page, 'Hello from my phone');
    const box = await page.evaluate(() => document.querySelector('open-chat-widget')!.shadowRoot!.querySelector('.panel')!.getBoundingClientRect().toJSON());
    expect([box.x, box.y, box.width, box.height]).toEqual([0, 0, 375, 667]);
    await page.screenshot({ path: join(SCREENSHOTS_DIR, 'widget-mobile.png'), animations: 'disabled' });
    await page.locator('open-chat-widget .head button[aria-label="Close chat"]').click();
    await page.locator('open-chat-widget .launcher').waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelector('open-chat-widget')!.shadowRoot!.activeElement?.classList.contains('launcher'));
    await context.close();
  }, 30_000);

  it('lays out right-to-left in Arabic with data-lang="ar"', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['مرحبًا! ', 'كيف ', 'يمكنني ', 'مساعدتك؟'] });
    const { context, page } = await load({ data: { lang: 'ar' } });
    await page.locator('open-chat-widget .launcher').click();
    const root = page.locator('open-chat-widget .ocw');
    await expect(root.getAttribute('dir')).resolves.toBe('rtl');
    await expect(page.locator('open-chat-widget textarea').getAttribute('placeholder')).resolves.toBe('اكتب رسالة…');
    await chat(page, 'مرحبا');
    const layout = await page.evaluate(() => {
      const r = document.querySelector('open-chat-widget')!.shadowRoot!;
      const rect = (s: string) => r.querySelector(s)!.getBoundingClientRect();
      return { panelLeft: rect('.panel').left, user: rect('.row.user .bubble'), bot: rect('.row.assistant .bubble'), launcherLeft: rect('.launcher').left };
    });
    // RTL: the panel sits on the left, the visitor's bubbles on the left and the assistant's on the right.
    expect(layout.panelLeft).toBeLessThan(100);
    expect(layout.launcherLeft).toBeLessThan(100);
    expect(layout.user.left).toBeLessThan(layout.bot.left);
    await page.mouse.move(640, 300);
    await page.screenshot({ path: join(SCREENSHOTS_DIR, 'widget-rtl.png'), animations: 'disabled' });
    await context.close();
  }, 30_000);

  it('can be used with the keyboard alone: open, type, send, Esc closes and focus returns to the launcher', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['Keyboard ', 'works.'] });
    const { context, page } = await load({ body: '<a href="#top">Top</a>' });
    const activeInWidget = () => page.evaluate(() => {
      const active = document.querySelector('open-chat-widget')!.shadowRoot!.activeElement;
      return active ? `${active.tagName.toLowerCase()}${active.className ? '.' + String(active.className).split(' ')[0] : ''}` : null;
    });
    await page.keyboard.press('Tab'); // the page's own link
    await page.keyboard.press('Tab'); // the launcher
    expect(await activeInWidget()).toBe('button.launcher');
    await page.keyboard.press('Enter');
    await page.locator('open-chat-widget .panel').waitFor();
    expect(await activeInWidget()).toBe('textarea');
    await page.keyboard.type('Hello by keyboard');
    await page.keyboard.press('Enter');
    await waitForReplyDone(page);
    await page.locator('open-chat-widget .row.assistant').getByText('Keyboard works.').waitFor();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter'); // back from the input to the reply's "Not helpful", which works
    await page.locator('open-chat-widget button[aria-pressed="true"]').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('open-chat-widget .panel').waitFor({ state: 'detached' });
    expect(await activeInWidget()).toBe('button.launcher');
    await context.close();
  }, 30_000);

  it('has no serious or critical axe-core violations, closed, open with a reply, and in dark theme', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: MARKDOWN_REPLY });
    for (const theme of ['light', 'dark']) {
      const { context, page } = await load({ data: { theme } });
      if (theme === 'light') {
        expect((await runAxe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
        await page.screenshot({ path: join(SCREENSHOTS_DIR, 'widget-closed.png') });
      }
      await page.locator('open-chat-widget .launcher').click();
      await chat(page, 'How do I plant tulips?');
      await page.mouse.move(0, 0);
      expect((await runAxe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS_DIR, theme === 'dark' ? 'widget-dark.png' : 'widget-open.png'), animations: 'disabled' });
      await context.close();
    }
  }, 30_000);

  it('exposes window.OpenChatWidget: open, close, toggle, send, on (with unsubscribe), newConversation, destroy', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['API ', 'reply.'] });
    const { context, page } = await load();
    const events = await page.evaluate(async () => {
      const widget = window.OpenChatWidget!;
      const seen: string[] = [];
      widget.on('open', () => seen.push('open'));
      widget.on('close', () => seen.push('close'));
      const off = widget.on('message', (detail) => seen.push(`message:${(detail as { role: string }).role}`));
      const done = new Promise<void>((resolve) => widget.on('message', (d) => (d as { role: string }).role === 'assistant' && resolve()));
      widget.send('Sent through the API');
      await done;
      off();
      widget.close();
      widget.toggle();
      widget.send('Second one');
      return seen;
    });
    expect(events).toEqual(['open', 'message:user', 'message:assistant', 'close', 'open']);
    await waitForReplyDone(page);
    await page.evaluate(() => window.OpenChatWidget!.destroy());
    expect(await page.locator('open-chat-widget').count()).toBe(0);
    expect(await page.evaluate(() => typeof window.OpenChatWidget)).toBe('undefined');
    await context.close();
  }, 30_000);

  it('logs one clear error and mounts nothing without data-api-key; warns and falls back on a bad colour', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const messages: Array<{ type: string; text: string }> = [];
    page.on('console', (m) => messages.push({ type: m.type(), text: m.text() }));
    await page.goto(site.page(`<!doctype html><html><body><script src="${server.url}/widget/chat-widget.js" data-api-url="${server.url}"></script></body></html>`));
    await page.waitForLoadState('load');
    expect(messages.filter((m) => m.type === 'error').map((m) => m.text)).toEqual([expect.stringContaining('missing data-api-key')]);
    expect(await page.locator('open-chat-widget').count()).toBe(0);

    messages.length = 0;
    await page.goto(site.page(hostPage({ apiUrl: server.url, apiKey: server.widgetKey, data: { 'accent-color': 'red; background: url(x)' } })));
    await page.locator('open-chat-widget .launcher').waitFor();
    expect(messages.filter((m) => m.type === 'warning').map((m) => m.text)).toEqual([expect.stringContaining('data-accent-color')]);
    const background = await page.evaluate(() => getComputedStyle(document.querySelector('open-chat-widget')!.shadowRoot!.querySelector('.launcher')!).backgroundColor);
    expect(background).toBe('rgb(79, 70, 229)');
    await context.close();
  }, 30_000);
});
