/**
 * The dashboard at work, in a real browser: the list, full-text search, a filter, a thread with its metadata,
 * live updates without a reload, delete, JSONL/CSV exports with the current filters, and the admin key never
 * reaching the browser. The BUILT dashboard runs against the real server, seeded through real chat turns.
 */
import { afterAll, describe, expect, it, setDefaultTimeout } from 'bun:test';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/test/support/server.ts';
import { launchBrowser } from './support/browser.ts';
import { DASHBOARD_PASSWORD, startDashboard, type RunningDashboard } from './support/dashboard-app.ts';
import { chatTurn, SEED, seedSupportInbox, shiftableClock, SHOP } from './support/dashboard-seed.ts';
import { REPO_ROOT } from './support/processes.ts';

setDefaultTimeout(30_000);

const SCREENSHOTS = join(REPO_ROOT, 'docs', 'screenshots');

let server: TestServer;
let dashboard: RunningDashboard;
let browser: Browser;
let context: BrowserContext;
let conversationIds: Map<string, string>;
/** Every response body the browser received, for the admin-key check. */
const bodies: Array<Promise<{ url: string; text: string }>> = [];

// Setup runs at module scope, not in beforeAll: bun test kills every process a hook or test spawned when any test
// times out, even a stale timer (oven-sh/bun#39657), and processes spawned at module scope are not tracked.
await (async () => {
  const clock = shiftableClock();
  server = await startTestServer({ env: { RATE_LIMIT_ADMIN_PER_IP: '100000', RATE_LIMIT_CHAT_PER_IP: '100000', RATE_LIMIT_CHAT_PER_SESSION: '100000' }, now: clock.now });
  conversationIds = await seedSupportInbox(server, clock);
  dashboard = await startDashboard({ apiUrl: server.url, adminKey: server.adminKey });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  context.on('response', (response) => {
    bodies.push(
      response
        .body()
        .then((body) => ({ url: response.url(), text: body.toString('utf8') }))
        .catch(() => ({ url: response.url(), text: '' })),
    );
  });
  mkdirSync(SCREENSHOTS, { recursive: true });

  const page = await context.newPage();
  await page.goto(`${dashboard.url}/login`);
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-login.png') });
  await page.getByLabel('Password').fill(DASHBOARD_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Conversations' }).waitFor();
  await page.close();
})();

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await dashboard?.stop();
  await server?.stop();
});

const rows = (page: Page) => page.locator('li[data-conversation-id]');
const rowIds = async (page: Page) => rows(page).evaluateAll((items) => items.map((item) => item.getAttribute('data-conversation-id')));

async function openList(query = ''): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${dashboard.url}/${query}`);
  await page.getByRole('heading', { name: 'Conversations' }).waitFor();
  return page;
}

describe('conversation list', () => {
  it('lists every conversation, newest activity first, with preview, count, time, page and badges', async () => {
    const page = await openList();
    const newestFirst = [...SEED].reverse().map((day) => conversationIds.get(day.turns[0]!.sessionId));
    expect(await rowIds(page)).toEqual(newestFirst);

    const lamp = rows(page).filter({ hasText: 'shop.example/products/aurora-lamp' });
    await expect(lamp.textContent()).resolves.toContain('It has a built-in LED module');
    expect(await lamp.textContent()).toContain('4 messages');
    expect(await lamp.textContent()).toContain('2 days ago');
    expect(await lamp.getByLabel('1 helpful').count()).toBe(1);

    const failed = page.locator(`li[data-conversation-id="${conversationIds.get('s-order')}"]`);
    expect(await failed.getByLabel('1 failed replies').count()).toBe(1);
    expect(await rows(page).first().textContent()).toContain('4 h ago');
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-list.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-list-dark.png'), fullPage: true });
    await page.close();
  });

  it('finds a conversation by a word from any of its messages', async () => {
    const page = await openList();
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('HomeKit');
    await page.getByRole('button', { name: 'Search' }).click();
    // What the user waits for: the list narrowed to the match. Whether the click came before the page's script ran
    // (a plain form GET, redirected to the tidy URL) or after (a scripted navigation), it ends on the same address.
    await rows(page).nth(1).waitFor({ state: 'detached' });
    await page.locator(`li[data-conversation-id="${conversationIds.get('s-lamp')}"]`).waitFor();
    await expect(rowIds(page)).resolves.toEqual([conversationIds.get('s-lamp')]);
    await page.waitForURL(/\/\?q=HomeKit$/);
    await page.close();
  });

  it('keeps a search typed before the page finished loading (hydration does not wipe it)', async () => {
    // The page's script held back until the search is typed: a slow link, or a loaded machine.
    const page = await context.newPage();
    let release!: () => void;
    const scriptsHeld = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/_app/immutable/**/*.js', async (route) => {
      await scriptsHeld;
      await route.continue();
    });
    await page.goto(`${dashboard.url}/`, { waitUntil: 'domcontentloaded' });
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('HomeKit');
    // The page is live (hydrated) once it refreshes the list by itself.
    const live = page.waitForRequest((request) => request.url().includes('conversations.json') || request.url().includes('__data.json'));
    release();
    await live;
    await expect(page.getByRole('searchbox', { name: 'Search messages' }).inputValue()).resolves.toBe('HomeKit');
    await page.close();
  });

  it('filters to conversations whose reply failed, from the Problem menu', async () => {
    const page = await openList();
    await page.getByLabel('Problem').selectOption('error');
    await page.waitForURL(/\?problem=error$/);
    await expect(rowIds(page)).resolves.toEqual([conversationIds.get('s-order')]);
    // The filter is the URL: it works as a link too, and "Clear" goes back to everything.
    await page.getByRole('link', { name: 'Clear' }).click();
    await page.waitForURL(`${dashboard.url}/`);
    expect(await rows(page).count()).toBe(SEED.length);
    await page.close();
  });

  it('shows a new conversation without a reload', async () => {
    const page = await openList();
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await chatTurn(server, { sessionId: 's-live-list', message: 'Are you open on Sunday?', reply: 'Our support team answers every day from 8 am to 8 pm.', pageUrl: `${SHOP}/contact`, origin: SHOP });
    const fresh = rows(page).filter({ hasText: 'Our support team answers every day' });
    await fresh.waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(await rows(page).first().getAttribute('data-conversation-id')).toBe(await fresh.getAttribute('data-conversation-id'));
    await page.close();
  });
});

describe('thread view', () => {
  it('shows the messages as bubbles with their statuses and metadata, and the conversation details', async () => {
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/conversations/${conversationIds.get('s-lamp')}`);
    await page.getByRole('heading', { name: 'Conversation' }).waitFor();

    const messages = page.locator('li[data-message-id]');
    expect(await messages.count()).toBe(4);
    expect(await messages.nth(0).textContent()).toContain('Is the Aurora lamp compatible with HomeKit?');
    const reply = messages.nth(1);
    expect(await reply.getAttribute('data-status')).toBe('complete');
    const replyText = (await reply.textContent()) ?? '';
    for (const part of ['fake-model', 'Tokens', 'First token', 'Total', 'helpful']) expect(replyText).toContain(part);

    const details = page.getByRole('complementary', { name: 'Conversation details' });
    const detailsText = (await details.textContent()) ?? '';
    expect(detailsText).toContain(SHOP);
    expect(detailsText).toContain(`${SHOP}/products/aurora-lamp`);
    expect(detailsText).toContain('Safari/605.1.15');
    expect(detailsText).toContain('s-lamp');
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-thread.png'), fullPage: true });
    await page.close();
  });

  it('marks a failed reply as an error with its code', async () => {
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/conversations/${conversationIds.get('s-order')}`);
    const failed = page.locator('li[data-message-id][data-status="error"]');
    await failed.waitFor();
    expect(await failed.textContent()).toContain('error');
    await page.close();
  });

  it('shows a new message in the open thread without a reload', async () => {
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/conversations/${conversationIds.get('s-password')}`);
    await page.locator('li[data-message-id]').first().waitFor();
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await chatTurn(server, { sessionId: 's-password', message: 'The reset email never arrived', reply: 'Sorry about that! Please check your spam folder; I can also resend it.' });
    await page.getByText('Please check your spam folder').waitFor({ timeout: 10_000 });
    await page.getByText('The reset email never arrived').waitFor();
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await page.close();
  });

  it('deletes a conversation after a confirmation step', async () => {
    const id = conversationIds.get('s-gift')!;
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/conversations/${id}`);
    const confirm = page.getByRole('button', { name: 'Delete permanently' });
    expect(await confirm.isVisible()).toBe(false);
    await page.getByText('Delete…').click();
    await confirm.click();
    await page.waitForURL(`${dashboard.url}/?deleted=1`);
    expect(await rowIds(page)).not.toContain(id);
    expect((await server.admin(`/v1/admin/conversations/${id}`)).status).toBe(404);
    await page.close();
  });
});

describe('overview', () => {
  it('shows totals and per-day charts drawn in SVG', async () => {
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/overview?days=30`);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const stats = (await (await server.admin(`/v1/admin/stats?from=${Date.now() - 30 * 86_400_000}&to=${Date.now()}`)).json()) as {
      totals: { conversations: number };
    };
    expect(await page.locator('.stat').first().textContent()).toContain(String(stats.totals.conversations));
    expect(await page.locator('figure svg rect.bar').count()).toBe(30);
    expect(await page.locator('figure svg path.line').count()).toBe(1);
    // Days with conversations have bars of some height; the empty ones are flat.
    const tall = await page.locator('figure svg rect.bar').evaluateAll((bars) => bars.filter((b) => Number(b.getAttribute('height')) > 0).length);
    expect(tall).toBeGreaterThanOrEqual(5);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-overview.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-overview-dark.png'), fullPage: true });
    await page.close();
  });
});

/** RFC 4180 rows (quoted fields may hold commas, quotes and newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\n') row.push(field.replace(/\r$/, '')), rows.push(row), (row = []), (field = '');
    else field += ch;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

describe('export', () => {
  async function download(page: Page, name: 'JSONL' | 'CSV'): Promise<string> {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
    return readFileSync((await file.path())!, 'utf8');
  }

  it('downloads every conversation as JSONL, one conversation with its messages per line', async () => {
    const page = await openList();
    const listed = await rowIds(page);
    const lines = (await download(page, 'JSONL')).trim().split('\n');
    const threads = lines.map((line) => JSON.parse(line) as { conversation: { id: string; messageCount: number }; messages: Array<{ role: string }> });
    expect(threads.map((t) => t.conversation.id).sort()).toEqual([...listed].sort() as string[]);
    for (const thread of threads) expect(thread.messages).toHaveLength(thread.conversation.messageCount);
    await page.close();
  });

  it('downloads the filtered conversations as CSV, one message per row', async () => {
    const page = await openList('?q=HomeKit');
    const [header, ...records] = parseCsv(await download(page, 'CSV'));
    expect(header).toContain('conversation_id');
    expect(header).toContain('content');
    const idColumn = header!.indexOf('conversation_id');
    const contentColumn = header!.indexOf('content');
    expect(records).toHaveLength(4);
    expect(new Set(records.map((r) => r[idColumn]))).toEqual(new Set([conversationIds.get('s-lamp')]));
    expect(records.map((r) => r[contentColumn])).toContain('It has a built-in LED module rated for 25,000 hours, so there is no bulb to replace.');
    await page.close();
  });
});

describe('paging', () => {
  it('loads older conversations below the first page with "Load more"', async () => {
    for (let i = 0; i < 25; i++) await chatTurn(server, { sessionId: `s-bulk-${i}`, message: `Bulk question number ${i}`, reply: `Bulk answer ${i}` });
    const page = await openList();
    expect(await rows(page).count()).toBe(25);
    await page.getByRole('link', { name: 'Load more' }).click();
    await rows(page).nth(25).waitFor();
    const ids = await rowIds(page);
    expect(ids.length).toBeGreaterThan(25);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(conversationIds.get('s-ship'));
    expect(new URL(page.url()).search).toBe('');
    await page.close();
  });
});

describe('admin key', () => {
  it('appears in no response body the browser received', async () => {
    const received = await Promise.all(bodies);
    // Pages, their data and scripts, and the exports all went through this browser: the check has material.
    expect(received.filter((r) => r.url.includes('__data.json')).length).toBeGreaterThan(0);
    expect(received.filter((r) => r.url.includes('/_app/')).length).toBeGreaterThan(0);
    expect(received.filter((r) => r.text.includes('Aurora lamp')).length).toBeGreaterThan(0);
    const leaks = received.filter((r) => r.text.includes(server.adminKey)).map((r) => r.url);
    expect(leaks).toEqual([]);
  });
});
