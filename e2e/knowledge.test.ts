/**
 * The knowledge base end to end, in a real browser: a site owner adds a file, a pasted text and a page of a local
 * docs site on the dashboard's Knowledge page, watches each reach "ready", and the widget answers from them with
 * citations (a working link for the page); the thread shows what the model was given; a deleted source is never
 * cited again; refusals read clearly; the forms work without JavaScript. Real server (SQLite, FTS5, sqlite-vec),
 * the BUILT dashboard and widget, and the fake model server (deterministic embeddings) as the only fake.
 */
import { afterAll, describe, expect, it, setDefaultTimeout } from 'bun:test';
import axe from 'axe-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { NO_LIMITS_ENV, startTestServer, type TestServer } from '../server/test/support/server.ts';
import type { FakeLlmRequest } from '../server/test/support/fake-llm.ts';
import { launchBrowser } from './support/browser.ts';
import { DASHBOARD_PASSWORD, startDashboard, type RunningDashboard } from './support/dashboard-app.ts';
import { assertBundleBuilt, SESSION_KEY, startHostSite, waitForReplyDone, type HostSite } from './support/widget-harness.ts';
import { hostPage } from './fixtures/host-pages.ts';
import { REPO_ROOT } from './support/processes.ts';

setDefaultTimeout(30_000);

const SCREENSHOTS = join(REPO_ROOT, 'docs', 'screenshots');

// Each fact lives in exactly one source, so a reply that quotes it can only have come from retrieval.
const WARRANTY = {
  file: 'aurora-warranty.md',
  /** No title is given on upload: the document's first heading becomes it. */
  title: 'Aurora lamp',
  code: 'ZEPHYR-8841',
  question: 'Which code do I quote to claim the Aurora lamp warranty?',
  markdown: [
    '# Aurora lamp',
    '',
    '## Warranty',
    '',
    'Every Aurora lamp carries a five-year warranty on its LED module.',
    '',
    '### Claiming',
    '',
    'To claim the Aurora warranty, quote the code ZEPHYR-8841 together with your order number.',
    '',
  ].join('\n'),
};
const RETURNS = {
  title: 'Returns and refunds',
  code: 'MARLIN-3307',
  question: 'What is the returns desk code for refunds?',
};
const SHIPPING = {
  title: 'Shipping to Iceland',
  code: 'OTTER-5150',
  question: 'How do parcels reach Iceland, and with which carrier code?',
  text: 'Parcels to Iceland travel by sea freight and take nine working days; the carrier code for Iceland is OTTER-5150.',
};

const SERVER_FILE_LIMIT = 600_000;
const DASHBOARD_FILE_LIMIT = 800_000;

let server: TestServer;
let dashboard: RunningDashboard;
/** The same dashboard with an admin key the chat server does not know. */
let misconfigured: RunningDashboard;
let widgetHost: HostSite;
let docsSite: { origin: string; stop(): Promise<void> };
let browser: Browser;
let owner: BrowserContext;

/**
 * The fake model answers like a grounded model would: it quotes the code from the passage that shares the most
 * words with the question, citing it as [n]; without such a passage it says the documents do not cover it.
 */
function groundedAnswer(request: FakeLlmRequest): string[] {
  const messages = request.body.messages ?? [];
  const question = String(messages.filter((m) => m.role === 'user').at(-1)?.content ?? '').toLowerCase();
  const words = new Set(question.match(/[a-z]{5,}/g) ?? []);
  const context = messages.filter((m) => m.role === 'system').map((m) => String(m.content)).join('\n\n');
  const passages = [...context.matchAll(/^\[(\d+)\] ([\s\S]*?)(?=\n\n\[\d+\] |$(?![\s\S]))/gm)];
  let best: { n: string; code: string; score: number } | null = null;
  for (const [, n, body] of passages) {
    const code = /\b[A-Z]{4,}-\d{4}\b/.exec(body!)?.[0];
    const score = [...words].filter((word) => body!.toLowerCase().includes(word)).length;
    if (code && score > 0 && (!best || score > best.score)) best = { n: n!, code, score };
  }
  if (!best) return ['I cannot find that in the site’s documents.'];
  return ['Please ', 'quote ', best.code, ` [${best.n}].`];
}

/** What the docs site's returns page says now (a re-fetch must pick up a change). */
let returnsCode = RETURNS.code;

/** Two guide pages listed by a sitemap, each with a fact of its own. */
const GUIDES = {
  assembly: { title: 'Assembling the Sequoia bench', code: 'PLOVER-1188', text: 'Tighten the Sequoia bench bolts crosswise with the hex key; bolt kit code PLOVER-1188.' },
  care: { title: 'Oiling teak furniture', code: 'IBIS-5527', text: 'Oil teak furniture twice a year with teak oil; the oil refill code is IBIS-5527.' },
};

function startDocsSite() {
  const html = (title: string, body: string) =>
    new Response(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>
<nav><a href="/">Home</a> · <a href="/help">Help</a></nav>
<main><article><h1>${title}</h1>${body}</article></main><footer>© Acme</footer></body></html>`,
      { headers: { 'content-type': 'text/html; charset=utf-8' } },
    );
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request) {
      const { pathname, origin } = new URL(request.url);
      if (pathname === '/help/returns.html') {
        return html(
          RETURNS.title,
          `<p>Unused items can be sent back within 45 days of delivery for a full refund to the original payment method.</p>
<h2>Returns desk</h2>
<p>Write the returns desk code ${returnsCode} on the parcel so the refund is booked to your order.</p>
<p>Refunds reach your account within five working days after the parcel arrives at our warehouse.</p>`,
        );
      }
      if (pathname === '/guides/sitemap.xml') {
        const urls = Object.keys(GUIDES).map((name) => `<url><loc>${origin}/guides/${name}.html</loc></url>`);
        return new Response(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.join('')}</urlset>`, {
          headers: { 'content-type': 'application/xml' },
        });
      }
      const guide = GUIDES[/^\/guides\/(\w+)\.html$/.exec(pathname)?.[1] as keyof typeof GUIDES];
      if (guide) return html(guide.title, `<p>${guide.text}</p><p>Ask the shop for help with anything else.</p>`);
      return new Response('not found', { status: 404 });
    },
  });
  return { origin: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

// Setup runs at module scope, not in beforeAll: bun test kills every process a hook or test spawned when any test
// times out, even a stale timer (oven-sh/bun#39657), and processes spawned at module scope are not tracked.
await (async () => {
  assertBundleBuilt();
  widgetHost = startHostSite();
  docsSite = startDocsSite();
  // One chunk per embeddings request, so that a slowed embeddings server shows the progress chunk by chunk.
  server = await startTestServer({
    env: {
      ...NO_LIMITS_ENV,
      CORS_ORIGIN: widgetHost.origin,
      KNOWLEDGE_FETCH_ALLOW_LOOPBACK: 'true',
      KNOWLEDGE_EMBEDDING_BATCH: '1',
      KNOWLEDGE_MAX_FILE_BYTES: String(SERVER_FILE_LIMIT),
    },
  });
  server.fakeLlm.script({ kind: 'reply', tokens: groundedAnswer });
  // Limits above adapter-node's 512 KB default, different on each side, so the test sees which one refused.
  dashboard = await startDashboard({ apiUrl: server.url, adminKey: server.adminKey, env: { KNOWLEDGE_MAX_FILE_BYTES: String(DASHBOARD_FILE_LIMIT) } });
  misconfigured = await startDashboard({ apiUrl: server.url, adminKey: 'not-the-admin-key-0123456789' });
  browser = await launchBrowser();
  owner = await signedInContext();
  mkdirSync(SCREENSHOTS, { recursive: true });
})();

afterAll(async () => {
  await owner?.close();
  await browser?.close();
  await dashboard?.stop();
  await misconfigured?.stop();
  await server?.stop();
  await docsSite?.stop();
  await widgetHost?.stop();
});

async function signedInContext(options: { javaScriptEnabled?: boolean } = {}, at = dashboard): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', ...options });
  const page = await context.newPage();
  await page.goto(`${at.url}/login`);
  await page.getByLabel('Password').fill(DASHBOARD_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Signed in once the sign-in page sends us on (the list itself may show an error on a misconfigured dashboard).
  await page.waitForURL((url) => url.pathname === '/');
  await page.close();
  return context;
}

/** CSP violations and script errors on every dashboard page the tests open (the last test checks there were none). */
const pageProblems: string[] = [];

async function watch(page: Page): Promise<void> {
  page.on('pageerror', (error) => pageProblems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A refused form post is a 4xx response, which Chromium logs: the refusals are what some tests are about.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageProblems.push(`console: ${message.text()}`);
  });
  await page.exposeFunction('__reportViolation', (text: string) => pageProblems.push(`csp: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { __reportViolation(text: string): void }).__reportViolation(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
}

async function knowledgePage(context = owner): Promise<Page> {
  const page = await context.newPage();
  await watch(page);
  await page.goto(`${dashboard.url}/knowledge`);
  await page.getByRole('heading', { name: 'Knowledge', level: 1 }).waitFor();
  return page;
}

/**
 * The row whose title reads exactly `title`, as the owner picks it out. Not a substring of the whole row: a row's
 * other text (another source's failure reason says "re-fetch a page or sitemap") would match too, and two rows
 * make every action on the locator a strict-mode error.
 */
const sourceRow = (page: Page, title: string): Locator =>
  page.locator('li[data-source-id]').filter({ has: page.locator('.title').getByText(title, { exact: true }) });

/** Waits for what the owner waits for: the row's badge to read "Ready" (the page updates itself). */
async function waitReady(page: Page, title: string): Promise<Locator> {
  const row = sourceRow(page, title);
  await row.locator('.state').getByText('Ready', { exact: true }).waitFor({ timeout: 20_000 });
  return row;
}

/** axe-core's violations on `root` (the whole document by default). */
async function accessibilityViolations(page: Page, root = 'html') {
  await page.evaluate(axe.source);
  return page.evaluate(async (selector) => {
    const result = await (window as unknown as { axe: typeof axe }).axe.run(document.querySelector(selector)!, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  }, root);
}

interface WidgetChat {
  context: BrowserContext;
  page: Page;
  ask(question: string): Promise<Locator>;
}

async function openWidget(): Promise<WidgetChat> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
  const page = await context.newPage();
  await page.goto(widgetHost.page(hostPage({ apiUrl: server.url, apiKey: server.widgetKey, data: { open: '' } })));
  await page.locator('open-chat-widget textarea').waitFor();
  return {
    context,
    page,
    async ask(question) {
      await page.locator('open-chat-widget textarea').fill(question);
      await page.locator('open-chat-widget textarea').press('Enter');
      await page.locator('open-chat-widget .row.user').filter({ hasText: question }).waitFor();
      await waitForReplyDone(page);
      return page.locator('open-chat-widget .row.assistant').last();
    },
  };
}

/** The titles a reply cites, as the widget shows them (its first item is the "Sources:" label). */
const citedTitles = (reply: Locator) => reply.locator('ul.src li').evaluateAll((items) => items.slice(1).map((item) => item.textContent?.trim() ?? ''));

describe('knowledge base, from the dashboard to a cited answer', () => {
  it('answers without sources while the knowledge base is empty', async () => {
    const page = await knowledgePage();
    await page.getByText('No sources yet').waitFor();
    await page.close();

    const chat = await openWidget();
    const reply = await chat.ask(WARRANTY.question);
    await reply.getByText('I cannot find that in the site’s documents.').waitFor();
    expect(await reply.locator('ul.src').count()).toBe(0);
    await chat.context.close();
  });

  it('uploads a Markdown file, shows it reach ready, and the widget cites it by name', async () => {
    const page = await knowledgePage();
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: WARRANTY.file, mimeType: 'text/markdown', buffer: Buffer.from(WARRANTY.markdown) });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText(`Added “${WARRANTY.title}”`).waitFor();
    const row = await waitReady(page, WARRANTY.title);
    expect(await row.textContent()).toContain('markdown');
    expect(Number(await row.locator('dt:has-text("Chunks") + dd').textContent())).toBeGreaterThan(0);
    await row.getByText('just now').waitFor();
    await page.close();

    const chat = await openWidget();
    const reply = await chat.ask(WARRANTY.question);
    await reply.getByText(`Please quote ${WARRANTY.code}`).waitFor();
    await expect(citedTitles(reply)).resolves.toEqual([WARRANTY.title]);
    // An uploaded file has no URL: its citation is a plain title, not a link.
    expect(await reply.locator('ul.src a').count()).toBe(0);
    await chat.context.close();
  });

  it('adds a page of a docs site by URL, and the citation links to that page', async () => {
    const page = await knowledgePage();
    const url = `${docsSite.origin}/help/returns.html`;
    await page.getByLabel('Address').fill(url);
    await page.getByLabel('Take').selectOption('page');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText(`Added “${RETURNS.title}”`).waitFor();
    const row = await waitReady(page, RETURNS.title);
    await expect(row.getByRole('link', { name: url }).getAttribute('href')).resolves.toBe(url);
    await page.close();

    const chat = await openWidget();
    const reply = await chat.ask(RETURNS.question);
    await reply.getByText(`Please quote ${RETURNS.code}`).waitFor();
    const link = reply.locator('ul.src a');
    await expect(link.textContent()).resolves.toBe(RETURNS.title);
    await expect(link.getAttribute('href')).resolves.toBe(url);
    await expect(link.getAttribute('rel')).resolves.toBe('noopener noreferrer');
    await chat.page.screenshot({ path: join(SCREENSHOTS, 'widget-cited-reply.png') });

    // The link works: it opens the page the passage came from, in a new tab.
    const [opened] = await Promise.all([chat.context.waitForEvent('page'), link.click()]);
    await opened!.getByRole('heading', { name: RETURNS.title }).waitFor();
    expect(opened!.url()).toBe(url);
    await chat.context.close();
  });

  it('adds a pasted text with a title, cited as a plain title', async () => {
    const page = await knowledgePage();
    const form = page.locator('form[action="?/text"]');
    await form.getByLabel('Title').fill(SHIPPING.title);
    await form.getByLabel('Text').fill(SHIPPING.text);
    await form.getByRole('button', { name: 'Add text' }).click();
    await page.getByText(`Added “${SHIPPING.title}”`).waitFor();
    await waitReady(page, SHIPPING.title);
    await page.getByText('3 sources · 3 ready').waitFor();
    await page.close();

    const chat = await openWidget();
    const reply = await chat.ask(SHIPPING.question);
    await reply.getByText(`Please quote ${SHIPPING.code}`).waitFor();
    await expect(citedTitles(reply)).resolves.toEqual([SHIPPING.title]);
    await chat.context.close();
  });

  it("shows in the conversation's thread the passages the model was given for each reply", async () => {
    const chat = await openWidget();
    await chat.ask(WARRANTY.question);
    const sessionId = await chat.page.evaluate((key) => localStorage.getItem(key), SESSION_KEY(server.url));
    await chat.context.close();
    const list = (await (await server.admin('/v1/admin/conversations?limit=50')).json()) as { conversations: Array<{ id: string; sessionId: string }> };
    const conversation = list.conversations.find((item) => item.sessionId === sessionId)!;

    const page = await owner.newPage();
    await watch(page);
    await page.goto(`${dashboard.url}/conversations/${conversation.id}`);
    const reply = page.locator('li.message.assistant').last();
    const passages = reply.locator('details.retrieved');
    await passages.locator('summary').getByText(/\d+ passages? from the knowledge base/).click();
    const warranty = passages.locator('li').filter({ hasText: WARRANTY.code });
    await warranty.waitFor();
    expect(await warranty.textContent()).toContain(WARRANTY.title);
    expect(await warranty.textContent()).toContain('Warranty › Claiming');
    // The visitor's message has no passages.
    expect(await page.locator('li.message.user details.retrieved').count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-thread-passages.png'), fullPage: true });
    await page.close();
  });

  it('deletes a source after a confirmation, and it is never cited again', async () => {
    const page = await knowledgePage();
    const row = sourceRow(page, WARRANTY.title);
    await row.getByText('Delete…').click();
    await row.getByText(`Delete “${WARRANTY.title}”?`).waitFor();
    await row.getByRole('button', { name: 'Delete permanently' }).click();
    await page.getByText(`Deleted “${WARRANTY.title}”`).waitFor();
    await row.waitFor({ state: 'detached' });
    await page.getByText('2 sources · 2 ready').waitFor();
    await page.close();

    const chat = await openWidget();
    const reply = await chat.ask(WARRANTY.question);
    await reply.getByText('I cannot find that in the site’s documents.').waitFor();
    expect(await citedTitles(reply)).not.toContain(WARRANTY.title);
    await chat.context.close();

    // Nor through the API, whatever is asked: no citation and no passage of the deleted file remains.
    for (const message of [WARRANTY.question, 'Aurora lamp warranty claim code', WARRANTY.code]) {
      const response = await server.post('/v1/chat', { sessionId: `after-delete-${message.length}`, message });
      const body = (await response.json()) as { sources: Array<{ title: string }> };
      expect(response.status).toBe(200);
      expect(body.sources.map((source) => source.title)).not.toContain(WARRANTY.title);
    }
  });

  it('refuses an empty file and a file type it cannot read, in words, and adds nothing', async () => {
    const page = await knowledgePage();
    const before = await page.locator('li[data-source-id]').count();
    const upload = page.locator('form[action="?/upload"]');
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'empty.md', mimeType: 'text/markdown', buffer: Buffer.alloc(0) });
    await upload.getByRole('button', { name: 'Upload' }).click();
    await upload.getByRole('alert').getByText('That file is empty.').waitFor();

    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'setup.exe', mimeType: 'application/octet-stream', buffer: Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]) });
    await upload.getByRole('button', { name: 'Upload' }).click();
    await upload.getByRole('alert').getByText('That file type is not supported', { exact: false }).waitFor();
    await expect(upload.getByRole('alert').textContent()).resolves.toContain('setup.exe');

    const url = page.locator('form[action="?/url"]');
    await url.getByLabel('Address').fill(`${docsSite.origin}/help/missing.html`);
    await url.getByRole('button', { name: 'Add', exact: true }).click();
    await url.getByRole('alert').getByText('The page could not be fetched.').waitFor();
    // The address stays in the field to correct it.
    await expect(url.getByLabel('Address').inputValue()).resolves.toBe(`${docsSite.origin}/help/missing.html`);
    expect(await page.locator('li[data-source-id]').count()).toBe(before);
    await page.close();
  });

  it('works without JavaScript: a pasted text is added by a plain form post and shows in the list', async () => {
    const context = await signedInContext({ javaScriptEnabled: false });
    const page = await knowledgePage(context);
    const form = page.locator('form[action="?/text"]');
    await form.getByLabel('Title').fill('Opening hours');
    await form.getByLabel('Text').fill('The showroom opens Tuesday to Saturday from 10 am to 6 pm; code HERON-2024.');
    await form.getByRole('button', { name: 'Add text' }).click();
    await page.getByText('Added “Opening hours”').waitFor();
    await sourceRow(page, 'Opening hours').waitFor();
    // No live updates without JavaScript: a reload shows the current state.
    for (let attempt = 0; attempt < 50 && !(await sourceRow(page, 'Opening hours').getByText('Ready', { exact: true }).count()); attempt++) {
      await page.goto(`${dashboard.url}/knowledge`);
    }
    await sourceRow(page, 'Opening hours').getByText('Ready', { exact: true }).waitFor();
    await context.close();
  });

  it('keeps what the owner typed before the page finished loading, and adds it', async () => {
    // The page's script held back until the form is filled: an owner on a slow link (or a loaded machine) types
    // into the server-rendered form before it hydrates, and hydration must not wipe it.
    const page = await owner.newPage();
    await watch(page);
    let release!: () => void;
    const scriptsHeld = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/_app/immutable/**/*.js', async (route) => {
      await scriptsHeld;
      await route.continue();
    });
    await page.goto(`${dashboard.url}/knowledge`, { waitUntil: 'domcontentloaded' });
    const text = page.locator('form[action="?/text"]');
    const url = page.locator('form[action="?/url"]');
    await text.getByLabel('Title').fill('Gift wrapping');
    await text.getByLabel('Text').fill('Gift wrapping costs four euros per order; the wrapping code is WREN-7731.');
    await url.getByLabel('Address').fill(`${docsSite.origin}/guides/care.html`);
    await url.getByLabel('Take').selectOption('page');
    // The page is live (hydrated) once it refreshes its list by itself.
    const live = page.waitForRequest((request) => request.url().includes('__data.json'));
    release();
    await live;
    await expect(text.getByLabel('Title').inputValue()).resolves.toBe('Gift wrapping');
    await expect(text.getByLabel('Text').inputValue()).resolves.toContain('WREN-7731');
    await expect(url.getByLabel('Address').inputValue()).resolves.toBe(`${docsSite.origin}/guides/care.html`);
    await expect(url.getByLabel('Take').inputValue()).resolves.toBe('page');
    await text.getByRole('button', { name: 'Add text' }).click();
    await page.getByText('Added “Gift wrapping”').waitFor();
    await waitReady(page, 'Gift wrapping');
    await page.close();
  });

  it('fetches a page again on demand: the new text answers once it is ready', async () => {
    const page = await knowledgePage();
    const row = sourceRow(page, RETURNS.title);
    const id = (await row.getAttribute('data-source-id'))!;
    const before = (await (await server.admin(`/v1/admin/knowledge/${id}`)).json()) as { indexedAt: number };
    returnsCode = 'MARLIN-4410';
    await row.getByRole('button', { name: `Re-fetch ${RETURNS.title}` }).click();
    await page.getByText(`Fetching “${RETURNS.title}” again`).waitFor();
    // The owner sees "Ready" throughout (the old version answers until the new one is in); wait for the swap.
    for (;;) {
      const now = (await (await server.admin(`/v1/admin/knowledge/${id}`)).json()) as { status: string; indexedAt: number };
      if (now.status === 'ready' && now.indexedAt > before.indexedAt) break;
      await Bun.sleep(50);
    }
    await row.locator('.state').getByText('Ready', { exact: true }).waitFor();
    await page.close();

    const chat = await openWidget();
    const reply = await chat.ask(RETURNS.question);
    await reply.getByText('Please quote MARLIN-4410').waitFor();
    await expect(citedTitles(reply)).resolves.toEqual([RETURNS.title]);
    await chat.context.close();
  });

  it('shows a failed source with its reason, and indexing progress live (n of N chunks)', async () => {
    const page = await knowledgePage();
    server.fakeLlm.embeddings.failStatus = 503;
    try {
      const form = page.locator('form[action="?/text"]');
      await form.getByLabel('Title').fill('Gift wrapping');
      await form.getByLabel('Text').fill('Gift wrapping costs three euros per parcel.');
      await form.getByRole('button', { name: 'Add text' }).click();
      const row = sourceRow(page, 'Gift wrapping');
      await row.locator('.state').getByText('Failed', { exact: true }).waitFor();
      await expect(row.locator('.detail').textContent()).resolves.toContain('embeddings server could not be reached');
    } finally {
      server.fakeLlm.embeddings.failStatus = null;
    }

    const steps = Array.from({ length: 6 }, (_, i) => `## Step ${i + 1}\n\nStep ${i + 1} of caring for the Nimbus planter: water it lightly and turn it a quarter.`);
    // Two chunks are embedded, then the run waits until the test has seen it mid-way: "2 of 6" stays on screen for as
    // many of the page's 1 s polls as it takes (a timed delay per chunk raced the polls on a loaded machine).
    const release = server.fakeLlm.embeddings.holdAfter(2);
    try {
      await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'nimbus.md', mimeType: 'text/markdown', buffer: Buffer.from(`# Nimbus planter care\n\n${steps.join('\n\n')}`) });
      await page.getByRole('button', { name: 'Upload' }).click();
      const row = sourceRow(page, 'Nimbus planter care');
      // The page polls on its own: the owner sees the run advance without reloading.
      await row.getByText(/^[1-5] of 6 chunks$/).waitFor();
      expect(await row.locator('.state').textContent()).toContain('Indexing');
      expect(await row.locator('progress').count()).toBe(1);
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-knowledge.png'), fullPage: true });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-knowledge-dark.png'), fullPage: true });
      await page.emulateMedia({ colorScheme: 'light' });
      release();
      await row.locator('.state').getByText('Ready', { exact: true }).waitFor();
      expect(await row.locator('progress').count()).toBe(0);
      await expect(row.locator('dt:has-text("Chunks") + dd').textContent()).resolves.toBe('6');
    } finally {
      release();
    }
    await page.close();
  });

  it('shows a hostile source title as text in the widget and the dashboard, never as markup', async () => {
    const title = '<img src=x onerror="window.__pwned=1">Lantern <b>guide</b>';
    const added = await server.admin('/v1/admin/knowledge/texts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title, text: 'The Lantern battery pack charges fully in four hours; lantern service code KESTREL-7731.' }),
    });
    expect(added.status).toBe(202);
    const page = await knowledgePage();
    await waitReady(page, title);
    expect(await page.locator('li[data-source-id] img').count()).toBe(0);
    await page.close();

    const chat = await openWidget();
    const reply = await chat.ask('What is the lantern service code?');
    await reply.getByText('Please quote KESTREL-7731').waitFor();
    await expect(citedTitles(reply)).resolves.toEqual([title]);
    expect(await reply.locator('ul.src img, ul.src b').count()).toBe(0);
    expect(await chat.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await chat.context.close();
  });

  it('passes files larger than 512 KB on to the server, and says which limit a file is over', async () => {
    const page = await knowledgePage();
    const upload = page.locator('form[action="?/upload"]');
    const htmlOf = (bytes: number) => {
      const page = '<!doctype html><html><head><title>Garden furniture catalogue</title><style>/*PAD*/</style></head><body><article><h1>Garden furniture catalogue</h1><p>The catalogue lists the Sequoia bench with order code WREN-6202 and the matching table.</p></article></body></html>';
      return Buffer.from(page.replace('PAD', 'x'.repeat(bytes - page.length + 3)));
    };

    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'catalogue.html', mimeType: 'text/html', buffer: htmlOf(550_000) });
    await upload.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('Added “Garden furniture catalogue”').waitFor();
    const row = await waitReady(page, 'Garden furniture catalogue');
    await expect(row.textContent()).resolves.toContain('html');

    // Over the chat server's limit, within the dashboard's: the server's refusal, in the form.
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'big.html', mimeType: 'text/html', buffer: htmlOf(700_000) });
    await upload.getByRole('button', { name: 'Upload' }).click();
    const refusal = upload.getByRole('alert');
    await refusal.getByText('That file is too large.').waitFor();
    await expect(refusal.textContent()).resolves.toContain(`${SERVER_FILE_LIMIT}-byte limit`);

    // Over the dashboard's own limit: the browser refuses it before sending anything…
    const uploads = () => server.logs.filter((line) => line.includes('/v1/admin/knowledge/files')).length;
    const uploadsBefore = uploads();
    expect(uploadsBefore).toBeGreaterThan(0);
    const huge = { name: 'huge.html', mimeType: 'text/html', buffer: htmlOf(900_000) };
    await page.getByLabel('File', { exact: true }).setInputFiles(huge);
    await upload.getByRole('button', { name: 'Upload' }).click();
    await refusal.getByText(`the limit is ${DASHBOARD_FILE_LIMIT.toLocaleString('en')} bytes`, { exact: false }).waitFor();
    await page.close();

    // …and without JavaScript the dashboard refuses it, without passing a byte on to the chat server.
    const plain = await signedInContext({ javaScriptEnabled: false });
    const form = await knowledgePage(plain);
    await form.getByLabel('File', { exact: true }).setInputFiles(huge);
    await form.locator('form[action="?/upload"]').getByRole('button', { name: 'Upload' }).click();
    await form.getByText(`larger than the ${DASHBOARD_FILE_LIMIT.toLocaleString('en')}-byte limit`, { exact: false }).waitFor();
    await form.getByText('That file is too large.').waitFor();
    expect(uploads()).toBe(uploadsBefore);
    await plain.close();
  });

  it('takes every page of a sitemap, and cites each page with its own link', async () => {
    const page = await knowledgePage();
    const form = page.locator('form[action="?/url"]');
    await form.getByLabel('Address').fill(`${docsSite.origin}/guides/sitemap.xml`);
    await form.getByRole('button', { name: 'Add', exact: true }).click();
    // The server names a sitemap source after its host.
    const row = await waitReady(page, `${new URL(docsSite.origin).host} sitemap`);
    await row.locator('.sub').getByText('Sitemap', { exact: true }).waitFor();
    await row.getByText('2 pages').waitFor();
    await page.close();

    const chat = await openWidget();
    for (const [question, guide] of [
      ['Which bolt kit code fits the Sequoia bench?', GUIDES.assembly],
      ['What is the teak oil refill code?', GUIDES.care],
    ] as const) {
      const reply = await chat.ask(question);
      await reply.getByText(`Please quote ${guide.code}`).waitFor();
      const link = reply.locator('ul.src a');
      await expect(link.textContent()).resolves.toBe(guide.title);
      await expect(link.getAttribute('href')).resolves.toMatch(new RegExp(`/guides/\\w+\\.html$`));
      expect(await link.getAttribute('href')).toBe(`${docsSite.origin}/guides/${guide === GUIDES.care ? 'care' : 'assembly'}.html`);
    }
    await chat.context.close();
  });

  it("tells the owner when the chat server refuses the dashboard's admin key, instead of an error page", async () => {
    const context = await signedInContext({}, misconfigured);
    const page = await context.newPage();
    await page.goto(`${misconfigured.url}/knowledge`);
    await page.getByRole('heading', { name: 'Knowledge', level: 1 }).waitFor();
    await page.getByRole('alert').getByText('ADMIN_API_KEY').waitFor();
    // The forms stay usable; a post gets the same explanation in the form.
    const form = page.locator('form[action="?/text"]');
    await form.getByLabel('Title').fill('Anything');
    await form.getByLabel('Text').fill('Some text.');
    await form.getByRole('button', { name: 'Add text' }).click();
    await form.getByRole('alert').getByText('ADMIN_API_KEY').waitFor();
    await context.close();
  });

  it('has no accessibility violations on the Knowledge page or in a cited widget reply (axe-core)', async () => {
    const page = await owner.newPage();
    await page.goto(`${dashboard.url}/knowledge`);
    await page.getByRole('heading', { name: 'Knowledge', level: 1 }).waitFor();
    // A refusal shown, and a delete confirmation open, are part of what is checked.
    await page.locator('form[action="?/url"]').getByLabel('Address').fill('ftp://docs.example/a');
    await page.locator('form[action="?/url"]').getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('form[action="?/url"]').getByRole('alert').waitFor();
    await sourceRow(page, SHIPPING.title).getByText('Delete…').click();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.close();

    const chat = await openWidget();
    const reply = await chat.ask(RETURNS.question);
    await reply.locator('ul.src a').waitFor();
    expect(await accessibilityViolations(chat.page, 'open-chat-widget')).toEqual([]);
    await chat.context.close();
  });

  it('ran every Knowledge page and thread above under the CSP without a violation or a script error', () => {
    expect(pageProblems).toEqual([]);
  });
});
