import { describe, expect, it } from 'bun:test';
import { failureReport, parseJunit } from './junit.ts';

// Trimmed from a real `bun test --reporter=junit` file: nested describes, an escaped name, a pass, a top-level failure.
const JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="bun test" tests="4" failures="2" skipped="1">
  <testsuite name="x.test.ts" file="x.test.ts" tests="4" failures="2" skipped="1">
    <testsuite name="outer &lt;a&amp;b&gt;" file="x.test.ts" line="2" tests="2" failures="1">
      <testsuite name="inner" file="x.test.ts" line="2" tests="2" failures="1">
        <testcase name="fails &quot;here&quot;" classname="inner &gt; outer &lt;a&amp;b&gt;" time="0.0001" file="x.test.ts" line="2" assertions="1">
          <failure type="AssertionError" message="expect(received).toBe(expected)&#10;&#10;Expected: 2&#10;Received: 1&#10;">AssertionError: …</failure>
        </testcase>
        <testcase name="passes" classname="inner &gt; outer &lt;a&amp;b&gt;" time="0.000004" file="x.test.ts" line="2" assertions="0" />
      </testsuite>
    </testsuite>
    <testcase name="top fails" classname="" time="0.00003" file="x.test.ts" line="3" assertions="0">
      <failure type="Error" message="x">Error: x</failure>
    </testcase>
    <testcase name="later" classname="" time="0" file="x.test.ts" line="4" assertions="0">
      <skipped />
    </testcase>
  </testsuite>
</testsuites>`;

describe('JUnit results of a bun test run', () => {
  it('names each test by file, describe blocks (outermost first) and title, unescaped', () => {
    expect(parseJunit(JUNIT).map((test) => [test.name, test.outcome])).toEqual([
      ['x.test.ts > outer <a&b> > inner > fails "here"', 'failed'],
      ['x.test.ts > outer <a&b> > inner > passes', 'passed'],
      ['x.test.ts > top fails', 'failed'],
      ['x.test.ts > later', 'skipped'],
    ]);
  });

  it('keeps the first line of the failure message as the reason', () => {
    expect(parseJunit(JUNIT)[0]!.reason).toBe('expect(received).toBe(expected)');
  });

  it('ends a failed run with the failed tests and the failures outside tests', () => {
    const failed = parseJunit(JUNIT).filter((test) => test.outcome === 'failed');
    const report = failureReport(failed, ['typecheck (its output is above)']).join('\n');
    expect(report).toContain('✗ x.test.ts > outer <a&b> > inner > fails "here"');
    expect(report).toContain('✗ x.test.ts > top fails');
    expect(report).toContain('✗ typecheck');
    expect(failureReport([], [])).toEqual([]);
  });
});
