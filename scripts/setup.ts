/**
 * Makes a fresh clone ready: workspace dependencies, and the system programs the tests drive (Debian's chromium for
 * browser tests, caddy for the appliance test, docker-compose to validate compose.yaml). Safe to run again.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dir, '..');

export function run(cmd: string[], options: { cwd?: string; env?: Record<string, string | undefined>; quiet?: boolean } = {}): void {
  const result = Bun.spawnSync(cmd, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdout: options.quiet ? 'pipe' : 'inherit',
    stderr: options.quiet ? 'pipe' : 'inherit',
  });
  if (result.exitCode !== 0) {
    if (options.quiet) process.stderr.write(result.stdout.toString() + result.stderr.toString());
    throw new Error(`command failed (${result.exitCode}): ${cmd.join(' ')}`);
  }
}

export function installDependencies(): void {
  run(['bun', 'install', '--frozen-lockfile'], { quiet: true });
}

const SYSTEM_PACKAGES: Array<{ binary: string; pkg: string; why: string }> = [
  { binary: '/usr/bin/chromium', pkg: 'chromium', why: 'browser tests' },
  { binary: '/usr/bin/caddy', pkg: 'caddy', why: 'the end-to-end test through Caddy' },
  { binary: '/usr/bin/docker-compose', pkg: 'docker-compose', why: 'validating compose.yaml' },
];

/** Installs missing system packages with apt-get when running as root; otherwise says what to install. */
export function ensureSystemPackages(): void {
  const missing = SYSTEM_PACKAGES.filter((p) => !existsSync(p.binary));
  if (missing.length === 0) return;
  const names = missing.map((p) => p.pkg);
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    console.warn(`Missing system packages for ${missing.map((p) => p.why).join(', ')}: run "sudo apt-get install -y ${names.join(' ')}".`);
    return;
  }
  console.log(`Installing ${names.join(', ')} with apt-get …`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  run(['apt-get', 'update', '-qq'], { env, quiet: true });
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...names], { env, quiet: true });
}

export function buildAll(): void {
  run(['bun', 'run', '--filter', 'widget', 'build']);
  run(['bun', 'run', '--filter', 'dashboard', 'build'], { quiet: true });
}

if (import.meta.main) {
  installDependencies();
  ensureSystemPackages();
  buildAll();
}
