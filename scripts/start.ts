/**
 * `bun run start`: the server and the dashboard side by side on a fresh clone. Installs and builds what is missing,
 * makes development secrets when none are set (printing the dashboard password), and stops both on Ctrl-C.
 * Configuration comes from the environment and `.env` (Bun loads it); see the README's table.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { installDependencies, ROOT, run } from './setup.ts';

const rebuild = process.argv.includes('--dev') || process.argv.includes('--build');
const production = process.env.NODE_ENV === 'production';

if (!existsSync(join(ROOT, 'node_modules'))) installDependencies();
if (rebuild || !existsSync(join(ROOT, 'widget/dist/chat-widget.js'))) run(['bun', 'run', '--filter', 'widget', 'build']);
if (rebuild || !existsSync(join(ROOT, 'dashboard/build/index.js'))) run(['bun', 'run', '--filter', 'dashboard', 'build'], { quiet: true });

const secret = (bytes: number) => randomBytes(bytes).toString('base64url');
const env: Record<string, string | undefined> = { ...process.env };
const generated: string[] = [];
if (!production) {
  // One run, one set of secrets: the dashboard and the server must agree on the admin key.
  if (!env.ADMIN_API_KEY) {
    env.ADMIN_API_KEY = secret(24);
    generated.push('ADMIN_API_KEY');
  }
  if (!env.DASHBOARD_PASSWORD) {
    env.DASHBOARD_PASSWORD = secret(9);
    generated.push('DASHBOARD_PASSWORD');
  }
  if (!env.SESSION_SECRET) {
    env.SESSION_SECRET = secret(32);
    generated.push('SESSION_SECRET');
  }
}

const serverPort = env.PORT ?? '4000';
const dashboardPort = env.DASHBOARD_PORT ?? '3000';
const apiUrl = `http://127.0.0.1:${serverPort}`;

const server = Bun.spawn(['bun', 'server/src/index.ts'], { cwd: ROOT, env: { ...env, PORT: serverPort }, stdout: 'inherit', stderr: 'inherit' });

async function waitForHealth(url: string, child: { exitCode: number | null }) {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) return false;
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  return false;
}

if (!(await waitForHealth(`${apiUrl}/health`, server))) {
  console.error('The server did not start (see the lines above).');
  server.kill();
  process.exit(1);
}

const dashboard = Bun.spawn(['bun', 'dashboard/build/index.js'], {
  cwd: ROOT,
  env: { ...env, PORT: dashboardPort, API_URL: env.API_URL ?? apiUrl },
  stdout: 'inherit',
  stderr: 'inherit',
});
if (await waitForHealth(`http://127.0.0.1:${dashboardPort}/healthz`, dashboard)) {
  console.log(`
  Dashboard: http://localhost:${dashboardPort}${generated.includes('DASHBOARD_PASSWORD') ? `   (password for this run: ${env.DASHBOARD_PASSWORD})` : ''}
  API:       http://localhost:${serverPort}   (docs: http://localhost:${serverPort}/v1/openapi.json)
${generated.length ? `  Generated for this run only: ${generated.join(', ')}. Set them in .env to keep them.\n` : ''}`);
} else {
  console.error('The dashboard did not start (see the lines above); the API keeps running.');
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  server.kill('SIGTERM');
  dashboard.kill('SIGTERM');
  setTimeout(() => process.exit(code), 2000).unref();
  void Promise.all([server.exited, dashboard.exited]).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
void server.exited.then((code) => {
  if (!stopping) {
    console.error(`The server exited (${code}); stopping the dashboard.`);
    stop(code || 1);
  }
});
