/**
 * The dashboard under a hostile review (issue 11): password guessing in parallel, from a whole IPv6 /64 and from
 * many addresses at once; a visitor-chosen `javascript:` page URL; conversation ids that try to walk the admin
 * API's paths; `next` values no header can carry; the Content-Security-Policy on every page; and the search form
 * submitted before JavaScript ran (issue 15). The BUILT dashboard runs against the real server, through a
 * pass-through that records which admin API paths the dashboard called.
 */
import { afterAll, describe, expect, it, setDefaultTimeout } from 'bun:test';
import { Database } from 'bun:sqlite';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ACCOUNT_FREE_FAILURES } from '../dashboard/src/lib/server/login-gate.ts';
import { startTestServer, type TestServer } from '../server/test/support/server.ts';
import { launchBrowser } from './support/browser.ts';
import { DASHBOARD_PASSWORD, startDashboard, type RunningDashboard } from './support/dashboard-app.ts';
import { chatTurn } from './support/dashboard-seed.ts';
import { holdRequest } from './support/raw-http.ts';

setDefaultTimeout(30_000);

const PER_CLIENT_LIMIT = 5; // LOGIN_MAX_ATTEMPTS' default
const HOSTILE_PAGE_URL = 'javascript:alert(document.domain)';
/** Behind Caddy (compose.yaml): the client address is the last X-Forwarded-For entry. */
const BEHIND_PROXY = { ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '1' };

let server: TestServer;
let recorder: ReturnType<typeof Bun.serve>;
/** Every admin API path (with query) the dashboards called, in order. */
const apiCalls: string[] = [];
let dashboard: RunningDashboard;
let burstTarget: RunningDashboard;
let ipv6Target: RunningDashboard;
let distributedTarget: RunningDashboard;
let browser: Browser;
let teapotId: string;
let hostileId: string;

// Setup runs at module scope, not in beforeAll: bun test kills every process a hook or test spawned when any test
// times out, even a stale timer (oven-sh/bun#39657), and processes spawned at module scope are not tracked.
await (async () => {
  server = await startTestServer({ env: { RATE_LIMIT_ADMIN_PER_IP: '100000', RATE_LIMIT_CHAT_PER_IP: '100000' } });
  recorder = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request) {
      const url = new URL(request.url);
      apiCalls.push(url.pathname + url.search);
      return fetch(server.url + url.pathname + url.search, { method: request.method, headers: request.headers, body: request.body, redirect: 'manual' });
    },
  });
  const apiUrl = `http://127.0.0.1:${recorder.port}`;

  teapotId = (await chatTurn(server, { sessionId: 'sec-teapot', message: 'Do you have the blue teapot in stock?', reply: 'Yes, it ships tomorrow.' })).conversationId!;
  hostileId = (await chatTurn(server, { sessionId: 'sec-hostile', message: 'Hello', reply: 'Hi!', pageUrl: 'https://shop.example/start' })).conversationId!;
  // Stored as a visitor could before the server refused such URLs (rows written by an older version stay).
  const db = new Database(server.config.databasePath);
  db.query('UPDATE conversations SET page_url = ? WHERE id = ?').run(HOSTILE_PAGE_URL, hostileId);
  db.close();

  const start = (env: Record<string, string> = {}) => startDashboard({ apiUrl, adminKey: server.adminKey, env });
  [dashboard, burstTarget, ipv6Target, distributedTarget] = await Promise.all([start(), start(), start(BEHIND_PROXY), start(BEHIND_PROXY)]);
  browser = await launchBrowser();
})();

afterAll(async () => {
  await browser?.close();
  for (const running of [dashboard, burstTarget, ipv6Target, distributedTarget]) await running?.stop();
  recorder?.stop(true);
  await server?.stop();
});

function login(target: RunningDashboard, password: string, options: { next?: string; headers?: Record<string, string> } = {}) {
  return fetch(`${target.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: target.url, accept: 'text/html', ...options.headers },
    body: new URLSearchParams({ password, next: options.next ?? '/' }),
  });
}

async function sessionCookie(): Promise<string> {
  const response = await login(dashboard, DASHBOARD_PASSWORD);
  expect(response.status).toBe(303);
  const cookie = /ocw_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '');
  expect(cookie).not.toBeNull();
  return cookie![1]!;
}

const signedIn = async (path: string, init: RequestInit = {}) =>
  fetch(`${dashboard.url}${path}`, { redirect: 'manual', ...init, headers: { cookie: `ocw_session=${await sessionCookie()}`, ...(init.headers as Record<string, string>) } });

async function contextWithSession(options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ javaScriptEnabled: options.javaScriptEnabled ?? true });
  await context.addCookies([{ name: 'ocw_session', value: await sessionCookie(), url: dashboard.url }]);
  return context;
}

/** 200 wrong passwords whose headers all arrive before any body: how many were actually checked? */
async function parallelWrongPasswords(target: RunningDashboard, count: number, headersFor: (i: number) => Record<string, string> = () => ({})) {
  const held = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      holdRequest(target.url, {
        method: 'POST',
        path: '/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: target.url, accept: 'text/html', ...headersFor(i) },
        body: new URLSearchParams({ password: `wrong-guess-${i}`, next: '/' }).toString(),
      }),
    ),
  );
  // Give the server time to run every request up to the point where it waits for the body. Not an assertion:
  // the fixed dashboard decides before any body arrives, so the outcome is the same however long this takes.
  await Bun.sleep(1000);
  for (const request of held) request.sendBody();
  const statuses = await Promise.all(held.map((request) => request.status));
  return { checked: statuses.filter((s) => s === 401).length, refused: statuses.filter((s) => s === 429).length, other: statuses.filter((s) => s !== 401 && s !== 429) };
}

describe('login limit under parallel and distributed guessing', () => {
  it('checks at most the limit of 200 parallel wrong passwords whose bodies arrive late, then refuses the right one', async () => {
    const { checked, refused, other } = await parallelWrongPasswords(burstTarget, 200);
    expect(other).toEqual([]);
    expect(checked).toBeLessThanOrEqual(PER_CLIENT_LIMIT);
    expect(refused).toBeGreaterThanOrEqual(200 - PER_CLIENT_LIMIT);
    const right = await login(burstTarget, DASHBOARD_PASSWORD);
    expect(right.status).toBe(429);
    expect(right.headers.get('set-cookie')).toBeNull();
    expect(right.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('counts every address of an IPv6 /64 as one client', async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 10; i++) {
      statuses.push((await login(ipv6Target, `wrong-${i}`, { headers: { 'x-forwarded-for': `2001:db8:5:6::${i.toString(16)}` } })).status);
    }
    expect(statuses).toEqual([...Array(PER_CLIENT_LIMIT).fill(401), ...Array(10 - PER_CLIENT_LIMIT).fill(429)]);
    expect((await login(ipv6Target, DASHBOARD_PASSWORD, { headers: { 'x-forwarded-for': '2001:db8:5:6:ffff:ffff:ffff:ffff' } })).status).toBe(429);
    // Another /64 is another client: it still gets in.
    expect((await login(ipv6Target, DASHBOARD_PASSWORD, { headers: { 'x-forwarded-for': '2001:db8:5:7::1' } })).status).toBe(303);
  });

  it('slows the whole account down once many addresses have guessed wrong: 200 addresses at once get nowhere', async () => {
    const { checked, refused, other } = await parallelWrongPasswords(distributedTarget, 200, (i) => ({ 'x-forwarded-for': `198.51.${100 + (i >> 8)}.${i & 255}` }));
    expect(other).toEqual([]);
    // The free failures, then one more that starts the first delay; everything else waits.
    expect(checked).toBeLessThanOrEqual(ACCOUNT_FREE_FAILURES + 1);
    expect(refused).toBeGreaterThanOrEqual(200 - ACCOUNT_FREE_FAILURES - 1);
    // A fresh address with the right password is refused too while the account waits, and says for how long.
    const right = await login(distributedTarget, DASHBOARD_PASSWORD, { headers: { 'x-forwarded-for': '192.0.2.77' } });
    expect(right.status).toBe(429);
    expect(await right.text()).toContain('Too many wrong passwords for this dashboard');
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('the login page\'s next parameter', () => {
  for (const [name, next] of [
    ['a tab', '/\t/evil.example'],
    ['a newline', '/conversations\nSet-Cookie: x=1'],
    ['a non-ASCII character', '/conversations/é'],
  ] as const) {
    it(`redirects to / when next holds ${name}, signing in and already signed in`, async () => {
      const response = await login(dashboard, DASHBOARD_PASSWORD, { next });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/');
      const again = await signedIn(`/login?next=${encodeURIComponent(next)}`);
      expect(again.status).toBe(303);
      expect(again.headers.get('location')).toBe('/');
    });
  }
});

describe('conversation ids in admin API paths', () => {
  it('answers a clean 404 page for an id that walks the path, and never calls the export', async () => {
    const before = apiCalls.length;
    const response = await signedIn('/conversations/%2E%2E%2Fexport%3Fformat%3Dcsv');
    const text = await response.text();
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(text).toContain('This conversation does not exist');
    expect(text).not.toContain('conversation_id');
    const deleted = await signedIn('/conversations/..%2Fexport?/delete', { method: 'POST', headers: { origin: dashboard.url, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(deleted.status).toBe(404);
    await deleted.arrayBuffer();
    const calls = apiCalls.slice(before);
    expect(calls.filter((path) => !path.startsWith('/v1/admin/conversations/'))).toEqual([]);
    expect(calls.filter((path) => path.includes('export'))).toEqual([]);
  });

  it('still opens a real conversation by its id', async () => {
    const response = await signedIn(`/conversations/${teapotId}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('blue teapot');
    expect(apiCalls.at(-1)).toBe(`/v1/admin/conversations/${teapotId}`);
  });
});

describe('Content-Security-Policy', () => {
  it('sends a nonce-based policy with every page, and the page\'s own scripts carry the nonce', async () => {
    for (const response of [await fetch(`${dashboard.url}/login`), await signedIn('/'), await signedIn(`/conversations/${hostileId}`), await signedIn('/overview')]) {
      const policy = response.headers.get('content-security-policy') ?? '';
      const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
      expect(nonce).toBeTruthy();
      for (const directive of ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"]) {
        expect(policy).toContain(directive);
      }
      expect(policy).not.toContain('unsafe-inline');
      expect(policy).not.toContain('unsafe-eval');
      const html = await response.text();
      const inlineScripts = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)];
      expect(inlineScripts.length).toBeGreaterThan(0);
      for (const [, attributes] of inlineScripts) expect(attributes).toContain(`nonce="${nonce}"`);
    }
  });

  it('shows a javascript: page URL as text, never as a link', async () => {
    const response = await signedIn(`/conversations/${hostileId}`);
    const html = await response.text();
    expect(html).toContain('javascript:alert(document.domain)');
    expect(html).not.toMatch(/href="\s*javascript:/i);
    const normal = await (await signedIn(`/conversations/${teapotId}`)).text();
    expect(normal).not.toContain('href="javascript');
  });

  /** Records every CSP violation and script error on the page. */
  async function watch(page: Page): Promise<string[]> {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await page.exposeFunction('__reportViolation', (text: string) => problems.push(`csp: ${text}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        (window as unknown as { __reportViolation(text: string): void }).__reportViolation(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    return problems;
  }

  it('runs every page in a real browser with no violation: list, search, thread, overview, error page', async () => {
    const context = await contextWithSession();
    try {
      const page = await context.newPage();
      const problems = await watch(page);
      // The list's live refresh (a __data.json request) runs only once the page's scripts have started.
      const live = page.waitForRequest((request) => request.url().includes('__data.json'));
      await page.goto(`${dashboard.url}/`);
      await page.getByRole('heading', { name: 'Conversations' }).waitFor();
      await live;
      // Scripts run: a search navigates inside the page instead of loading a new document.
      await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
      await page.getByRole('searchbox', { name: 'Search messages' }).fill('teapot');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.locator('li[data-conversation-id]').nth(1).waitFor({ state: 'detached' });
      await page.locator(`li[data-conversation-id="${teapotId}"]`).waitFor();
      expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

      await page.goto(`${dashboard.url}/conversations/${hostileId}`);
      const details = page.getByRole('complementary', { name: 'Conversation details' });
      await details.getByText(HOSTILE_PAGE_URL).waitFor();
      expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);

      await page.goto(`${dashboard.url}/overview?days=7`);
      await page.locator('figure svg rect.bar').first().waitFor({ state: 'attached' });

      const missing = await page.goto(`${dashboard.url}/conversations/not%20an%20id`);
      expect(missing?.status()).toBe(404);
      await page.getByText('This conversation does not exist').waitFor();

      expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('search without JavaScript (issue 15)', () => {
  it('redirects a form GET with empty fields to the clean URL', async () => {
    const response = await signedIn('/?q=teapot&from=&to=&problem=&feedback=');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/?q=teapot');
    await response.arrayBuffer();
    const empty = await signedIn('/?q=&from=&to=&problem=&feedback=');
    expect(empty.status).toBe(303);
    expect(empty.headers.get('location')).toBe('/');
    await empty.arrayBuffer();
  });

  it('lands a search submitted before any script ran on the clean URL with the results', async () => {
    const context = await contextWithSession({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(`${dashboard.url}/`);
      await page.getByRole('searchbox', { name: 'Search messages' }).fill('teapot');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL((url) => url.searchParams.get('q') === 'teapot');
      expect(new URL(page.url()).search).toBe('?q=teapot');
      await page.locator(`li[data-conversation-id="${teapotId}"]`).waitFor();
      expect(await page.locator('li[data-conversation-id]').evaluateAll((items) => items.map((i) => i.getAttribute('data-conversation-id')))).toEqual([teapotId]);
    } finally {
      await context.close();
    }
  });

});
