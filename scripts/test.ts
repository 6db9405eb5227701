/**
 * The whole test suite in one command, on a fresh clone: installs what is missing, builds the widget and the
 * dashboard (the browser tests drive the built files), typechecks every workspace, runs `bun test`, and ends with a
 * `N passed, N failed` line (a failed typecheck counts as one failure).
 * Extra arguments go to `bun test` (e.g. a path filter).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failureReport, parseJunit, type TestCaseResult } from './junit.ts';
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

/**
 * Each browser/appliance file runs in a `bun test` process of its own: bun's runner kills every process a file has
 * spawned when a test times out, and a timer left over from an earlier file can fire that kill in a later one
 * (oven-sh/bun#39657), taking the browser and servers of an innocent file with it. Everything else runs together.
 */
function testGroups(args: string[]): string[][] {
  if (args.length > 0) return [args];
  const e2e = [...new Bun.Glob('e2e/**/*.test.ts').scanSync(ROOT)].sort();
  return [['--path-ignore-patterns=e2e/**'], ...e2e.map((file) => [`./${file}`])];
}

const resultsDir = mkdtempSync(join(tmpdir(), 'ocw-junit-'));
const runs = testGroups(process.argv.slice(2)).map((group, index) => {
  const junitPath = join(resultsDir, `results-${index}.xml`);
  const run = Bun.spawnSync(['bun', 'test', '--timeout=30000', '--reporter=junit', `--reporter-outfile=${junitPath}`, ...group], {
    cwd: ROOT,
    stdout: 'inherit',
    stderr: 'inherit',
    env: { ...process.env, NODE_ENV: 'test' },
  });
  return { junitPath, exitCode: run.exitCode, group };
});

let passed = 0;
let skipped = 0;
const failedTests: TestCaseResult[] = [];
const crashedGroups: string[] = [];
for (const run of runs) {
  let results: TestCaseResult[] = [];
  try {
    results = parseJunit(readFileSync(run.junitPath, 'utf8'));
  } catch {
    console.error(`bun test ${run.group.join(' ')} wrote no results file: it did not run to the end.`);
  }
  const failedHere = results.filter((test) => test.outcome === 'failed');
  passed += results.filter((test) => test.outcome === 'passed').length;
  skipped += results.filter((test) => test.outcome === 'skipped').length;
  failedTests.push(...failedHere);
  // A crash, an error between tests or a failing hook fails the run even when every counted test passed.
  if (run.exitCode !== 0 && (results.length === 0 || failedHere.length === 0)) crashedGroups.push(run.group.join(' '));
}
const testRun = { exitCode: runs.every((r) => r.exitCode === 0) ? 0 : 1 };
let failed = failedTests.length + crashedGroups.length;
if (!typecheckOk) failed += 1;

const seconds = ((performance.now() - started) / 1000).toFixed(0);
const otherFailures = [
  ...crashedGroups.map((group) => `bun test ${group}: failed outside any test (a crash, a hook or an error between tests)`),
  ...(typecheckOk ? [] : ['typecheck (its output is above)']),
];
for (const line of failureReport(failedTests, otherFailures)) console.log(line);
console.log(`\nTest suite finished in ${seconds}s.`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || testRun.exitCode !== 0 || !typecheckOk ? 1 : 0);
