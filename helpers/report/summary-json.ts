/**
 * Writes reports/summary.json: per scenario run, the target, region, run id, tool versions,
 * each tutorial step's status (passed, failed, skipped = not run, expected-failure), duration
 * and plain-language error, external-connection latency, and anything left behind.
 * The top level is the first tutorial run; `runs` holds every scenario x project run.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import { writeDocsReport } from './docs.ts';
import { writeMatrixReport } from './matrix.ts';
import { redact } from '../run/redact.ts';
import type { RunRecord, RunSummary, StepStatus, StepSummary } from '../outcome/records.ts';

const annotation = (test: TestCase, type: string) => test.annotations.find((a) => a.type === type)?.description;

function statusOf(test: TestCase, result: TestResult): StepStatus {
  if (result.status === 'skipped') return 'skipped';
  if (test.expectedStatus === 'failed' && result.status === 'failed') return 'expected-failure';
  return result.status === 'passed' ? 'passed' : 'failed';
}

export default class SummaryJsonReporter implements Reporter {
  private readonly steps = new Map<string, { test: TestCase; result: TestResult }[]>();

  onTestEnd(test: TestCase, result: TestResult): void {
    const id = annotation(test, 'step-id');
    if (!id) return;
    const project = test.parent.project()?.name ?? '';
    const key = `${project}--${annotation(test, 'scenario') ?? 'unknown'}`;
    const list = this.steps.get(key) ?? [];
    // Retries replace the earlier attempt of the same step.
    const i = list.findIndex((s) => s.test === test);
    if (i >= 0) list[i] = { test, result };
    else list.push({ test, result });
    this.steps.set(key, list);
  }

  onEnd(_result: FullResult): void {
    if (this.steps.size === 0) return;
    const dir = process.env.CONFORMANCE_REPORTS_DIR ?? 'reports';
    const runs: RunSummary[] = [];
    for (const [key, list] of this.steps) {
      const recordFile = join(dir, 'runs', `${key}.json`);
      const record: Partial<RunRecord> = existsSync(recordFile) ? (JSON.parse(readFileSync(recordFile, 'utf8')) as RunRecord) : {};
      const steps: StepSummary[] = list.map(({ test, result }) => {
        const id = annotation(test, 'step-id')!;
        const status = statusOf(test, result);
        const error = result.errors[0]?.message;
        return {
          id,
          title: test.title,
          ...(annotation(test, 'documented command') ? { documented: annotation(test, 'documented command') } : {}),
          ...(record.steps?.[id]?.commandAsRun ? { commandAsRun: record.steps[id]!.commandAsRun } : {}),
          ...(record.steps?.[id]?.output ? { output: record.steps[id]!.output } : {}),
          ...(record.steps?.[id]?.checked ? { checked: record.steps[id]!.checked } : {}),
          ...(record.steps?.[id]?.evidence ? { evidence: record.steps[id]!.evidence } : {}),
          status,
          durationMs: result.duration,
          // A known issue's failure is kept too: it says what reproduced.
          ...((status === 'failed' || status === 'expected-failure') && error
            ? { error: redact(stripAnsi(error)).replace(/^StepFailure: /, '') }
            : {}),
        };
      });
      const failed = steps.some((s) => s.status === 'failed') || (record.leftovers?.length ?? 0) > 0;
      const { steps: _recorded, ...rest } = record;
      runs.push({
        project: key.split('--')[0]!,
        scenario: key.split('--')[1]!,
        ...rest,
        steps,
        verdict: failed ? 'failed' : 'passed',
      } as RunSummary);
    }
    const primary = runs.find((r) => r.scenario === 'tutorial') ?? runs.find((r) => !r.project.startsWith('matrix:')) ?? runs[0]!;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'summary.json'), `${JSON.stringify({ ...primary, runs }, null, 2)}\n`);
    // The matrix page, then the docs owners' page; a broken report must not fail the run.
    try {
      writeMatrixReport(dir, runs);
    } catch (err) {
      process.stderr.write(`warning: the matrix report was not written: ${(err as Error).message}\n`);
    }
    try {
      writeDocsReport(dir);
    } catch (err) {
      process.stderr.write(`warning: the docs report (${join(dir, 'docs', 'index.html')}) was not written: ${(err as Error).message}\n`);
    }
  }

  printsToStdio(): boolean {
    return false;
  }
}

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}
