/**
 * What the docs page says, before any HTML: the runs in the tutorial's order and in its words,
 * each step's status and explanation, the verdict with its details, the latency figures and the
 * history entry. Everything comes from the recorded outcome (summary.json), never from a
 * message's text.
 */
import type { DriftReport as FullDriftReport } from '../../drift/drift.ts';
import {
  KIND_LABEL,
  headline as verdictHeadline,
  titleOf,
  whereOf,
  type ScenarioOutcome,
  type StepKind,
  type StepOutcome,
  type Summary,
  type Verdict,
} from '../../outcome/model.ts';
import { targetName } from '../../target/names.ts';
import { capitalize, count, sentence } from './text.ts';

/** What summary.json holds (helpers/outcome/model.ts). */
export type SummaryFile = Summary;
export type RunSummary = ScenarioOutcome;
export type StepSummary = StepOutcome;

/** One earlier run, as the history keeps it. */
export interface HistoryEntry {
  /** When the run ended, ISO 8601. */
  date: string;
  runId: string;
  /** emulator, endpoint or aws. */
  target: string;
  verdict: Verdict;
  installMs?: number;
  visibleAfterMs?: number;
  /** Ids of the steps that failed, in any scenario. */
  failedSteps: string[];
}

/** What drift.json holds (written by `npm run drift`); `scenario` may be absent in older files. */
export type DriftReport = Omit<FullDriftReport, 'scenario'> & { scenario?: string };

export interface DocsReportLinks {
  playwright?: string;
  /** Traces of failed steps (retain-on-failure), by scenario run and step. */
  traces?: Record<string, string>;
  allure?: string;
  matrix?: string;
}

export interface DocsReportInput {
  summary: SummaryFile;
  history: HistoryEntry[];
  drift?: DriftReport;
  links: DocsReportLinks;
}

export const HISTORY_LIMIT = 100;

export const STATUS: Record<StepKind, { label: string; cls: string }> = {
  passed: { label: KIND_LABEL.passed, cls: 'passed' },
  'conformance-failure': { label: KIND_LABEL['conformance-failure'], cls: 'failed' },
  'infrastructure-problem': { label: KIND_LABEL['infrastructure-problem'], cls: 'infra' },
  'known-issue': { label: KIND_LABEL['known-issue'], cls: 'known' },
  'not-run': { label: KIND_LABEL['not-run'], cls: 'skipped' },
  interrupted: { label: KIND_LABEL.interrupted, cls: 'infra' },
};

/** "7. Use the npm CLI ..." -> { number: '7', title: 'Use the npm CLI ...' }. */
export function splitTitle(title: string): { number: string; title: string } {
  const at = title.indexOf('. ');
  if (at <= 0) return { number: '', title };
  return { number: title.slice(0, at), title: title.slice(at + 2) };
}

/** "Step 7", "Before you begin", "Clean up". */
export function stepLabel(number: string): string {
  if (!number) return '';
  return /^\d/.test(number) ? `Step ${number}` : number;
}

/** Where in the tutorial a reader meets a step, for the verdict sentence. */
export function where(step: StepSummary): string {
  const { number, title } = splitTitle(step.title);
  if (/^\d/.test(number)) return `step ${number}`;
  if (number === 'Before you begin') return `the "Before you begin" part ("${title}")`;
  if (number === 'Clean up') return `the clean-up ("${title}")`;
  return `"${title}"`;
}

/**
 * What went wrong at a step, in words, from its recorded fields (never parsed from a message).
 * A harness problem says what to fix on the harness's side, never that a reader would fail.
 */
export function explainFailure(step: Pick<StepSummary, 'kind' | 'observed' | 'hint' | 'knownIssue' | 'knownIssueFixed'>): string {
  switch (step.kind) {
    case 'infrastructure-problem':
      return sentence(
        `The harness could not run this step, so it says nothing about the tutorial: ${step.observed ?? 'see the Playwright report'}`,
      );
    case 'interrupted':
      return 'The run was stopped while this step ran; it says nothing about the tutorial.';
    case 'known-issue':
      return sentence(`A known issue reproduced${step.knownIssue ? `: ${step.knownIssue.title}` : ''}`);
    default:
      if (step.knownIssueFixed)
        return sentence(`The known issue no longer reproduces${step.knownIssue ? ` (${step.knownIssue.title})` : ''}: this step worked`);
      return step.observed ? sentence(step.observed) : 'The step failed without saying why.';
  }
}

const SCENARIO_ORDER = ['tutorial', 'manual-configuration'];

const isMatrixRun = (r: RunSummary) => r.project?.startsWith('matrix:') ?? false;

export function orderedRuns(summary: SummaryFile): RunSummary[] {
  // Matrix cells have their own section (and page): the scenarios here are the tutorial's.
  const all = summary.runs;
  const runs = all.some((r) => !isMatrixRun(r)) ? all.filter((r) => !isMatrixRun(r)) : all;
  const rank = (r: RunSummary) => {
    const i = SCENARIO_ORDER.indexOf(r.scenario);
    return i < 0 ? SCENARIO_ORDER.length : i;
  };
  return runs
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i)
    .map(({ r }) => r);
}

export function scenarioName(run: RunSummary): string {
  if (run.scenario === 'tutorial') return 'The tutorial, as written';
  if (run.scenario === 'manual-configuration') return 'The tutorial, configuring npm by hand instead of with login';
  return run.scenarioTitle ?? run.scenario;
}

/** The scenario as the subject of a sentence about a reader. */
function scenarioDoing(run: RunSummary): string {
  if (run.scenario === 'tutorial') return 'following the tutorial';
  if (run.scenario === 'manual-configuration') return 'configuring npm by hand instead of with login';
  return `following "${run.scenarioTitle ?? run.scenario}"`;
}

export function scenarioDescription(run: RunSummary): string {
  if (run.scenario === 'tutorial')
    return 'Every step as the tutorial documents it, with npm configured by aws codeartifact login (step 6).';
  if (run.scenario === 'manual-configuration') {
    return "The same steps, but with npm configured by hand (steps 6a-6d: get-authorization-token, get-repository-endpoint, npm config set): the tutorial's alternative for when login cannot be used.";
  }
  return run.scenarioTitle ?? '';
}

/** When one scenario ran with more than one tool cell, what tells them apart. */
export function cellName(run: RunSummary, all: RunSummary[]): string {
  if (all.filter((r) => r.scenario === run.scenario).length < 2) return '';
  return run.tools?.aws ? `with aws CLI ${run.tools.aws}` : `(${run.project})`;
}

/** The id of a scenario run's section, which the overview links to. */
export function scenarioAnchor(run: RunSummary, all: RunSummary[]): string {
  return `scenario-${run.scenario}${cellName(run, all) ? `-${run.project}` : ''}`;
}

export function firstFailed(run: RunSummary): StepSummary | undefined {
  return run.steps.find((s) => s.kind === 'conformance-failure' || s.kind === 'infrastructure-problem' || s.kind === 'interrupted');
}

export interface VerdictView {
  verdict: Verdict;
  label: string;
  headline: string;
  details: string[];
}

const VERDICT_LABEL: Record<Verdict, string> = {
  passed: 'Result: works',
  failed: 'Result: problem found',
  'no-verdict': 'Result: no verdict (a problem on the harness side)',
};

/** The page's verdict: the run's own (summary.json), with the details of each scenario run. */
export function verdictOf(summary: SummaryFile): VerdictView {
  const runs = orderedRuns(summary);
  const details: string[] = [];
  if (summary.verdict === 'no-verdict') {
    // When nothing was followed, the section below the verdict says why, with every problem.
    if (!nothingFollowed(summary)) {
      details.push(sentence(`Why: ${summary.reason}`));
      if (summary.hint) details.push(sentence(`What to fix on the harness's side: ${summary.hint}`));
    }
    details.push('The tutorial was not judged: nothing on this page says whether it works.');
  } else {
    for (const run of runs) {
      const step = firstFailed(run);
      const cell = cellName(run, runs);
      if (step)
        details.push(
          `${capitalize(scenarioDoing(run))}${cell ? ` (${cell})` : ''}, ${whereOf(step)}, "${titleOf(step)}": ${explainFailure(step)}`,
        );
      else if (run.verdict === 'failed')
        details.push(`${capitalize(scenarioDoing(run))}${cell ? ` (${cell})` : ''}: ${sentence(run.reason)}`);
    }
    const known = runs.flatMap((r) => r.steps).filter((s) => s.kind === 'known-issue').length;
    if (known) details.push(`${count(known, 'step')} failed in a way that is already known (marked "Known issue" below).`);
  }
  const leftovers = summary.leftovers;
  if (leftovers.length) details.push(`The run left resources behind that must be removed by hand: ${[...new Set(leftovers)].join(', ')}.`);
  return { verdict: summary.verdict, label: VERDICT_LABEL[summary.verdict], headline: verdictHeadline(summary), details };
}

export interface Latency {
  installMs?: number;
  visibleAfterMs?: number;
  /** Why a figure is missing, in words. */
  installNote: string;
  visibleNote: string;
}

/**
 * The run's two latency figures, counted only when their step passed: the time a failed
 * `npm install` took is not a time to install.
 */
export function latencyOf(summary: SummaryFile): Latency {
  const steps = summary.steps ?? [];
  const note = (id: string, label: string) => {
    const kind = steps.find((s) => s.id === id)?.kind;
    if (kind === 'conformance-failure' || kind === 'known-issue') return `${label} failed`;
    if (kind === 'infrastructure-problem' || kind === 'interrupted') return `${label} could not be judged`;
    if (kind === 'not-run') return `${label} was not run`;
    return nothingFollowed(summary) ? 'no step of the tutorial ran' : 'not recorded';
  };
  const passed = (id: string) => steps.find((s) => s.id === id)?.kind === 'passed';
  const { installMs, visibleAfterMs } = summary.latency ?? {};
  return {
    ...(installMs !== undefined && passed('npm-install') ? { installMs } : {}),
    ...(visibleAfterMs !== undefined && passed('list-packages') ? { visibleAfterMs } : {}),
    installNote: note('npm-install', 'step 7'),
    visibleNote: note('list-packages', 'step 8'),
  };
}

/** No step of the tutorial ran: the run stopped before the first one (preflight refused it, or it was stopped). */
export function nothingFollowed(summary: SummaryFile): boolean {
  return summary.runs.every((run) => run.steps.every((step) => step.kind === 'not-run'));
}

/** Why nothing was followed: what stopped the run (preflight's findings, an interrupt), each with its fix. */
export function whyNothingFollowed(summary: SummaryFile): { text: string; hint?: string }[] {
  const stoppers = summary.problems.filter((p) => p.verdict === 'no-verdict');
  if (stoppers.length) return stoppers.map((p) => ({ text: p.text, ...(p.hint ? { hint: p.hint } : {}) }));
  return [{ text: summary.reason, ...(summary.hint ? { hint: summary.hint } : {}) }];
}

/**
 * What the run was tested against, in words: its own description of the target, or, when the
 * run stopped before it could open the target (the description is then only the target's
 * kind), the harness's name for that kind.
 */
export function testedAgainst(summary: SummaryFile): string {
  const described = summary.targetDescription;
  if (described && described !== summary.target) return described;
  return targetName(summary.target || 'unknown', summary.endpoint ? { endpoint: summary.endpoint } : {});
}

export function runOutcome(run: RunSummary): { cls: string; text: string } {
  const n = (kind: StepKind) => run.steps.filter((s) => s.kind === kind).length;
  const failed = firstFailed(run);
  const notRun = n('not-run');
  if (failed) {
    const later = notRun ? `; ${count(notRun, 'later step')} not run` : '';
    if (failed.kind !== 'conformance-failure')
      return { cls: 'infra', text: `No verdict: the harness could not judge ${where(failed)}${later}` };
    return { cls: 'failed', text: `Failed at ${where(failed)}${later}` };
  }
  const known = n('known-issue');
  const passed = n('passed');
  if (run.verdict === 'no-verdict') return { cls: 'infra', text: `No verdict: ${run.reason}` };
  if (run.verdict === 'failed') return { cls: 'failed', text: `All steps passed, but ${run.reason}` };
  if (known) return { cls: 'known', text: `${count(passed, 'step')} passed, ${count(known, 'known issue')}` };
  return { cls: 'passed', text: `All ${count(passed, 'step')} passed` };
}

/** This run's own history entry: the last one with its run id. */
export function currentEntry(summary: SummaryFile, history: HistoryEntry[]): HistoryEntry | undefined {
  return history.filter((h) => h.runId === summary.runId).pop();
}

export function historyEntryFor(summary: SummaryFile, date: string): HistoryEntry {
  const runs = orderedRuns(summary);
  const failedSteps = [...new Set(runs.flatMap((r) => r.steps.filter((s) => s.kind === 'conformance-failure').map((s) => s.id)))];
  const { installMs, visibleAfterMs } = latencyOf(summary);
  return {
    date,
    runId: summary.runId,
    target: summary.target,
    verdict: summary.verdict,
    ...(installMs !== undefined ? { installMs } : {}),
    ...(visibleAfterMs !== undefined ? { visibleAfterMs } : {}),
    failedSteps,
  };
}
