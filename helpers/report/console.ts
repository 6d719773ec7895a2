/**
 * The console, as a Playwright user expects it: a banner saying what is tested (target,
 * endpoint, region, tool versions), one line per test, whose location for a tutorial step is
 * the step's definition in scenarios/ (not the runner), progress lines while a step waits, and
 * at the end the verdict in one line, where the reports are, and the line CI reads:
 * `N passed, N failed, N skipped`. Everything after the banner is rendered from the outcome
 * (summary.json, written by the outcome reporter before this one ends): the counts agree with it.
 */
import { join, relative } from 'node:path';
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestError, TestResult } from '@playwright/test/reporter';
import {
  KIND_LABEL,
  VERDICT_WORDS,
  describeRetry,
  headline,
  kindFromStatus,
  retrySchema,
  type Retry,
  type StepKind,
} from '../outcome/model.ts';
import { preflightMessage } from '../run/preflight-problems.ts';
import { listingOnly } from './listing.ts';
import { currentRunId, readPreflight, readSummaryFile, reportsDirOf } from './summary-json.ts';

/** The spec file a test was declared in (a scenario's steps are defined in the runner, declared by a spec). */
function specFileOf(test: TestCase): string {
  let suite: Suite | undefined = test.parent;
  while (suite && suite.type !== 'file') suite = suite.parent;
  return suite?.location?.file ?? test.location.file;
}

const annotation = (test: TestCase, type: string) => test.annotations.find((a) => a.type === type)?.description;

const MARK: Record<StepKind, string> = {
  passed: '✓',
  'conformance-failure': '✘',
  'infrastructure-problem': '!',
  'known-issue': '~',
  'not-run': '-',
  interrupted: '⏹',
};

/** The calls the runner tried again during the step (its `retries` attachment, the record's field). */
function retriesOf(result: TestResult): Retry[] {
  const body = result.attachments.find((a) => a.name === 'retries' && a.body)?.body;
  if (!body) return [];
  const parsed = retrySchema.array().safeParse(JSON.parse(body.toString('utf8')));
  return parsed.success ? parsed.data : [];
}

function kindOf(result: TestResult): StepKind | undefined {
  const a = result.annotations.filter((x) => x.type === 'outcome-kind').pop()?.description;
  return a as StepKind | undefined;
}

export default class ConsoleReporter implements Reporter {
  private rootDir = process.cwd();
  private readonly outcomes = new Map<TestCase, ReturnType<TestCase['outcome']>>();
  private preflightError: string | undefined;
  private n = 0;
  private total = 0;

  /** A tutorial step's definition in scenarios/, else the test's place in its spec. */
  private locationOf(test: TestCase): string {
    return annotation(test, 'step-location') ?? `${relative(this.rootDir, test.location.file)}:${test.location.line}`;
  }

  private write(line: string): void {
    process.stdout.write(`${line}\n`);
  }

  onBegin(config: FullConfig, suite: Suite): void {
    this.rootDir = config.rootDir;
    this.total = suite.allTests().length;
    if (listingOnly()) {
      // `--list`: the tests, as Playwright's own list shows them; nothing ran, so no verdict.
      for (const test of suite.allTests()) {
        const project = test.parent.project()?.name;
        this.write(`  ${project ? `[${project}] › ` : ''}${this.locationOf(test)} › ${test.title}`);
      }
      this.write(`Total: ${this.total} test${this.total === 1 ? '' : 's'} in ${new Set(suite.allTests().map(specFileOf)).size} files`);
      return;
    }
    const pre = readPreflight(reportsDirOf(), currentRunId());
    if (pre) {
      const tools = [
        pre.tools.aws ? `aws CLI ${pre.tools.aws.split(' ')[0]?.replace(/^aws-cli\//, '')}` : '',
        pre.tools.npm ? `npm ${pre.tools.npm}` : '',
        `Node ${pre.tools.node}`,
      ].filter(Boolean);
      this.write(`CodeArtifact tutorial conformance · run ${pre.runId}`);
      this.write(`  target:   ${pre.targetDescription}${pre.endpoint ? ` (${pre.endpoint})` : ''}`);
      this.write(`  region:   ${pre.region}`);
      this.write(`  tools:    ${tools.join(', ')}`);
      const faults = pre.faults ?? [];
      if (faults.length) this.write(`  faults:   injected into the emulator: ${faults.join(', ')} (the run tests the harness, not AWS)`);
    }
    if (this.total)
      this.write(
        `Running ${this.total} test${this.total === 1 ? '' : 's'} using ${config.workers} worker${config.workers === 1 ? '' : 's'}`,
      );
  }

  onStdOut(chunk: string | Buffer): void {
    // Progress lines of waiting steps (and anything else a test prints) as they come.
    process.stdout.write(chunk);
  }

  onStdErr(chunk: string | Buffer): void {
    process.stderr.write(chunk);
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    this.outcomes.set(test, test.outcome());
    this.n++;
    const project = test.parent.project()?.name;
    const location = this.locationOf(test);
    const kind = annotation(test, 'step-id') ? (kindOf(result) ?? kindFromStatus(result.status, false)) : undefined;
    const mark = kind ? MARK[kind] : result.status === 'passed' ? '✓' : result.status === 'skipped' ? '-' : '✘';
    const label = kind && kind !== 'passed' ? ` [${KIND_LABEL[kind].toLowerCase()}]` : '';
    const time = result.status === 'skipped' ? '' : ` (${(result.duration / 1000).toFixed(1)}s)`;
    this.write(`  ${mark} ${this.n}/${this.total} ${project ? `[${project}] › ` : ''}${location} › ${test.title}${label}${time}`);
    for (const retry of retriesOf(result)) this.write(`      ↻ retried: ${describeRetry(retry)}`);
    if (result.status !== 'passed' && result.status !== 'skipped' && result.errors[0]?.message && test.expectedStatus !== 'failed') {
      const message = result.errors[0].message.replace(/^(StepFailure|Error): /, '');
      this.write(
        message
          .split('\n')
          .map((l) => `      ${l}`)
          .join('\n'),
      );
    }
  }

  onError(error: TestError): void {
    // Preflight's message is the whole story (it names the fix); anything else as Playwright gives it.
    const message = error.message ?? error.value ?? String(error);
    const pre = readPreflight(reportsDirOf(), currentRunId());
    if (pre && pre.problems.length > 0) {
      if (this.preflightError === undefined) {
        this.preflightError = preflightMessage(pre.problems);
        this.write(this.preflightError);
      }
    } else {
      this.write(`Error: ${message}`);
      if (error.stack) this.write(error.stack.split('\n').slice(1, 6).join('\n'));
    }
  }

  /** The tests that failed and are not a tutorial step (the harness's and the emulator's own), as `[project] title`. */
  private ownTestsFailed(): string[] {
    return [...this.outcomes]
      .filter(([test, outcome]) => outcome === 'unexpected' && !annotation(test, 'step-id'))
      .map(([test]) => {
        const project = test.parent.project()?.name;
        return `${project ? `[${project}] ` : ''}${test.title}`;
      });
  }

  onEnd(result: FullResult): void {
    if (listingOnly()) return;
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const outcome of this.outcomes.values()) {
      if (outcome === 'expected' || outcome === 'flaky') passed++;
      else if (outcome === 'skipped') skipped++;
      else failed++;
    }
    const dir = reportsDirOf();
    const summary = readSummaryFile(dir, currentRunId());
    if (summary) {
      // A verdict other than passed is never reported as "0 failed": a finding of the run
      // (latency, leftovers, preflight, an interrupt) counts as a failure of its own.
      const runProblems = summary.problems.length;
      if (summary.verdict !== 'passed' && failed === 0) failed = Math.max(1, runProblems);
      this.write('');
      this.write(`Verdict: ${VERDICT_WORDS[summary.verdict]} (${summary.verdict}): ${summary.reason}`);
      if (summary.verdict !== 'passed' && headline(summary) !== summary.reason) this.write(`  ${headline(summary)}`);
      if (summary.hint && this.preflightError === undefined) this.write(`  Fix: ${summary.hint}`);
      if (summary.partial) this.write(`  Partial run: ${summary.partial}.`);
      const own = this.ownTestsFailed();
      if (own.length > 0)
        this.write(
          `  The verdict covers the tutorial only; ${own.length} of the project's own tests failed too: ${own.slice(0, 3).join('; ')}${own.length > 3 ? '; ...' : ''}`,
        );
      this.write(
        `Reports: ${join(dir, 'docs', 'index.html')} (docs page), ${join(dir, 'summary.json')}, ${join(dir, 'html', 'index.html')} (Playwright)`,
      );
    } else if (result.status !== 'passed' && failed === 0 && this.total > 0) {
      failed = 1;
    }
    this.write(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  }

  printsToStdio(): boolean {
    return true;
  }
}
