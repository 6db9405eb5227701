/** Runs the BUILT dashboard (`bun dashboard/build/index.js`) as a real process on a free loopback port. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, startProcess, waitUntil, type RunningProcess } from './processes.ts';

export const DASHBOARD_ENTRY = join(REPO_ROOT, 'dashboard', 'build', 'index.js');
export const DASHBOARD_PASSWORD = 'correct-horse-battery-staple';
export const DASHBOARD_SECRET = 'e2e-session-secret-0123456789-abcdefghij';

export interface RunningDashboard {
  url: string;
  process: RunningProcess;
  stop(): Promise<void>;
}

export function requireDashboardBuild(): void {
  if (!existsSync(DASHBOARD_ENTRY)) {
    throw new Error(`The dashboard is not built (${DASHBOARD_ENTRY} is missing): run "bun run --filter dashboard build" first.`);
  }
}

/** Environment of a production-mode dashboard pointed at `apiUrl`; `env` overrides or removes (undefined) entries. */
export function dashboardEnv(apiUrl: string, adminKey: string, env: Record<string, string | undefined> = {}): Record<string, string> {
  const merged: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    // 0: the entry prints the port it got, so there is no race for a "free" port.
    PORT: '0',
    API_URL: apiUrl,
    ADMIN_API_KEY: adminKey,
    DASHBOARD_PASSWORD,
    SESSION_SECRET: DASHBOARD_SECRET,
    DASHBOARD_POLL_SECONDS: '1',
    ...env,
  };
  return Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export async function startDashboard(options: { apiUrl: string; adminKey: string; env?: Record<string, string | undefined> }): Promise<RunningDashboard> {
  requireDashboardBuild();
  const child = startProcess('dashboard', ['bun', DASHBOARD_ENTRY], { cwd: REPO_ROOT, env: dashboardEnv(options.apiUrl, options.adminKey, options.env) });
  let url = '';
  await waitUntil(child, 'it listened', async () => {
    const match = /Dashboard listening on (http:\/\/[\d.]+:\d+)/.exec(child.output());
    if (match) url = match[1]!;
    return match !== null;
  });
  return { url, process: child, stop: () => child.stop() };
}

/** Runs the built dashboard with `env` and returns how it exited and what it printed (for config refusals). */
export async function runDashboardUntilExit(env: Record<string, string>, timeoutMs = 10_000): Promise<{ code: number | null; output: string }> {
  requireDashboardBuild();
  const child = startProcess('dashboard', ['bun', DASHBOARD_ENTRY], { cwd: REPO_ROOT, env });
  const code = await Promise.race([child.exited, Bun.sleep(timeoutMs).then(() => null)]);
  if (code === null) await child.stop();
  return { code, output: child.output() };
}
