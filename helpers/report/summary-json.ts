/**
 * The outcome reporter: computes the run's outcome once, from the runner's typed findings
 * (attached to each step's result, and kept in this run's run records) and Playwright's
 * results, and writes it as `<reports>/summary.json` (schema in helpers/outcome/model.ts,
 * validated here). The matrix page and the docs page are rendered from that file; the console
 * reporter and the gate read it. Reports of earlier runs are removed when a run begins, so a
 * folder never mixes runs.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import { writeDocsReport } from './docs/write.ts';
import { writeMatrixReport } from './matrix.ts';
import { redact } from '../run/redact.ts';
import type { RunRecord } from '../outcome/records.ts';
import { currentRunId, readPreflight, readSummaryFile, reportsDirOf } from '../outcome/files.ts';

export { currentRunId, readPreflight, readSummaryFile, reportsDirOf };
import {
  SUMMARY_SCHEMA_VERSION,
  decideRun,
  decideScenario,
  kindFromStatus,
  latencyBudgetMs,
  scenarioProblems,
  stepFindingSchema,
  summarySchema,
  type PreflightRecord,
  type Problem,
  type ScenarioOutcome,
  type StepFinding,
  type StepOutcome,
  type Summary,
} from '../outcome/model.ts';

const annotation = (test: TestCase, type: string) => test.annotations.find((a) => a.type === type)?.description;

/** The finding the runner attached to a step's result, if any. */
function findingOf(result: TestResult): StepFinding | undefined {
  const a = result.attachments.find((x) => x.name === 'outcome' && x.body);
  if (!a?.body) return undefined;
  const parsed = stepFindingSchema.safeParse(JSON.parse(a.body.toString('utf8')));
  return parsed.success ? parsed.data : undefined;
}

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}

/** A step's typed outcome: the runner's finding where it made one, else what Playwright's status says. */
export function stepOutcomeOf(
  test: TestCase,
  result: TestResult | undefined,
  record: RunRecord | undefined,
  interrupted: boolean,
  reportsDir: string,
): StepOutcome {
  const id = annotation(test, 'step-id')!;
  const recorded = record?.steps[id];
  const finding = result ? findingOf(result) : undefined;
  let kind: StepOutcome['kind'];
  let extra: Partial<StepFinding> = {};
  // The runner's finding, unless the step did not run or Ctrl-C ended it; else Playwright's status says.
  if (finding && result?.status !== 'skipped' && result?.status !== 'interrupted') {
    kind = finding.kind;
    extra = finding;
  } else kind = kindFromStatus(result?.status, interrupted);
  if (kind === 'infrastructure-problem' && !finding && result) {
    // The runner gives every failure of its own a finding: one without came from outside its checks.
    extra = {
      observed:
        result.status === 'timedOut'
          ? "Playwright's test timeout fired before the harness's own time limit for the step"
          : `the step failed outside the harness's checks: ${redact(stripAnsi(result.errors[0]?.message ?? 'no message')).split('\n')[0]}`,
      hint: 'This is the harness failing, not the tutorial: see the Playwright report (trace) for this step.',
    };
  }
  const trace = result?.attachments.find((a) => a.name === 'trace' && a.path)?.path;
  const location = annotation(test, 'step-location');
  const documented = annotation(test, 'documented command');
  return {
    ...extra,
    kind,
    id,
    title: test.title,
    ...(location ? { location } : {}),
    ...(documented ? { documented } : {}),
    ...(recorded?.commandAsRun ? { commandAsRun: recorded.commandAsRun } : {}),
    ...(recorded?.output ? { output: recorded.output } : {}),
    ...(recorded?.checked ? { checked: recorded.checked } : {}),
    ...(recorded?.outputCheck ? { outputCheck: recorded.outputCheck } : {}),
    ...(recorded?.retries?.length ? { retries: recorded.retries } : {}),
    durationMs: result?.duration ?? 0,
    ...(trace ? { trace: relative(resolve(reportsDir), resolve(trace)) } : {}),
  };
}

/** Was this a partial run (a spec, a filter, some cells), and of what? */
function partialOf(argv: string[]): string | undefined {
  const args = argv.slice(argv.indexOf('test') + 1);
  const files = args.filter(
    (a, i) =>
      !a.startsWith('-') &&
      !(args[i - 1] ?? '').match(/^(--project|-g|--grep|--grep-invert|--reporter|-c|--config|-j|--workers|--retries|--timeout)$/),
  );
  const grep = args.find((a) => /^(-g|--grep|--grep-invert)(=|$)/.test(a));
  const parts = [files.length ? `only ${files.join(', ')}` : '', grep ? 'filtered by --grep' : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}

export default class SummaryJsonReporter implements Reporter {
  private suite: Suite | undefined;
  private readonly results = new Map<TestCase, TestResult>();
  private preflight: PreflightRecord | undefined;

  onBegin(_config: FullConfig, suite: Suite): void {
    this.suite = suite;
    const dir = reportsDirOf();
    this.preflight = readPreflight(dir, currentRunId());
    // An earlier run's reports must not pass for this run's (Playwright's and Allure's are
    // replaced by every run too): a run without tutorial steps leaves no summary at all.
    for (const stale of ['summary.json', 'gate.md', 'matrix.md', 'matrix', 'runs', join('docs', 'index.html')]) {
      rmSync(join(dir, stale), { recursive: true, force: true });
    }
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    if (annotation(test, 'step-id')) this.results.set(test, result);
  }

  onEnd(result: FullResult): void {
    const dir = reportsDirOf();
    const runId = currentRunId();
    const steps = (this.suite?.allTests() ?? []).filter((t) => annotation(t, 'step-id'));
    // The preflight stopped the run: it wrote this run's preflight.json before any step.
    this.preflight ??= readPreflight(dir, runId);
    if (steps.length === 0 && !this.preflight) return;
    const interrupted = result.status === 'interrupted';
    const problems: Problem[] = [];
    for (const p of this.preflight?.problems ?? []) problems.push({ verdict: 'no-verdict', text: p.text, hint: p.hint });
    if (interrupted)
      problems.push({ verdict: 'no-verdict', text: 'the run was interrupted before it finished', hint: 'Run it again for a verdict.' });
    if (result.status === 'timedout')
      problems.push({
        verdict: 'no-verdict',
        text: "the run hit Playwright's global timeout",
        hint: 'Raise the global timeout, or run fewer projects.',
      });
    const target = this.preflight?.target ?? (process.env.CONFORMANCE_TARGET || 'emulator');
    let budgetMs = 60_000;
    try {
      budgetMs = latencyBudgetMs(target);
    } catch (err) {
      problems.push({
        verdict: 'no-verdict',
        text: (err as Error).message,
        hint: 'Set CONFORMANCE_LATENCY_BUDGET_MS to a duration (60000, 60s, 15m), or unset it.',
      });
    }

    // One scenario run per project x scenario, steps in the order they were defined.
    const groups = new Map<string, TestCase[]>();
    for (const t of steps) {
      const key = `${t.parent.project()?.name ?? ''}--${annotation(t, 'scenario') ?? 'unknown'}`;
      groups.set(key, [...(groups.get(key) ?? []), t]);
    }
    const runs: ScenarioOutcome[] = [];
    for (const [key, tests] of groups) {
      const [project, scenario] = key.split('--') as [string, string];
      if (tests.every((t) => !this.results.has(t)) && !interrupted) continue;
      const recordFile = join(dir, 'runs', `${key}.json`);
      let record: RunRecord | undefined;
      try {
        const r = existsSync(recordFile) ? (JSON.parse(readFileSync(recordFile, 'utf8')) as RunRecord) : undefined;
        // Only this run's record: another run's would lend it a target, endpoint and leftovers.
        record = r?.runId === runId ? r : undefined;
      } catch {
        record = undefined;
      }
      const stepOutcomes = tests.map((t) => stepOutcomeOf(t, this.results.get(t), record, interrupted, dir));
      const cleanup = {
        removed: [...(record?.removedBySteps ?? []), ...(record?.cleanup.undone ?? [])],
        left: record?.leftovers ?? [],
        failed: record?.cleanup.failed ?? [],
      };
      const scenarioFindings = scenarioProblems(
        stepOutcomes,
        record ? { leftovers: record.leftovers, cleanup, latency: record.latency } : undefined,
        budgetMs,
      );
      const decided = decideScenario(stepOutcomes, scenarioFindings);
      runs.push({
        runId,
        project,
        scenario,
        scenarioTitle: record?.scenarioTitle ?? tests[0]!.parent.title,
        target: record?.target ?? target,
        targetDescription: record?.targetDescription ?? this.preflight?.targetDescription ?? target,
        ...(record?.endpoint ? { endpoint: record.endpoint } : {}),
        region: record?.region ?? this.preflight?.region ?? '(unknown)',
        ...(record?.domain ? { domain: record.domain } : {}),
        tools: record?.tools ?? this.preflight?.tools ?? { node: process.version },
        ...(record?.cell ? { cell: record.cell as unknown as ScenarioOutcome['cell'] } : {}),
        latency: record?.latency ?? {},
        leftovers: record?.leftovers ?? [],
        cleanup,
        steps: stepOutcomes,
        problems: scenarioFindings,
        ...decided,
      });
    }
    const decided = decideRun(runs, problems);
    const primary = runs.find((r) => r.project === 'conformance' && r.scenario === 'tutorial') ?? runs.find((r) => !r.cell) ?? runs[0];
    const faults = this.preflight?.faults ?? [];
    const partial = partialOf(process.argv);
    const summary: Summary = summarySchema.parse({
      schemaVersion: SUMMARY_SCHEMA_VERSION,
      runId,
      generatedAt: new Date().toISOString(),
      ...decided,
      target: primary?.target ?? target,
      targetDescription: primary?.targetDescription ?? this.preflight?.targetDescription ?? target,
      ...(primary?.endpoint ? { endpoint: primary.endpoint } : this.preflight?.endpoint ? { endpoint: this.preflight.endpoint } : {}),
      region: primary?.region ?? this.preflight?.region ?? '(unknown)',
      tools: { ...(this.preflight?.tools ?? {}), ...(primary?.tools ?? {}), node: primary?.tools.node ?? process.version },
      faults,
      ...(partial ? { partial } : {}),
      latencyBudgetMs: budgetMs,
      ...(primary ? { scenario: primary.scenario } : {}),
      steps: primary?.steps ?? [],
      latency: primary?.latency ?? {},
      leftovers: runs.flatMap((r) => r.leftovers),
      cleanup: primary?.cleanup ?? { removed: [], left: [], failed: [] },
      runs,
      problems: [...problems, ...runs.flatMap((r) => r.problems)],
    });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'summary.json'), `${redact(JSON.stringify(summary, null, 2))}\n`);
    // The matrix page, then the docs owners' page; a broken report must not fail the run.
    try {
      writeMatrixReport(dir, summary);
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
