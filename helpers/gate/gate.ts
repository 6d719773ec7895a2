/**
 * The release gate's logic (`npm run gate`, scripts/gate.ts): preflight, the verdict read
 * from reports/summary.json, and the Markdown summary. Kept apart from the script so that
 * the rules can be unit tested with small fabricated summaries.
 *
 * Exit codes:
 *   0  pass: every required step of every run passed (an expected-failure step is a known
 *      issue, not required), nothing was left behind (no leftovers, no clean-up failures),
 *      and the external-connection latency (install and visible-after) is within budget;
 *   1  conformance failure: the tutorial does not work as documented on the target, left
 *      something behind, or is too slow;
 *   2  infrastructure: no verdict on the tutorial could be reached (bad configuration, a
 *      missing CLI, the target unreachable, the emulator did not start, no summary.json).
 */
import { execa } from 'execa';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, type HarnessConfig, type TargetKind } from '../run/config.ts';
import { InfrastructureError } from '../run/errors.ts';
import { redact } from '../run/redact.ts';
import type { RunSummary, StepSummary } from '../outcome/records.ts';
import { openTarget } from '../target/targets.ts';

export const EXIT_PASS = 0;
export const EXIT_CONFORMANCE = 1;
export const EXIT_INFRASTRUCTURE = 2;
export type GateExitCode = typeof EXIT_PASS | typeof EXIT_CONFORMANCE | typeof EXIT_INFRASTRUCTURE;

// ---------------------------------------------------------------------------------------------
// Latency budget
// ---------------------------------------------------------------------------------------------

/** How long the external connection may take: AWS needs minutes, local targets seconds. */
export const DEFAULT_LATENCY_BUDGET_MS: Record<TargetKind, number> = {
  emulator: 60_000,
  endpoint: 60_000,
  aws: 15 * 60_000,
};

/** CONFORMANCE_LATENCY_BUDGET_MS, or the target's default; ConfigError when it is not a number of ms. */
export function latencyBudgetMs(target: TargetKind, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CONFORMANCE_LATENCY_BUDGET_MS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_LATENCY_BUDGET_MS[target];
  const ms = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(ms) || ms <= 0) {
    throw new ConfigError(
      `The harness configuration is not valid:\n- CONFORMANCE_LATENCY_BUDGET_MS=${JSON.stringify(raw)}: must be a whole number of milliseconds above 0. ` +
        'Set it to e.g. 60000, or unset it for the default (60 s off AWS, 15 min on AWS).',
    );
  }
  return ms;
}

// ---------------------------------------------------------------------------------------------
// Classifying a failed step
// ---------------------------------------------------------------------------------------------

export type FailureKind = 'conformance' | 'infrastructure';

/**
 * A StepFailure's message as scenario-runner.ts writes it (`<where>, "<title>", did not
 * work.`): the step's command ran against the target, and the answer was not what a reader
 * expects. summary.json strips the `StepFailure: ` prefix; it is allowed here all the same.
 */
const STEP_FAILURE = /^(?:StepFailure: )?(?:Step [^,\n]+|Before you begin|Clean up), ".*", did not work\./;
/** Errors of the run's surroundings keep their class name in summary.json ("InfrastructureError: ..."). */
const INFRA_CLASS = /\b(?:InfrastructureError|ConfigError)\b/;
/** What targets.ts and Playwright say when the target or the worker is not there at all. */
const INFRA_WORDS = /\bunreachable\b|\bdid not start\b|\bworker process exited unexpectedly\b/i;

/**
 * Is a failed step's error the tutorial failing (1) or the run's surroundings failing (2)?
 *
 * How an infrastructure problem shows in summary.json: ScenarioRun.open runs in the scenario's
 * beforeAll hook (load the configuration, start or reach the target). When it throws,
 * Playwright fails the first step with that error, as "InfrastructureError: The CodeArtifact
 * endpoint http://127.0.0.1:9 is unreachable (...)\nFix: ..." or "ConfigError: The harness
 * configuration is not valid: ...", marks every other step skipped, and the run has no run
 * record (no runId, target, latency or leftovers: summary-json.ts found no runs/*.json for it).
 *
 * The rules, in order:
 *  1. An error in the StepFailure shape is a conformance failure, whatever words it contains:
 *     the step ran and the target or the tools answered wrongly. (The emulator's
 *     upstream-unreachable fault makes npm fail with "cannot reach the public registry", and
 *     on AWS a broken external connection says much the same: that is the tutorial not
 *     working, not the gate's infrastructure.)
 *  2. Otherwise the error came from outside a step (a hook, a timeout, a crash). It is
 *     infrastructure when it names InfrastructureError or ConfigError or says "unreachable" /
 *     "did not start" / a worker crash,
 *  3. or when the run never opened (no run record of this run): whatever failed happened
 *     before the tutorial's first command, e.g. a beforeAll hook that timed out while the
 *     emulator container was being built.
 *  4. Anything else in an opened run (a step that hung past every harness timeout, so that
 *     Playwright's own "Test timeout" fired) counts against the tutorial.
 */
export function classifyFailure(error: string | undefined, runOpened: boolean): FailureKind {
  const text = (error ?? '').trim();
  if (STEP_FAILURE.test(text)) return 'conformance';
  if (INFRA_CLASS.test(text) || INFRA_WORDS.test(text)) return 'infrastructure';
  return runOpened ? 'conformance' : 'infrastructure';
}

// ---------------------------------------------------------------------------------------------
// The verdict
// ---------------------------------------------------------------------------------------------

/** reports/summary.json as read from disk: the first tutorial run, and every run in `runs`. */
export type GateSummary = Partial<RunSummary> & { runs?: Partial<RunSummary>[] };

export interface Reason {
  kind: FailureKind;
  text: string;
}

export interface RunVerdict {
  scenario: string;
  project: string;
  verdict: 'passed' | 'failed' | 'infrastructure';
  /** The run record is this run's: its leftovers and latency are known. */
  opened: boolean;
  /** The first failed step, and its plain error's first line. */
  failedStep?: { id: string; title: string; error: string; kind: FailureKind };
  /** Steps that failed as expected (test.fail): known issues, not required. */
  knownIssues: string[];
  installMs?: number;
  visibleAfterMs?: number;
  leftovers: string[];
  reasons: Reason[];
}

export interface GateVerdict {
  exitCode: GateExitCode;
  target?: string;
  budgetMs?: number;
  runs: RunVerdict[];
  /** Reasons not tied to one run: preflight, a missing summary.json, the suite's own exit. */
  problems: Reason[];
}

export interface EvaluateOptions {
  budgetMs: number;
  target?: string;
  /** The run id the gate gave the suite: a run record with another one is from an earlier run. */
  runId?: string;
  /** Playwright's exit code. Omit when unknown (unit tests). */
  suiteExitCode?: number;
  /** The signal that ended Playwright, if one did (it then has no exit code). */
  suiteSignal?: string;
  /** The gate was interrupted (Ctrl-C, CI cancel) while the suite ran. */
  interrupted?: boolean;
  /** For messages: where summary.json was looked for. */
  summaryPath?: string;
}

export function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n').map((l) => l.trim()).find(Boolean) ?? '';
}

/** The "What happened: ..." line of a StepFailure, for the reasons list. */
function whatHappened(error: string | undefined): string | undefined {
  const m = /^What happened: (.*)$/m.exec(error ?? '');
  return m?.[1]?.trim() || undefined;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
}

/** A value over the budget, precise enough to differ from it ("60001 ms", not "60 s" beside a 60 s budget). */
function formatOver(ms: number, budgetMs: number): string {
  return formatMs(ms) === formatMs(budgetMs) ? `${ms} ms` : formatMs(ms);
}

const LATENCIES = [
  { key: 'installMs', label: 'npm install', measuredBy: 'npm-install' },
  { key: 'visibleAfterMs', label: 'time until lodash was listed after the install', measuredBy: 'list-packages' },
] as const;

function evaluateRun(run: Partial<RunSummary>, opts: EvaluateOptions): RunVerdict {
  const steps: StepSummary[] = Array.isArray(run.steps) ? run.steps : [];
  const opened = typeof run.runId === 'string' && (opts.runId === undefined || run.runId === opts.runId);
  const reasons: Reason[] = [];
  const knownIssues: string[] = [];
  let failedStep: RunVerdict['failedStep'];
  const anyFailed = steps.some((s) => s.status === 'failed');

  if (steps.length === 0) reasons.push({ kind: 'infrastructure', text: 'no step of this run reported a result' });
  for (const step of steps) {
    switch (step.status) {
      case 'passed':
        break;
      case 'expected-failure':
        knownIssues.push(step.id);
        break;
      case 'failed': {
        const kind = classifyFailure(step.error, opened);
        const error = firstLine(step.error) || 'failed without an error message';
        failedStep ??= { id: step.id, title: step.title, error, kind };
        const detail = whatHappened(step.error);
        reasons.push({ kind, text: `step ${step.id} failed: ${error}${detail ? ` What happened: ${detail}` : ''}` });
        break;
      }
      case 'skipped':
        // After a failure the later steps are not run by design; without one, a required step was skipped.
        if (!anyFailed) reasons.push({ kind: 'conformance', text: `step ${step.id} did not run` });
        break;
      default:
        reasons.push({ kind: 'conformance', text: `step ${step.id} has the unknown status ${JSON.stringify(step.status)}` });
    }
  }

  const leftovers = opened && Array.isArray(run.leftovers) ? run.leftovers.map(String) : [];
  let installMs: number | undefined;
  let visibleAfterMs: number | undefined;
  if (opened) {
    if (leftovers.length > 0) reasons.push({ kind: 'conformance', text: `left behind: ${leftovers.join(', ')}` });
    for (const f of run.cleanup?.failed ?? []) {
      reasons.push({ kind: 'conformance', text: `clean-up of ${f.resource} failed: ${firstLine(f.error)}` });
    }
    for (const l of LATENCIES) {
      const value = run.latency?.[l.key];
      if (l.key === 'installMs') installMs = value;
      else visibleAfterMs = value;
      if (typeof value === 'number') {
        if (value > opts.budgetMs) {
          reasons.push({ kind: 'conformance', text: `latency: ${l.label} took ${formatOver(value, opts.budgetMs)}, over the ${formatMs(opts.budgetMs)} budget` });
        }
      } else if (steps.some((s) => s.id === l.measuredBy && s.status === 'passed')) {
        reasons.push({ kind: 'conformance', text: `latency: step ${l.measuredBy} passed but the ${l.label} was not recorded` });
      }
    }
  } else if (!reasons.some((r) => r.kind === 'infrastructure')) {
    // Steps ran, but the run left no record of this run (or only an earlier run's): what it
    // left behind and how long the external connection took are unknown.
    reasons.push({
      kind: 'infrastructure',
      text: `the run wrote no run record of its own (runs/${run.project ?? '?'}--${run.scenario ?? '?'}.json), so its leftovers and latency are unknown`,
    });
  }

  const verdict = reasons.some((r) => r.kind === 'infrastructure') ? 'infrastructure' : reasons.length > 0 ? 'failed' : 'passed';
  return {
    scenario: String(run.scenario ?? '?'),
    project: String(run.project ?? '?'),
    verdict,
    opened,
    ...(failedStep ? { failedStep } : {}),
    knownIssues,
    ...(installMs !== undefined ? { installMs } : {}),
    ...(visibleAfterMs !== undefined ? { visibleAfterMs } : {}),
    leftovers,
    reasons,
  };
}

/** The gate's verdict on a suite run, from its summary.json (undefined: none was written). */
export function evaluate(summary: GateSummary | undefined, opts: EvaluateOptions): GateVerdict {
  const problems: Reason[] = [];
  const where = opts.summaryPath ?? 'summary.json';
  if (opts.interrupted) problems.push({ kind: 'infrastructure', text: 'the gate was interrupted: the run did not finish' });
  else if (opts.suiteSignal) problems.push({ kind: 'infrastructure', text: `the conformance suite was ended by ${opts.suiteSignal}` });
  let runs: RunVerdict[] = [];
  if (!summary) {
    problems.push({
      kind: 'infrastructure',
      text: `the conformance suite wrote no ${where}: it did not get to run a tutorial step (see its output above)`,
    });
  } else {
    const list = Array.isArray(summary.runs) ? summary.runs : Array.isArray(summary.steps) ? [summary] : [];
    if (list.length === 0) problems.push({ kind: 'infrastructure', text: `${where} lists no runs` });
    runs = list.map((r) => evaluateRun(r, opts));
  }
  const runReasons = runs.flatMap((r) => r.reasons);
  if (summary && opts.suiteExitCode !== undefined && opts.suiteExitCode !== 0 && runReasons.length === 0 && problems.length === 0) {
    problems.push({
      kind: 'conformance',
      text: `Playwright exited with code ${opts.suiteExitCode} although every reported step passed: something failed outside the tutorial steps (see its output above)`,
    });
  }
  const all = [...problems, ...runReasons];
  const exitCode: GateExitCode = all.some((r) => r.kind === 'infrastructure')
    ? EXIT_INFRASTRUCTURE
    : all.length > 0
      ? EXIT_CONFORMANCE
      : EXIT_PASS;
  return { exitCode, ...(opts.target ? { target: opts.target } : {}), budgetMs: opts.budgetMs, runs, problems };
}

/** The verdict when preflight found problems: the suite did not run. */
export function preflightVerdict(problems: string[], target?: string, budgetMs?: number): GateVerdict {
  return {
    exitCode: EXIT_INFRASTRUCTURE,
    ...(target ? { target } : {}),
    ...(budgetMs !== undefined ? { budgetMs } : {}),
    runs: [],
    problems: problems.map((text) => ({ kind: 'infrastructure', text: `preflight: ${text}` })),
  };
}

// ---------------------------------------------------------------------------------------------
// summary.json
// ---------------------------------------------------------------------------------------------

/** Identifies the summary.json present before the run, so a stale one is never taken for this run's. */
export function summaryStamp(reportsDir: string): string | undefined {
  const file = join(reportsDir, 'summary.json');
  if (!existsSync(file)) return undefined;
  const s = statSync(file);
  return `${s.mtimeMs}:${s.size}:${s.ino}`;
}

/** This run's summary.json: undefined when it is missing, unreadable or the one from before the run. */
export function readSummary(reportsDir: string, stampBefore?: string): GateSummary | undefined {
  const file = join(reportsDir, 'summary.json');
  if (!existsSync(file)) return undefined;
  if (stampBefore !== undefined && summaryStamp(reportsDir) === stampBefore) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as GateSummary) : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

const HEADLINES: Record<GateExitCode, string> = {
  0: '**PASS** (exit 0): every required tutorial step passed, nothing was left behind, and the external connection was within the latency budget.',
  1: '**FAIL** (exit 1, conformance failure): the tutorial does not work as documented on this target.',
  2: '**NO VERDICT** (exit 2, infrastructure problem): the run could not judge the tutorial; fix the problem below and run the gate again.',
};

function cell(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const short = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  return short.replace(/\|/g, '\\|') || '–';
}

function latencyCell(ms: number | undefined, budgetMs: number | undefined): string {
  if (ms === undefined) return '–';
  if (budgetMs !== undefined && ms > budgetMs) return `**${formatOver(ms, budgetMs)} (over ${formatMs(budgetMs)})**`;
  return formatMs(ms);
}

/** The gate's Markdown summary, redacted (known secrets and token-shaped values masked). */
export function renderMarkdown(v: GateVerdict, secrets: readonly string[] = []): string {
  const lines: string[] = ['## CodeArtifact tutorial conformance gate', '', HEADLINES[v.exitCode], ''];
  const facts = [
    v.target ? `target: ${v.target}` : undefined,
    v.budgetMs !== undefined ? `latency budget: ${formatMs(v.budgetMs)} (install and visible each)` : undefined,
  ].filter(Boolean);
  if (facts.length) lines.push(facts.join(' · '), '');
  if (v.runs.length > 0) {
    const budget = v.budgetMs !== undefined ? ` (budget ${formatMs(v.budgetMs)})` : '';
    lines.push(`| scenario | project | verdict | failed step | error | install${budget} | visible${budget} | leftovers |`);
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const r of v.runs) {
      lines.push(
        `| ${[
          cell(r.scenario),
          cell(r.project),
          r.verdict,
          r.failedStep ? cell(r.failedStep.id) : '–',
          r.failedStep ? cell(r.failedStep.error) : '–',
          latencyCell(r.installMs, v.budgetMs),
          latencyCell(r.visibleAfterMs, v.budgetMs),
          !r.opened ? 'unknown' : r.leftovers.length ? cell(r.leftovers.join(', ')) : 'none',
        ].join(' | ')} |`,
      );
    }
    lines.push('');
  }
  const reasons = [
    ...v.problems.map((p) => `- ${p.kind}: ${p.text.replace(/\n+/g, ' ')}`),
    ...v.runs.flatMap((r) => r.reasons.map((p) => `- ${p.kind}: ${r.scenario} (${r.project}): ${p.text.replace(/\n+/g, ' ')}`)),
  ];
  if (reasons.length) lines.push('Why:', '', ...reasons, '');
  const known = v.runs.flatMap((r) => r.knownIssues.map((id) => `${r.scenario} (${r.project}): ${id}`));
  if (known.length) lines.push(`Known issues (expected failures, not required): ${known.join('; ')}`, '');
  return `${redact(lines.join('\n'), secrets).trimEnd()}\n`;
}

/** Secrets the gate may come across in error text: masked wherever they occur. */
export function gateSecrets(env: NodeJS.ProcessEnv = process.env, config?: HarnessConfig): string[] {
  return [
    env.CONFORMANCE_SECRET_ACCESS_KEY,
    env.AWS_SECRET_ACCESS_KEY,
    env.AWS_SESSION_TOKEN,
    config?.localCredentials.secretAccessKey,
  ].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

// ---------------------------------------------------------------------------------------------
// Preflight
// ---------------------------------------------------------------------------------------------

export interface ToolCheck {
  version?: string;
  problem?: string;
}

/** Runs `<binary> --version`; a problem names the binary, the variable that chose it and how to install it. */
export async function checkTool(binary: string, what: string, variable: string, install: string, env: NodeJS.ProcessEnv = process.env): Promise<ToolCheck> {
  const r = await execa(binary, ['--version'], { reject: false, env, timeout: 60_000, stdin: 'ignore' });
  const chosen = `${variable}=${binary}${env[variable] ? '' : ' (the default)'}`;
  if (r.exitCode === undefined) {
    const code = (r as { code?: string }).code;
    if (code === 'ENOENT') return { problem: `${what} "${binary}" was not found (${chosen}). ${install}` };
    if (code === 'EACCES') return { problem: `${what} "${binary}" is not executable (${chosen}). ${install}` };
    if (r.timedOut) return { problem: `${binary} --version did not answer within 60 s (${chosen}).` };
    return { problem: `${what} "${binary}" could not run (${chosen}): ${firstLine(r.shortMessage)}. ${install}` };
  }
  const out = `${String(r.stdout ?? '')}\n${String(r.stderr ?? '')}`;
  if (r.exitCode !== 0) return { problem: `${binary} --version exited with code ${r.exitCode} (${chosen}): ${firstLine(out) || 'no output'}. ${install}` };
  return { version: firstLine(out) };
}

export const INSTALL_AWS_CLI =
  'Install the AWS CLI (v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html or `apt-get install awscli`; v1: `pip install awscli`), or set AWS_CLI to its path.';
export const INSTALL_NPM = 'Install Node.js 20.18+ with npm (https://nodejs.org/en/download), or set CONFORMANCE_NPM to the npm binary.';

export interface Preflight {
  config?: HarnessConfig;
  budgetMs?: number;
  problems: string[];
}

/**
 * Everything the suite needs before it runs: a valid configuration, the two CLIs, and for the
 * endpoint and aws targets a target that answers (the emulator target starts its own, so it
 * is not checked here). All problems are collected, so one gate run names every one of them.
 */
export async function preflight(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => {}): Promise<Preflight> {
  let config: HarnessConfig;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return { problems: [err.message] };
    throw err;
  }
  const problems: string[] = [];
  let budgetMs: number | undefined;
  try {
    budgetMs = latencyBudgetMs(config.target, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(err.message);
  }
  const [aws, npm] = await Promise.all([
    checkTool(config.awsCli, 'The aws CLI', 'AWS_CLI', INSTALL_AWS_CLI, env),
    checkTool(config.npm, 'npm', 'CONFORMANCE_NPM', INSTALL_NPM, env),
  ]);
  for (const [name, check] of [['aws CLI', aws], ['npm', npm]] as const) {
    if (check.problem) problems.push(check.problem);
    else log(`${name}: ${check.version}`);
  }
  if (config.target === 'emulator') {
    log('target: emulator (the suite starts its own)');
  } else {
    try {
      const target = await openTarget(config);
      log(`target: ${target.description}`);
      await target.stop();
    } catch (err) {
      problems.push(err instanceof InfrastructureError ? err.message : `The ${config.target} target could not be reached: ${(err as Error).message}`);
    }
  }
  return { config, ...(budgetMs !== undefined ? { budgetMs } : {}), problems };
}
