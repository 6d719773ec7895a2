/**
 * The outcome model: what a run found, typed, computed once, rendered by every reader (console,
 * summary.json, docs page, gate and gate.md, matrix page, Allure, GitHub step summary).
 *
 * A step's outcome is written where it happens (the scenario runner), as fields; a reader never
 * parses a message back into a kind. The run's verdict comes from the outcomes by one rule
 * (`decideVerdict`), for one scenario, several, or a whole matrix.
 */
import type { StepEvidence } from '../evidence/compare.ts';
import { z } from 'zod';
import { DURATION_HINT, parseDuration } from '../run/durations.ts';

export const SUMMARY_SCHEMA_VERSION = 2;

export const STEP_KINDS = ['passed', 'conformance-failure', 'infrastructure-problem', 'known-issue', 'not-run', 'interrupted'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/**
 * The kind of a step the runner said nothing about (no finding, no kind of its own), from
 * Playwright's status: not run, ended by Ctrl-C, passed, or the harness failing outside its
 * checks (a timeout, an error of its own). One rule for summary.json, the console and Allure.
 */
export function kindFromStatus(
  status: 'passed' | 'failed' | 'timedOut' | 'skipped' | 'interrupted' | undefined,
  runInterrupted: boolean,
): StepKind {
  if (status === undefined || status === 'skipped') return 'not-run';
  if (status === 'interrupted') return 'interrupted';
  if (status === 'passed') return 'passed';
  return runInterrupted ? 'interrupted' : 'infrastructure-problem';
}

export const VERDICTS = ['passed', 'failed', 'no-verdict'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** What a reader calls each kind, everywhere. */
export const KIND_LABEL: Record<StepKind, string> = {
  passed: 'Passed',
  'conformance-failure': 'Failed',
  'infrastructure-problem': 'Harness problem',
  'known-issue': 'Known issue',
  'not-run': 'Not run',
  interrupted: 'Interrupted',
};

export const evidenceSchema = z.object({
  command: z.string().optional(),
  exitCode: z.number().int().optional(),
  /** Redacted lines of the command's output that say what went wrong. */
  excerpt: z.string().optional(),
});
export type Evidence = z.infer<typeof evidenceSchema>;

/**
 * A call that AWS answered with a transient error (ConflictException while it catches up with a
 * delete) and that was tried again: by the step itself (its aws CLI command) or by the harness's
 * own SDK calls during the step (state checks, tagging). A step that needed one says so.
 */
export const retrySchema = z.object({
  /** The step's command (`aws codeartifact delete-domain`) or the harness's SDK operation (`DeleteDomain`). */
  call: z.string(),
  by: z.enum(['step', 'harness']),
  /** The error's code, as AWS sent it (x-amzn-ErrorType), e.g. ConflictException. */
  error: z.string(),
  /** Attempts in all, the first included. */
  attempts: z.number().int().min(2),
  /** Time spent waiting between the attempts. */
  waitedMs: z.number(),
  /** Whether the last attempt worked. */
  succeeded: z.boolean(),
});
export type Retry = z.infer<typeof retrySchema>;

/** A retry in plain words, as every reader shows it. */
export function describeRetry(r: Retry): string {
  const who = r.by === 'step' ? r.call : `the harness's ${r.call} call`;
  const tries = `${r.attempts} attempts, ${formatMs(r.waitedMs)} of waiting between them`;
  return r.succeeded
    ? `${who} met ${r.error} and worked when tried again (${tries})`
    : `${who} met ${r.error} and still failed when tried again (${tries})`;
}

/** The typed part of a step's outcome, as the runner records it. */
export const stepFindingSchema = z.object({
  kind: z.enum(STEP_KINDS),
  /** "Step 7", "Before you begin", "Clean up". */
  where: z.string().optional(),
  expected: z.string().optional(),
  observed: z.string().optional(),
  evidence: evidenceSchema.optional(),
  hint: z.string().optional(),
  /** For known-issue (and a known issue that no longer reproduces): the issue. */
  knownIssue: z.object({ url: z.string(), title: z.string() }).optional(),
  /** A known issue that was expected here did not reproduce: the cell needs its mark removed. */
  knownIssueFixed: z.boolean().optional(),
});
export type StepFinding = z.infer<typeof stepFindingSchema>;

export const stepOutcomeSchema = stepFindingSchema.extend({
  id: z.string(),
  /** "7. Use the npm CLI ..." */
  title: z.string(),
  /** Where the step is defined in scenarios/, "scenarios/tutorial.ts:321". */
  location: z.string().optional(),
  documented: z.string().optional(),
  commandAsRun: z.string().optional(),
  output: z.string().optional(),
  checked: z.string().optional(),
  /** What the command printed against AWS's documentation or a recorded snapshot (helpers/evidence). */
  outputCheck: z
    .custom<StepEvidence>((v) => typeof v === 'object' && v !== null && Array.isArray((v as StepEvidence).differences))
    .optional(),
  durationMs: z.number(),
  /** Calls that were tried again during the step, and why (eventual consistency on AWS). */
  retries: z.array(retrySchema).optional(),
  /** The Playwright trace kept for this step (retain-on-failure), relative to the reports folder. */
  trace: z.string().optional(),
});
export type StepOutcome = z.infer<typeof stepOutcomeSchema>;

export const cleanupSchema = z.object({
  removed: z.array(z.string()),
  left: z.array(z.string()),
  failed: z.array(
    z.object({
      resource: z.string(),
      error: z.string(),
      /** AWS refused the harness's call (IAM): the harness's problem, with the action it lacks and the fix. */
      accessDenied: z.object({ actions: z.array(z.string()), fix: z.string() }).optional(),
    }),
  ),
});
export type CleanupOutcome = z.infer<typeof cleanupSchema>;

export const toolsSchema = z.object({
  aws: z.string().optional(),
  npm: z.string().optional(),
  node: z.string(),
  packageManager: z.string().optional(),
});

const cellSchema = z
  .object({
    id: z.string(),
    knownIssue: z.object({ stepId: z.string(), url: z.string(), title: z.string() }).optional(),
  })
  .loose();

export const latencySchema = z.object({ installMs: z.number().optional(), visibleAfterMs: z.number().optional() });

/** A finding of a whole scenario run (not one step): latency, leftovers, a missing record. */
export const problemSchema = z.object({ verdict: z.enum(['failed', 'no-verdict']), text: z.string(), hint: z.string().optional() });
export type Problem = z.infer<typeof problemSchema>;

export const scenarioOutcomeSchema = z.object({
  runId: z.string(),
  project: z.string(),
  scenario: z.string(),
  scenarioTitle: z.string(),
  target: z.string(),
  targetDescription: z.string(),
  endpoint: z.string().optional(),
  region: z.string(),
  domain: z.string().optional(),
  tools: toolsSchema,
  cell: cellSchema.optional(),
  latency: latencySchema,
  leftovers: z.array(z.string()),
  cleanup: cleanupSchema,
  steps: z.array(stepOutcomeSchema),
  problems: z.array(problemSchema),
  verdict: z.enum(VERDICTS),
  reason: z.string(),
});
export type ScenarioOutcome = z.infer<typeof scenarioOutcomeSchema>;

export const summarySchema = z.object({
  schemaVersion: z.literal(SUMMARY_SCHEMA_VERSION),
  runId: z.string(),
  generatedAt: z.string(),
  verdict: z.enum(VERDICTS),
  /** The verdict in plain words. */
  reason: z.string(),
  /** What to do, when the verdict is no-verdict. */
  hint: z.string().optional(),
  target: z.string(),
  targetDescription: z.string(),
  endpoint: z.string().optional(),
  region: z.string(),
  tools: toolsSchema,
  /** Emulator faults the run was told to inject: the verdict is about them, not about AWS. */
  faults: z.array(z.string()),
  /** Set when the run covered only part of the suite (a spec, a filter, one cell). */
  partial: z.string().optional(),
  latencyBudgetMs: z.number(),
  /** The primary scenario run's steps, latency and leftovers (the tutorial's, when it ran). */
  scenario: z.string().optional(),
  steps: z.array(stepOutcomeSchema),
  latency: latencySchema,
  leftovers: z.array(z.string()),
  cleanup: cleanupSchema,
  runs: z.array(scenarioOutcomeSchema),
  /** A problem found before any step ran (preflight) or outside the steps (an interrupt). */
  problems: z.array(problemSchema),
});
export type Summary = z.infer<typeof summarySchema>;

/** What preflight leaves for the reporter when it stopped the run: `<reports>/preflight.json`. */
export const preflightRecordSchema = z.object({
  runId: z.string(),
  target: z.string(),
  targetDescription: z.string(),
  endpoint: z.string().optional(),
  region: z.string(),
  tools: toolsSchema,
  problems: z.array(z.object({ text: z.string(), hint: z.string() })),
  /** The faults injected into the emulator target (CONFORMANCE_EMULATOR_ARGS): every report names them. */
  faults: z.array(z.string()).optional(),
  /** How long preflight took: a broken setup must end in seconds. */
  durationMs: z.number().optional(),
});
export type PreflightRecord = z.infer<typeof preflightRecordSchema>;

// ---------------------------------------------------------------------------------------------
// One rule for the verdict
// ---------------------------------------------------------------------------------------------

const rank: Record<Verdict, number> = { passed: 0, failed: 1, 'no-verdict': 2 };

/** The worse of verdicts: no-verdict over failed over passed. With none: no-verdict. */
export function worst(verdicts: Verdict[]): Verdict {
  if (verdicts.length === 0) return 'no-verdict';
  return verdicts.reduce((a, b) => (rank[b] > rank[a] ? b : a), 'passed' as Verdict);
}

export function stepVerdict(kind: StepKind): Verdict | undefined {
  switch (kind) {
    case 'conformance-failure':
      return 'failed';
    case 'infrastructure-problem':
    case 'interrupted':
      return 'no-verdict';
    default:
      return undefined;
  }
}

/** "Step 7", "Before you begin", "Clean up", from the step's title "7. ...". */
export function whereOf(step: Pick<StepOutcome, 'title' | 'where'>): string {
  if (step.where) return step.where;
  const at = step.title.indexOf('. ');
  const number = at > 0 ? step.title.slice(0, at) : '';
  if (!number) return step.title;
  return /^\d/.test(number) ? `Step ${number}` : number;
}

export function titleOf(step: Pick<StepOutcome, 'title'>): string {
  const at = step.title.indexOf('. ');
  return at > 0 ? step.title.slice(at + 2) : step.title;
}

/** A scenario run's verdict and its reason, from its steps and problems. */
export function decideScenario(steps: StepOutcome[], problems: Problem[]): { verdict: Verdict; reason: string } {
  const infra = steps.find((s) => s.kind === 'infrastructure-problem');
  if (infra)
    return { verdict: 'no-verdict', reason: `the harness could not judge ${whereOf(infra)}: ${infra.observed ?? 'see its output'}` };
  const interrupted = steps.find((s) => s.kind === 'interrupted');
  if (interrupted) return { verdict: 'no-verdict', reason: `the run was interrupted during ${whereOf(interrupted)}` };
  const noVerdict = problems.find((p) => p.verdict === 'no-verdict');
  if (noVerdict) return { verdict: 'no-verdict', reason: noVerdict.text };
  if (steps.length === 0) return { verdict: 'no-verdict', reason: 'no step of this run reported a result' };
  const failed = steps.find((s) => s.kind === 'conformance-failure');
  if (failed) {
    return {
      verdict: 'failed',
      reason: failed.knownIssueFixed
        ? `${whereOf(failed)}, "${titleOf(failed)}", worked: the known issue no longer reproduces`
        : `${whereOf(failed)}, "${titleOf(failed)}", did not work: ${failed.observed ?? 'see its output'}`,
    };
  }
  const problem = problems.find((p) => p.verdict === 'failed');
  if (problem) return { verdict: 'failed', reason: problem.text };
  const known = steps.filter((s) => s.kind === 'known-issue');
  if (known.length)
    return { verdict: 'passed', reason: `every required step passed; known issue reproduced at ${known.map(whereOf).join(', ')}` };
  return { verdict: 'passed', reason: 'every step passed, nothing was left behind and the latency is within budget' };
}

/** The run's verdict from all its scenario runs (and cells), by the same rule. */
export function decideRun(runs: ScenarioOutcome[], problems: Problem[]): { verdict: Verdict; reason: string; hint?: string } {
  const noVerdict = problems.find((p) => p.verdict === 'no-verdict');
  if (noVerdict) return { verdict: 'no-verdict', reason: noVerdict.text, ...(noVerdict.hint ? { hint: noVerdict.hint } : {}) };
  if (runs.length === 0)
    return { verdict: 'no-verdict', reason: 'no tutorial step ran', hint: 'Run a conformance or matrix project (npm run conformance).' };
  const verdict = worst(runs.map((r) => r.verdict));
  const deciding = runs.find((r) => r.verdict === verdict)!;
  const failedCount = runs.filter((r) => r.verdict === verdict).length;
  const who =
    runs.length > 1
      ? `${deciding.cell ? `matrix cell ${deciding.cell.id}` : `${deciding.scenario} (${deciding.project})`}${failedCount > 1 ? ` and ${failedCount - 1} more` : ''}: `
      : '';
  const hint =
    verdict === 'no-verdict'
      ? (deciding.steps.find((s) => s.kind === 'infrastructure-problem')?.hint ??
        deciding.problems.find((p) => p.verdict === 'no-verdict')?.hint)
      : undefined;
  return {
    verdict,
    reason: verdict === 'passed' && runs.length > 1 ? `all ${runs.length} runs passed` : `${who}${deciding.reason}`,
    ...(hint ? { hint } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Latency budget
// ---------------------------------------------------------------------------------------------

/** How long the external connection may take: AWS needs minutes, local targets seconds. */
export const DEFAULT_LATENCY_BUDGET_MS: Record<string, number> = { emulator: 60_000, endpoint: 60_000, aws: 15 * 60_000 };

export class BudgetError extends Error {
  override name = 'ConfigError';
}

/** CONFORMANCE_LATENCY_BUDGET_MS, or the target's default. */
export function latencyBudgetMs(target: string, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CONFORMANCE_LATENCY_BUDGET_MS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_LATENCY_BUDGET_MS[target] ?? 60_000;
  const ms = parseDuration(raw);
  if (ms === undefined) {
    throw new BudgetError(
      `The harness configuration is not valid:\n- CONFORMANCE_LATENCY_BUDGET_MS=${JSON.stringify(raw)}: must be ${DURATION_HINT}. ` +
        'Set it to e.g. 60000 or 60s, or unset it for the default (60 s off AWS, 15 min on AWS).',
    );
  }
  return ms;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
}

/** A value over the budget, precise enough to differ from it. */
export function formatOver(ms: number, budgetMs: number): string {
  return formatMs(ms) === formatMs(budgetMs) ? `${ms} ms` : formatMs(ms);
}

const LATENCIES = [
  { key: 'installMs', label: 'npm install', measuredBy: 'npm-install' },
  { key: 'visibleAfterMs', label: 'the time until lodash was listed after the install', measuredBy: 'list-packages' },
] as const;

/** Findings of a scenario run beyond its steps: leftovers, clean-up failures, latency. */
export function scenarioProblems(
  steps: StepOutcome[],
  record: { leftovers: string[]; cleanup: CleanupOutcome; latency: z.infer<typeof latencySchema> } | undefined,
  budgetMs: number,
): Problem[] {
  const problems: Problem[] = [];
  if (!record) {
    // Steps ran, but this run left no record of its own: leftovers and latency are unknown.
    if (steps.some((s) => s.kind === 'passed' || s.kind === 'conformance-failure')) {
      problems.push({
        verdict: 'no-verdict',
        text: 'the run wrote no run record, so what it left behind and its latency are unknown',
        hint: 'See the run output for a crashed worker.',
      });
    }
    return problems;
  }
  if (record.leftovers.length) problems.push({ verdict: 'failed', text: `left behind: ${record.leftovers.join(', ')}` });
  for (const f of record.cleanup.failed) {
    const text = `clean-up could not remove ${f.resource}: ${f.error.split('\n')[0]}`;
    // A refusal by IAM says nothing about the tutorial: the role needs fixing, no verdict.
    problems.push(f.accessDenied ? { verdict: 'no-verdict', text, hint: f.accessDenied.fix } : { verdict: 'failed', text });
  }
  for (const l of LATENCIES) {
    const value = record.latency[l.key];
    if (typeof value === 'number' && value > budgetMs) {
      problems.push({
        verdict: 'failed',
        text: `latency: ${l.label} took ${formatOver(value, budgetMs)}, over the ${formatMs(budgetMs)} budget`,
      });
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Faults and Allure categories
// ---------------------------------------------------------------------------------------------

/** The faults named in the emulator's options, CONFORMANCE_EMULATOR_ARGS (`--fault NAME[=ARG]`, `--fault=NAME`). */
export function injectedFaults(words: readonly string[]): string[] {
  const faults: string[] = [];
  words.forEach((w, i) => {
    if (w === '--fault' && words[i + 1]) faults.push(words[i + 1]!);
    else if (w.startsWith('--fault=')) faults.push(w.slice('--fault='.length));
  });
  return faults;
}

/** The Allure label that carries a step's kind: categories match it, never the message. */
export const KIND_LABEL_NAME = 'outcome-kind';

/** Allure 3 categories by the step's kind (label), in the order Allure tries them. */
export const ALLURE_CATEGORIES: { name: string; kind: StepKind }[] = [
  { name: 'Infrastructure problem (no verdict)', kind: 'infrastructure-problem' },
  { name: 'Interrupted (no verdict)', kind: 'interrupted' },
  { name: 'Conformance failure', kind: 'conformance-failure' },
  { name: 'Known issue reproduced', kind: 'known-issue' },
];

export function allureCategoryRules(): { name: string; matchers: { labels: Record<string, string> } }[] {
  return ALLURE_CATEGORIES.map((c) => ({ name: c.name, matchers: { labels: { [KIND_LABEL_NAME]: c.kind } } }));
}

/** The category a result with these labels falls in, as Allure decides (first match). */
export function allureCategoryOf(labels: { name: string; value?: string }[]): string | undefined {
  const kind = labels.find((l) => l.name === KIND_LABEL_NAME)?.value;
  return ALLURE_CATEGORIES.find((c) => c.kind === kind)?.name;
}

// ---------------------------------------------------------------------------------------------
// Words shared by the readers
// ---------------------------------------------------------------------------------------------

export const VERDICT_WORDS: Record<Verdict, string> = {
  passed: 'PASSED',
  failed: 'FAILED',
  'no-verdict': 'NO VERDICT',
};

/** The tutorial this project checks. */
export const TUTORIAL_URL = 'https://docs.aws.amazon.com/codeartifact/latest/ug/getting-started-cli.html';

/** The headline every reader shows for a run. */
export function headline(summary: Pick<Summary, 'verdict' | 'runs' | 'faults'>): string {
  const faults = summary.faults.length ? ` (with injected emulator faults: ${summary.faults.join(', ')})` : '';
  if (summary.verdict === 'passed') return `The tutorial works as written today${faults}`;
  if (summary.verdict === 'no-verdict') return 'No verdict: the harness could not judge the tutorial';
  const run = summary.runs.find((r) => r.verdict === 'failed');
  const step = run?.steps.find((s) => s.kind === 'conformance-failure');
  if (step && !step.knownIssueFixed)
    return `A reader following the tutorial today would hit a problem at ${whereOf(step).toLowerCase()}${faults}`;
  if (step?.knownIssueFixed) return `A known issue no longer reproduces at ${whereOf(step).toLowerCase()}: the matrix needs updating`;
  return `The tutorial's steps work, but the run did not meet its requirements${faults}`;
}

export function verdictExitCode(verdict: Verdict): 0 | 1 | 2 {
  return verdict === 'passed' ? 0 : verdict === 'failed' ? 1 : 2;
}
