/**
 * Reads the JUnit XML that `bun test --reporter=junit` writes, so the test command can count results and name the
 * tests that failed at the end of a run (a CI log then says what broke without scrolling through the whole output).
 */

export interface TestCaseResult {
  /** `file > describe > … > test`, as a person would search for it. */
  name: string;
  outcome: 'passed' | 'failed' | 'skipped';
  /** First line of the failure message, when it failed. */
  reason: string | null;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
}

function attribute(tag: string, name: string): string | null {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match ? unescapeXml(match[1]!) : null;
}

/** Every test case in one JUnit file, in file order. */
export function parseJunit(xml: string): TestCaseResult[] {
  const results: TestCaseResult[] = [];
  for (const match of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const tag = match[1]!;
    const inner = match[3] ?? '';
    // bun writes the enclosing describe blocks innermost first: "inner > outer".
    const describes = (attribute(tag, 'classname') ?? '').split(' > ').filter(Boolean).reverse();
    const name = [attribute(tag, 'file') ?? '?', ...describes, attribute(tag, 'name') ?? '?'].join(' > ');
    const failure = /<(failure|error)\b([^>]*)>/.exec(inner) ?? /<(failure|error)\b([^>]*)\/>/.exec(inner);
    if (failure) {
      const message = attribute(failure[0], 'message') ?? attribute(failure[0], 'type') ?? '';
      results.push({ name, outcome: 'failed', reason: message.split('\n').find((line) => line.trim() !== '')?.trim() ?? null });
    } else {
      results.push({ name, outcome: /<skipped\b/.test(inner) ? 'skipped' : 'passed', reason: null });
    }
  }
  return results;
}

/** The lines that end a failed run: one per failed test with the first line of why, then failures outside tests. */
export function failureReport(failed: TestCaseResult[], otherFailures: string[]): string[] {
  if (failed.length === 0 && otherFailures.length === 0) return [];
  const lines = ['', 'Failed:'];
  for (const test of failed) lines.push(`  ✗ ${test.name}${test.reason ? `\n      ${test.reason.slice(0, 300)}` : ''}`);
  for (const failure of otherFailures) lines.push(`  ✗ ${failure}`);
  return lines;
}
