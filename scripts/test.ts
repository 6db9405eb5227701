/**
 * The whole test suite in one command, on a fresh clone: installs what is missing, builds the widget and the
 * dashboard (the browser tests drive the built files), typechecks every workspace, runs `bun test`, and ends with a
 * `N passed, N failed` line (a failed typecheck counts as one failure).
 * Extra arguments go to `bun test` (e.g. a path filter).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAll, ensureSystemPackages, installDependencies, ROOT } from './setup.ts';

const started = performance.now();
installDependencies();
ensureSystemPackages();
buildAll();

// TypeScript strict in every workspace: a type error fails the suite like a failing test.
const typecheck = Bun.spawnSync(['bun', 'run', '--filter', '*', 'typecheck'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
const typecheckOk = typecheck.exitCode === 0;
if (!typecheckOk) process.stderr.write(typecheck.stdout.toString() + typecheck.stderr.toString());
console.log(typecheckOk ? 'Typecheck passed (server, widget, dashboard).' : 'Typecheck FAILED (see above).');

const junitPath = join(mkdtempSync(join(tmpdir(), 'ocw-junit-')), 'results.xml');
const testRun = Bun.spawnSync(['bun', 'test', '--timeout=30000', '--reporter=junit', `--reporter-outfile=${junitPath}`, ...process.argv.slice(2)], {
  cwd: ROOT,
  stdout: 'inherit',
  stderr: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const xml = readFileSync(junitPath, 'utf8');
  for (const match of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const inner = match[2] ?? '';
    if (/<(failure|error)\b/.test(inner)) failed++;
    else if (/<skipped\b/.test(inner)) skipped++;
    else passed++;
  }
} catch {
  console.error('bun test wrote no results file: it did not run to the end.');
}
if (testRun.exitCode !== 0 && failed === 0) failed = 1; // a crash or a failing hook still fails the run
if (!typecheckOk) failed += 1;

const seconds = ((performance.now() - started) / 1000).toFixed(0);
console.log(`\nTest suite finished in ${seconds}s.`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || testRun.exitCode !== 0 || !typecheckOk ? 1 : 0);
