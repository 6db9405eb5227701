/** Launches Debian's Chromium through playwright-core with the flags this machine needs (no network beyond loopback). */
import { chromium, type Browser } from 'playwright-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with "apt-get install -y chromium" (bun run test does this when run as root).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // playwright gives every launch a new empty profile of its own (it refuses --user-data-dir in args).
    args: CHROMIUM_ARGS,
  });
}

/** Where browser tests keep screenshots; the README links the ones in docs/screenshots. */
export const ARTIFACTS_DIR = join(import.meta.dir, '..', 'artifacts');
