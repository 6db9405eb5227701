/** The widget in a real Chromium against the real server: streaming, stop, retry, restore, new conversation, feedback. */
import { afterAll, describe, expect, it } from 'bun:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from './support/browser.ts';
import { assertBundleBuilt, SESSION_KEY, startHostSite, waitForReplyDone, type HostSite } from './support/widget-harness.ts';
import { hostPage } from './fixtures/host-pages.ts';
import { startTestServer, type TestServer } from '../server/test/support/server.ts';

let server: TestServer;
let site: HostSite;
let browser: Browser;

// Setup runs at module scope, not in beforeAll: bun test kills every process a hook or test spawned when any test
// times out, even a stale timer (oven-sh/bun#39657), and processes spawned at module scope are not tracked.
await (async () => {
  assertBundleBuilt();
  site = startHostSite();
  server = await startTestServer({ env: { CORS_ORIGIN: site.origin } });
  browser = await launchBrowser();
})();

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await site?.stop();
});

async function openWidget(data: Record<string, string> = {}): Promise<{ context: BrowserContext; page: Page; url: string }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.origin });
  const page = await context.newPage();
  const url = site.page(hostPage({ apiUrl: server.url, apiKey: server.widgetKey, data }));
  await page.goto(url);
  await page.locator('open-chat-widget .launcher').click();
  await page.locator('open-chat-widget textarea').waitFor();
  return { context, page, url };
}

async function send(page: Page, text: string) {
  await page.locator('open-chat-widget textarea').fill(text);
  await page.locator('open-chat-widget textarea').press('Enter');
}

const lastReply = (page: Page) => page.locator('open-chat-widget .row.assistant').last();

async function conversationOf(page: Page) {
  const sessionId = await page.evaluate((key) => localStorage.getItem(key), SESSION_KEY(server.url));
  expect(sessionId).toBeTruthy();
  const list = (await (await server.admin('/v1/admin/conversations?limit=100')).json()) as { conversations: Array<{ id: string; sessionId: string }> };
  const conversation = list.conversations.find((item) => item.sessionId === sessionId);
  expect(conversation).toBeDefined();
  const thread = (await (await server.admin(`/v1/admin/conversations/${conversation!.id}`)).json()) as {
    messages: Array<{ role: string; content: string; status: string; feedback: string | null }>;
  };
  return thread.messages;
}

describe('widget conversation', () => {
  it('renders a streamed reply token by token, with a typing indicator before the first token', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['Hello', ' there', ', how', ' can', ' I', ' help', '?'], delayMs: 120 });
    const { context, page } = await openWidget();
    // Record every text the reply bubble shows, from inside the page, so no sample is missed.
    await page.evaluate(() => {
      const root = document.querySelector('open-chat-widget')!.shadowRoot!;
      const seen: string[] = [];
      (window as unknown as { __seen: string[] }).__seen = seen;
      new MutationObserver(() => {
        const rows = root.querySelectorAll('.row.assistant .bubble');
        const text = rows[rows.length - 1]?.textContent ?? '';
        if (seen[seen.length - 1] !== text) seen.push(text);
      }).observe(root, { subtree: true, childList: true, characterData: true });
    });
    await send(page, 'Hi!');
    await page.locator('open-chat-widget .typing').waitFor();
    await waitForReplyDone(page);
    await expect(lastReply(page).locator('.bubble').textContent()).resolves.toContain('Hello there, how can I help?');
    const seen = await page.evaluate(() => (window as unknown as { __seen: string[] }).__seen);
    const partial = seen.filter((text) => text.includes('Hello') && !text.includes('help?'));
    expect(partial.length).toBeGreaterThanOrEqual(3);
    await expect(page.locator('open-chat-widget textarea').inputValue()).resolves.toBe('');
    await context.close();
  }, 30_000);

  it('Stop aborts the request; the upstream call is aborted and the reply is stored as stopped', async () => {
    server.fakeLlm.script({ kind: 'stall', tokens: ['Partial', ' answer'] });
    const { context, page } = await openWidget();
    const before = server.fakeLlm.requests.length;
    await send(page, 'Tell me a long story');
    await lastReply(page).getByText('Partial answer').waitFor();
    await page.locator('open-chat-widget button[aria-label="Stop"]').click();
    const request = server.fakeLlm.requests[before]!;
    await server.fakeLlm.waitForAbort(request);
    await lastReply(page).locator('.note').waitFor();
    let messages = await conversationOf(page);
    for (let i = 0; i < 50 && messages.at(-1)?.status !== 'stopped'; i++) {
      await Bun.sleep(50);
      messages = await conversationOf(page);
    }
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', status: 'stopped', content: 'Partial answer' });
    await context.close();
  }, 30_000);

  it('shows a human error with Retry after a failure, keeps the text, and Retry then succeeds', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['Recovered', ' fine.'] });
    server.fakeLlm.queue({ kind: 'status', status: 500 });
    const { context, page } = await openWidget();
    await send(page, 'Will this work?');
    const alert = page.locator('open-chat-widget [role="alert"]');
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toMatch(/unavailable|went wrong/);
    await page.locator('open-chat-widget .failure button').click();
    await lastReply(page).getByText('Recovered fine.').waitFor();
    await waitForReplyDone(page);
    expect(await alert.count()).toBe(0);
    await context.close();
  }, 30_000);

  it('keeps the typed text in the input when the send is refused before the stream starts', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(site.page(hostPage({ apiUrl: server.url, apiKey: 'wrong-key', data: { open: '' } })));
    await send(page, 'My carefully typed question');
    const alert = page.locator('open-chat-widget [role="alert"]');
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toContain('not set up correctly');
    await expect(page.locator('open-chat-widget textarea').inputValue()).resolves.toBe('My carefully typed question');
    expect(await page.locator('open-chat-widget .row').count()).toBe(1); // only the welcome bubble
    await context.close();
  }, 30_000);

  it('restores the conversation after a reload, and "new conversation" starts a fresh session', async () => {
    server.fakeLlm.script({ kind: 'echo' });
    const { context, page } = await openWidget();
    await send(page, 'Remember the word pineapple');
    await waitForReplyDone(page);
    const firstSession = await page.evaluate((key) => localStorage.getItem(key), SESSION_KEY(server.url));
    await page.reload();
    await page.locator('open-chat-widget .launcher').click();
    await page.locator('open-chat-widget .row.user').getByText('Remember the word pineapple').waitFor();
    await lastReply(page).getByText('Remember the word pineapple').waitFor();

    await page.locator('open-chat-widget button[aria-label="New conversation"]').click();
    expect(await page.locator('open-chat-widget .row.user').count()).toBe(0);
    const secondSession = await page.evaluate((key) => localStorage.getItem(key), SESSION_KEY(server.url));
    expect(secondSession).toBeTruthy();
    expect(secondSession).not.toBe(firstSession);
    await page.reload();
    await page.locator('open-chat-widget .launcher').click();
    await page.locator('open-chat-widget textarea').waitFor();
    // The restore request of the new session answers with nothing; wait for it before counting.
    await page.waitForLoadState('networkidle');
    expect(await page.locator('open-chat-widget .row.user').count()).toBe(0);
    await context.close();
  }, 30_000);

  it('stores thumbs up/down feedback and copies a reply', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['Useful', ' answer.'] });
    const { context, page } = await openWidget();
    await send(page, 'Rate me');
    await waitForReplyDone(page);
    const up = lastReply(page).locator('button[aria-label="Helpful"]');
    await up.click();
    await expect(up.getAttribute('aria-pressed')).resolves.toBe('true');
    let messages = await conversationOf(page);
    for (let i = 0; i < 50 && messages.at(-1)?.feedback !== 'up'; i++) {
      await Bun.sleep(50);
      messages = await conversationOf(page);
    }
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', feedback: 'up' });

    await lastReply(page).locator('button[aria-label="Not helpful"]').click();
    for (let i = 0; i < 50 && messages.at(-1)?.feedback !== 'down'; i++) {
      await Bun.sleep(50);
      messages = await conversationOf(page);
    }
    expect(messages.at(-1)?.feedback).toBe('down');

    await lastReply(page).locator('button[aria-label="Copy"]').click();
    await lastReply(page).locator('button[aria-label="Copied"]').waitFor();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe('Useful answer.');
    await context.close();
  }, 30_000);

  it('tells the visitor how long to wait when rate-limited, and that they are offline when the network is gone', async () => {
    const limited = await startTestServer({ env: { CORS_ORIGIN: site.origin, RATE_LIMIT_CHAT_PER_SESSION: '1' } });
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(site.page(hostPage({ apiUrl: limited.url, apiKey: limited.widgetKey, data: { open: '' } })));
      await send(page, 'First message');
      await waitForReplyDone(page);
      await send(page, 'Second message, too soon');
      const alert = page.locator('open-chat-widget [role="alert"]');
      await alert.waitFor();
      await expect(alert.textContent()).resolves.toMatch(/Too many messages\. Please wait \d+ s/);
      await expect(page.locator('open-chat-widget textarea').inputValue()).resolves.toBe('Second message, too soon');

      await context.setOffline(true);
      await page.locator('open-chat-widget .failure button').click();
      await expect(alert.textContent()).resolves.toContain('offline');
      await context.close();
    } finally {
      await limited.stop();
    }
  }, 30_000);

  it('reports the host page by origin and path only: no query string or fragment reaches the server', async () => {
    server.fakeLlm.script({ kind: 'reply', tokens: ['Sent again.'] });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const url = site.page(hostPage({ apiUrl: server.url, apiKey: server.widgetKey, data: { open: '' } }));
      await page.goto(`${url}?token=reset-s3cr3t#access_token=oauth-s3cr3t`);
      await send(page, 'The reset link did not work');
      await waitForReplyDone(page);
      const sessionId = await page.evaluate((key) => localStorage.getItem(key), SESSION_KEY(server.url));
      const list = (await (await server.admin('/v1/admin/conversations?limit=100')).json()) as { conversations: Array<{ sessionId: string; pageUrl: string | null }> };
      expect(list.conversations.find((c) => c.sessionId === sessionId)?.pageUrl).toBe(url);
    } finally {
      await context.close();
    }
  });
});
