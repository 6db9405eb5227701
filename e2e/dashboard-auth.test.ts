/**
 * The dashboard's door: sign-in, wrong passwords, forged/tampered/expired/foreign cookies, logout revocation,
 * the login rate limit, CSRF on plain http and behind a TLS proxy, and refusing weak production secrets.
 * Runs the BUILT dashboard against the real server (startTestServer) and Debian's Chromium.
 */
import { afterAll, describe, expect, it, setDefaultTimeout } from 'bun:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { newSession, signSession } from '../dashboard/src/lib/server/session.ts';
import { startTestServer, type TestServer } from '../server/test/support/server.ts';
import { launchBrowser } from './support/browser.ts';
import { DASHBOARD_PASSWORD, DASHBOARD_SECRET, dashboardEnv, runDashboardUntilExit, startDashboard, type RunningDashboard } from './support/dashboard-app.ts';

setDefaultTimeout(30_000);

let server: TestServer;
let dashboard: RunningDashboard;
let browser: Browser;

// Setup runs at module scope, not in beforeAll: bun test kills every process a hook or test spawned when any test
// times out, even a stale timer (oven-sh/bun#39657), and processes spawned at module scope are not tracked.
await (async () => {
  server = await startTestServer({ env: { RATE_LIMIT_ADMIN_PER_IP: '100000' } });
  dashboard = await startDashboard({ apiUrl: server.url, adminKey: server.adminKey });
  browser = await launchBrowser();
})();

afterAll(async () => {
  await browser?.close();
  await dashboard?.stop();
  await server?.stop();
});

async function signIn(context: BrowserContext, password = DASHBOARD_PASSWORD) {
  const page = await context.newPage();
  await page.goto(`${dashboard.url}/`);
  await page.waitForURL(/\/login$/);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

const sessionCookie = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name === 'ocw_session');

/** A browser holding only the given cookie value, asking for the list: where does it end up? */
async function landingWith(cookieValue: string): Promise<string> {
  const context = await browser.newContext();
  try {
    await context.addCookies([{ name: 'ocw_session', value: cookieValue, url: dashboard.url }]);
    const page = await context.newPage();
    // The document only: no scripts needed to see where the server sends this cookie.
    await page.route('**/_app/**', (route) => route.abort());
    const response = await page.goto(`${dashboard.url}/`, { waitUntil: 'domcontentloaded' });
    return `${new URL(page.url()).pathname} ${response?.status()}`;
  } finally {
    await context.close();
  }
}

describe('dashboard sign-in', () => {
  it('sends a visitor without a session to the login page, and the health probe answers without one', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/conversations/anything`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/conversations/anything');
    await context.close();

    const health = await fetch(`${dashboard.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok');
    const exportWithoutSession = await fetch(`${dashboard.url}/export?format=csv`);
    expect(exportWithoutSession.status).toBe(401);
    expect(await exportWithoutSession.json()).toEqual({ error: 'Sign in to the dashboard first.', code: 'unauthenticated' });
  });

  it('refuses a wrong password with a message and sets no cookie', async () => {
    const context = await browser.newContext();
    const page = await signIn(context, 'not-the-password');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('That password is not right.');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await sessionCookie(context)).toBeUndefined();
    await context.close();
  });

  it('signs in with the right password: an HttpOnly, SameSite=Lax session cookie, then the conversation list', async () => {
    const context = await browser.newContext();
    const page = await signIn(context);
    await page.getByRole('heading', { name: 'Conversations' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    const cookie = await sessionCookie(context);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', secure: false });
    await context.close();
  });

  it('rejects hand-made, tampered, expired and foreign-secret cookies, and accepts a genuine one', async () => {
    const now = Date.now();
    const genuine = signSession(newSession(now, 3_600_000), DASHBOARD_SECRET);
    const [payload, signature] = genuine.split('.') as [string, string];
    const longer = Buffer.from(JSON.stringify({ id: 'admin', exp: now + 10 ** 10 })).toString('base64url');

    expect(await landingWith('admin')).toBe('/login 200');
    expect(await landingWith(`${longer}.${signature}`)).toBe('/login 200');
    expect(await landingWith(`${payload}.${signature.slice(0, -2)}AA`)).toBe('/login 200');
    expect(await landingWith(signSession(newSession(now - 7_200_000, 3_600_000), DASHBOARD_SECRET))).toBe('/login 200');
    expect(await landingWith(signSession(newSession(now, 3_600_000), 'some-other-secret-0123456789-abcdefghij'))).toBe('/login 200');
    // The control: the same construction with the dashboard's secret does get in, so the refusals above are real.
    expect(await landingWith(genuine)).toBe('/ 200');
  });

  it('signs out: the cookie is cleared and the old value no longer opens anything', async () => {
    const context = await browser.newContext();
    const page = await signIn(context);
    await page.getByRole('heading', { name: 'Conversations' }).waitFor();
    const before = await sessionCookie(context);
    expect(before).toBeDefined();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    expect(await sessionCookie(context)).toBeUndefined();
    expect(await landingWith(before!.value)).toBe('/login 200');
    await context.close();
  });
});

describe('dashboard form posts (CSRF)', () => {
  const loginPost = (headers: Record<string, string>, password = 'wrong-on-purpose') =>
    fetch(`${dashboard.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
      body: new URLSearchParams({ password, next: '/' }),
    });

  it('refuses a form post from another site, over plain http and behind a TLS proxy', async () => {
    expect((await loginPost({ origin: 'http://evil.example' })).status).toBe(403);
    expect((await loginPost({ origin: 'https://evil.example', 'x-forwarded-proto': 'https' })).status).toBe(403);
    // http origin while the proxy says the page was https: not the same origin either.
    expect((await loginPost({ origin: dashboard.url, 'x-forwarded-proto': 'https' })).status).toBe(403);
  });

  it('accepts its own origin on plain http, and its https origin behind a proxy (then the cookie is Secure)', async () => {
    const plain = await loginPost({ origin: dashboard.url }, DASHBOARD_PASSWORD);
    expect(plain.status).toBe(303);
    expect(plain.headers.get('set-cookie')).not.toContain('Secure');

    const host = new URL(dashboard.url).host;
    const proxied = await loginPost({ origin: 'https://dash.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'dash.example' }, DASHBOARD_PASSWORD);
    expect(proxied.status).toBe(303);
    expect(proxied.headers.get('set-cookie')).toContain('Secure');
    expect(host).not.toBe('dash.example');
  });
});

describe('dashboard login rate limit', () => {
  it('refuses a client after 5 wrong passwords in a minute, even with the right one', async () => {
    const limited = await startDashboard({ apiUrl: server.url, adminKey: server.adminKey });
    try {
      const attempt = (password: string) =>
        fetch(`${limited.url}/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: limited.url, accept: 'text/html' },
          body: new URLSearchParams({ password }),
        });
      for (let i = 0; i < 5; i++) expect((await attempt(`wrong-${i}`)).status).toBe(401);
      const refused = await attempt(DASHBOARD_PASSWORD);
      expect(refused.status).toBe(429);
      expect(await refused.text()).toContain('Too many attempts. Try again in');
      expect(refused.headers.get('set-cookie')).toBeNull();
    } finally {
      await limited.stop();
    }
  });
});

describe('dashboard configuration', () => {
  it('refuses to start in production with missing or weak secrets, one line per problem', async () => {
    const { code, output } = await runDashboardUntilExit(
      dashboardEnv(server.url, server.adminKey, { DASHBOARD_PASSWORD: 'short', SESSION_SECRET: undefined, ADMIN_API_KEY: undefined }),
    );
    expect(code).toBe(1);
    const lines = output.split('\n').filter((line) => line.startsWith('dashboard: '));
    expect(lines).toEqual([
      "dashboard: ADMIN_API_KEY is not set: set it to the same value as the server's ADMIN_API_KEY.",
      'dashboard: DASHBOARD_PASSWORD is too short: use at least 12 characters.',
      'dashboard: SESSION_SECRET is not set: use at least 24 random characters (openssl rand -base64 32).',
    ]);
    expect(output).not.toContain('Dashboard listening');
  });
});
