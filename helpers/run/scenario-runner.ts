/**
 * Runs a scenario (the tutorial as data) as Playwright tests: one test per step, in order,
 * on the configured target, in a sandbox, with every created resource in the clean-up ledger.
 * A failed step says which step, what a reader expects and what happened; the steps after it
 * are reported as not run; whatever is left is undone in reverse order.
 */
import type { CodeartifactClient } from '@aws-sdk/client-codeartifact';
import { test, type TestInfo } from '@playwright/test';
import * as allure from 'allure-js-commons';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario, StepContext, TutorialStep } from '../../scenarios/types.ts';
import { runCli, type CliRun } from './cli.ts';
import { loadConfig, type EmulatorRuntime, type HarnessConfig } from './config.ts';
import { CleanupLedger, type LedgerResource } from './ledger.ts';
import { redact } from './redact.ts';
import { createSandbox, type Sandbox } from './sandbox.ts';
import { openTarget, type Target } from '../target/targets.ts';
import { ContainerEngineUnavailable } from '../target/emulator-container.ts';
import { cellToolbox, plainToolbox, type Toolbox } from './toolbox.ts';
import type { MatrixCell } from '../../scenarios/matrix-cells.ts';
import type { RunRecord } from '../outcome/records.ts';
import { KIND_LABEL_NAME, kindFromStatus, type Retry, type StepFinding, type StepKind } from '../outcome/model.ts';
import { ConfigError } from './config.ts';
import { InfrastructureError, StepFailure } from './errors.ts';
import { accessDeniedOf } from '../target/aws-permissions.ts';
import { addHarnessMiddleware, retryStepOnConflict } from './conflicts.ts';
import { goneWaitMs, waitUntilDomainGone } from './eventual.ts';
import { projectCode, runDomainName } from './naming.ts';

export { StepFailure };
import { EvidenceRecorder } from '../evidence/recorder.ts';

export const reportsDir = (): string => process.env.CONFORMANCE_REPORTS_DIR ?? 'reports';

/** How long one command may take: npm fetches a tree (and retries 5xx answers for a while). */
const NPM_TIMEOUT_MS = 5 * 60_000;
const AWS_TIMEOUT_MS = 2 * 60_000;

const PROGRESS_EVERY_MS = 5_000;

/**
 * The step's kind where every reader finds it without reading a message: an annotation (the
 * console) and an Allure label (Allure's categories match on it).
 */
async function markKind(testInfo: TestInfo, kind: StepKind): Promise<void> {
  testInfo.annotations.push({ type: KIND_LABEL_NAME, description: kind });
  try {
    await allure.label(KIND_LABEL_NAME, kind);
  } catch {
    // Report metadata never changes a step's outcome.
  }
}

const where = (step: TutorialStep) =>
  step.number === 'Before you begin' || step.number === 'Clean up' ? step.number : `Step ${step.number}`;

const describeResource = (r: LedgerResource) =>
  r.kind === 'domain'
    ? `domain ${r.domain}`
    : r.kind === 'repository'
      ? `repository ${r.domain}/${r.repository}`
      : `upstreams of ${r.domain}/${r.repository}`;

/** An error from opening the run (configuration, tools, target) as a typed finding. */
function openFinding(err: unknown): StepFinding {
  if (err instanceof InfrastructureError) return { kind: 'infrastructure-problem', observed: err.problem, hint: err.fix };
  if (err instanceof ConfigError) return { kind: 'infrastructure-problem', observed: err.message, hint: 'Fix the variables named above.' };
  return {
    kind: 'infrastructure-problem',
    observed: `the harness could not open the run: ${(err as Error).message}`,
    hint: 'This is the harness failing, not the tutorial: see the Playwright report for the stack.',
  };
}

/**
 * Where each step is defined in scenarios/ ("scenarios/tutorial.ts:321"), for the console and
 * the reports: a reader of a failure goes to the step, not to this runner.
 */
let stepLocations: Map<string, string> | undefined;
export function stepLocation(stepId: string): string | undefined {
  if (!stepLocations) {
    stepLocations = new Map();
    const dir = fileURLToPath(new URL('../../scenarios/', import.meta.url));
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .sort((a, b) => (a === 'tutorial.ts' ? -1 : b === 'tutorial.ts' ? 1 : a.localeCompare(b)))) {
      readFileSync(join(dir, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const m = /^\s*id: '([\w-]+)',/.exec(line);
          if (m && !stepLocations!.has(m[1]!)) stepLocations!.set(m[1]!, `scenarios/${file}:${i + 1}`);
        });
    }
  }
  return stepLocations.get(stepId);
}

/**
 * An error of the harness's own SDK calls (state checks, tagging) that IAM refused: the role
 * lacks an action, which says nothing about the tutorial. No verdict, naming the action and the fix.
 */
function deniedFinding(err: unknown): StepFinding | undefined {
  const denied = accessDeniedOf(err);
  return denied ? { kind: 'infrastructure-problem', observed: denied.message, hint: denied.fix } : undefined;
}

export class ScenarioRun {
  private readonly record: RunRecord;
  private readonly ctx: StepContext;
  private readonly client: CodeartifactClient;
  /**
   * Ctrl-C reaches the worker too: start undoing at once rather than wait for Playwright's
   * teardown, which may be cut short. The afterAll hook then waits for the same promise.
   */
  private readonly onSignal = () => {
    this.interrupted = true;
    void this.close();
  };
  /** Ctrl-C came: a step that fails from now on was stopped, it did not fail. */
  private interrupted = false;
  /** Whether Ctrl-C reached this worker. */
  get wasInterrupted(): boolean {
    return this.interrupted;
  }
  /** The current step's command, once it ended. */
  private lastRun: CliRun | undefined;
  /**
   * Stops the command that is running when the run closes: Playwright may end a step without
   * Ctrl-C reaching the command (only its runner got it), and a command left running would
   * outlive the run and write into the sandbox after it is gone.
   */
  private readonly stopCommand = new AbortController();
  private running: Promise<CliRun> | undefined;
  private closing: Promise<void> | undefined;
  /** Set when a known issue reproduced: the steps after it, but the clean-up, are not run. */
  private stoppedBy: string | undefined;
  /** Printed output against AWS's documentation and the snapshots (issue 12). */
  private readonly evidence: EvidenceRecorder;
  /** Calls tried again during the current step (a 409 while AWS catches up with a delete). */
  private stepRetries: Retry[] = [];

  private constructor(
    private readonly scenario: Scenario,
    private readonly config: HarnessConfig,
    private readonly target: Target,
    private readonly sandbox: Sandbox,
    private readonly ledger: CleanupLedger,
    project: string,
    private readonly tools: Toolbox,
    private readonly cell: MatrixCell | undefined,
  ) {
    // The harness's own calls that needed a retry are reported with the step they happened in.
    this.client = addHarnessMiddleware(target.codeartifact(), { onRetry: (r) => this.stepRetries.push(r) });
    const domain = runDomainName(config.runId, scenario.code, project);
    this.ctx = {
      names: { domain, myRepo: 'my-repo', npmStore: 'npm-store' },
      account: target.account,
      region: target.region,
      codeartifact: this.client,
      sandbox,
      visibilityLimitMs: config.visibilityLimitMs,
      memory: config.installTimeoutMs ? { installTimeoutMs: String(config.installTimeoutMs) } : {},
      secrets: target.secrets(),
      target: target.kind,
    };
    this.evidence = new EvidenceRecorder(scenario.id, target, this.client, domain);
    this.record = {
      project,
      scenario: scenario.id,
      scenarioTitle: scenario.title,
      target: target.kind,
      targetDescription: target.description,
      ...(target.endpointUrl ? { endpoint: target.endpointUrl } : {}),
      region: target.region,
      runId: config.runId,
      domain,
      tools: { node: process.version },
      latency: {},
      leftovers: [],
      cleanup: { undone: [], failed: [] },
      removedBySteps: [],
      steps: {},
      ...(cell ? { cell } : {}),
    };
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  static async open(scenario: Scenario, testInfo: TestInfo, cell?: MatrixCell): Promise<ScenarioRun> {
    const config = loadConfig();
    // Toolchains first: installing one may take a while, and needs no target yet.
    const tools = cell
      ? await cellToolbox(cell, config.target)
      : plainToolbox(String(testInfo.project.metadata.awsCli ?? config.awsCli), config.npm);
    // A project may pin the emulator's runtime (playwright.config.ts: the conformance projects).
    const runtime = testInfo.project.metadata.emulatorRuntime as EmulatorRuntime | undefined;
    const target = await openTarget(runtime ? { ...config, emulatorRuntime: runtime } : config).catch((err: unknown) => {
      // The container projects of `npm test` skip, saying why, where no container engine answers.
      if (err instanceof ContainerEngineUnavailable && testInfo.project.metadata.skipWithoutContainerEngine) test.skip(true, err.message);
      throw err;
    });
    const project = testInfo.project.name;
    const sandbox = createSandbox(`${scenario.id}-${project}`);
    // On disk in the state folder, where `npm run sweep` finds it if this process is killed.
    const ledger = CleanupLedger.create(`${config.runId}-${scenario.code}${projectCode(project)}`, config.runId, {
      kind: target.kind,
      ...(target.endpointUrl !== undefined ? { endpointUrl: target.endpointUrl } : {}),
      account: target.account,
      region: target.region,
    });
    return new ScenarioRun(scenario, config, target, sandbox, ledger, project, tools, cell);
  }

  async execute(step: TutorialStep, testInfo: TestInfo): Promise<void> {
    if (this.stoppedBy && step.number !== 'Clean up') {
      testInfo.annotations.push({ type: KIND_LABEL_NAME, description: 'not-run' });
      test.skip(true, `not run: the known issue at ${this.stoppedBy} reproduced`);
    }
    const command = step.command(this.ctx);
    // The harness gives up on a command before Playwright gives up on the test, so a slow step
    // fails with the harness's plain message, not a bare "Test timeout exceeded".
    const commandTimeoutMs = command.timeoutMs ?? (command.tool === 'aws' ? AWS_TIMEOUT_MS : NPM_TIMEOUT_MS);
    const polling = step.id === 'list-packages' ? this.config.visibilityLimitMs : 0;
    test.setTimeout(commandTimeoutMs + polling + 60_000);
    for (const resource of step.creates?.(this.ctx) ?? []) this.ledger.intend(resource);
    const isAws = command.tool === 'aws';
    const binary = isAws ? this.tools.awsCli : command.tool === 'pm' ? this.tools.pm : this.tools.npm;
    const name = isAws ? 'aws' : command.tool === 'pm' ? this.tools.pm : 'npm';
    // `aws --version` and friends take no endpoint; every service call off AWS does.
    const args = isAws && !command.args[0]?.startsWith('-') ? [...command.args, ...this.target.awsCliArgs()] : command.args;
    const cwd = command.inProjectSubfolder
      ? join(this.sandbox.project, command.inProjectSubfolder)
      : command.inProject
        ? this.sandbox.project
        : undefined;
    const knownIssue = this.cell?.knownIssue?.stepId === step.id ? this.cell.knownIssue : undefined;
    // Report steps (allure-playwright turns them into Allure steps): the command as run, then the check.
    const shown = step.perform ? step.documented : redact([name, ...args].join(' '), this.ctx.secrets);
    const base = { where: where(step), title: step.title, expected: step.expectation };
    this.lastRun = undefined;
    this.stepRetries = [];
    // npm's debug logs from before this step (login runs npm too): only the step's own are attached.
    const npmLogsBefore = isAws ? new Set<string>() : new Set(this.npmLogs());
    const stopProgress = this.progress(
      step,
      polling ? `polling list-packages until lodash is listed` : `waiting for ${shown.split(' ').slice(0, 3).join(' ')}`,
      commandTimeoutMs + polling,
    );
    try {
      const run = await test.step(`run: ${shown}`, async () => {
        const runOnce = () => {
          this.running = runCli(binary, args, {
            env: this.sandbox.env({
              ...this.target.cliEnv(),
              ...this.tools.env(this.sandbox),
              ...(this.tools.pathPrefix.length ? { PATH: [...this.tools.pathPrefix, process.env.PATH ?? ''].join(':') } : {}),
            }),
            isolatedEnv: true,
            secrets: this.ctx.secrets,
            ...(cwd ? { cwd } : {}),
            timeoutMs: commandTimeoutMs,
            cancelSignal: this.stopCommand.signal,
          });
          return this.running;
        };
        let run: CliRun;
        let earlier: CliRun[] = [];
        if (step.perform) run = await this.perform(step);
        else if (isAws && (step.creates || step.removes)) {
          // Right after a delete AWS may answer 409 while it catches up: tried again, bounded, and reported.
          const attempts = await retryStepOnConflict(`aws ${command.args.slice(0, 2).join(' ')}`, runOnce, {
            stopped: () => this.interrupted,
          });
          ({ run, earlier } = attempts);
          if (attempts.retry) this.stepRetries.push(attempts.retry);
        } else run = await runOnce();
        this.lastRun = run;
        step.read?.(run, this.ctx);
        // npm ends a failure by naming its debug log, in the sandbox, which goes with the run: the
        // log is attached under its own name, and paths in the sandbox read <sandbox>/...
        if (!isAws && run.exitCode !== 0) await this.attachNpmLogs(testInfo, npmLogsBefore);
        const transcript = this.inSandbox(
          [
            ...earlier.map((r) => `${r.transcript(this.ctx.secrets)}\n[answered ConflictException: tried again]\n`),
            run.transcript(this.ctx.secrets),
          ].join('\n'),
        );
        const commandAsRun = step.perform ? step.documented : redact([name, ...run.args].join(' '), this.ctx.secrets);
        this.record.steps[step.id] = { commandAsRun, output: transcript };
        await testInfo.attach('command output', { body: transcript, contentType: 'text/plain' });
        const evidence = { command: commandAsRun, exitCode: run.exitCode, excerpt: this.inSandbox(excerpt(run, this.ctx.secrets)) };
        if (run.startError) {
          // The tool is not there: the harness's surroundings, not the tutorial.
          throw new StepFailure({
            ...base,
            kind: 'infrastructure-problem',
            observed: `${run.command} could not be started (${run.startError})`,
            evidence: { command: commandAsRun },
            hint:
              run.startError === 'ENOENT'
                ? `Install it or point the harness at it (AWS_CLI for the aws CLI, CONFORMANCE_NPM for npm); it was looked for as "${run.command}".`
                : `Make "${run.command}" executable, or point the harness at a working one.`,
          });
        }
        if (run.exitCode !== 0) {
          const tool = run.command.split('/').pop() ?? run.command;
          throw new StepFailure({
            ...base,
            kind: 'conformance-failure',
            observed: run.timedOut
              ? `${tool} ${run.args[0] ?? ''} did not finish in time (${run.durationMs} ms).`
              : `${tool} exited with code ${run.exitCode}${evidence.excerpt ? `: ${evidence.excerpt}` : ''}`,
            evidence,
          });
        }
        for (const resource of step.creates?.(this.ctx) ?? []) await this.ledger.created(resource, this.client);
        for (const resource of step.removes?.(this.ctx) ?? []) {
          this.ledger.removed(resource);
          if (resource.kind !== 'upstreams') this.record.removedBySteps.push(describeResource(resource));
        }
        // What the command printed, against what AWS documents or a recording shows.
        const printed = this.evidence.afterCommand(step, run, this.ctx);
        if (printed.evidence) this.record.steps[step.id]!.outputCheck = printed.evidence;
        if (printed.failure)
          throw new StepFailure({ ...base, kind: 'conformance-failure', observed: redact(printed.failure, this.ctx.secrets), evidence });
        return run;
      });
      await test.step(`check: ${redact(step.expectation, this.ctx.secrets)}`, async () => {
        let checked: string;
        try {
          checked = await step.check(this.ctx, run);
        } catch (err) {
          throw new StepFailure({
            ...base,
            // IAM refusing a state check is the role's problem, not the tutorial's.
            ...(deniedFinding(err) ?? { kind: 'conformance-failure', observed: redact((err as Error).message, this.ctx.secrets) }),
            evidence: { command: this.record.steps[step.id]?.commandAsRun ?? shown, exitCode: run.exitCode },
          });
        }
        // The SDK reads against the scenario's snapshot.
        const diverged = this.evidence.afterCheck(step, this.ctx);
        if (diverged) {
          throw new StepFailure({
            ...base,
            kind: 'conformance-failure',
            observed: redact(diverged, this.ctx.secrets),
            evidence: { command: this.record.steps[step.id]?.commandAsRun ?? shown, exitCode: run.exitCode },
          });
        }
        this.record.steps[step.id]!.checked = checked;
        testInfo.annotations.push({ type: 'checked', description: redact(checked, this.ctx.secrets) });
      });
    } catch (caught) {
      let err = caught;
      if (!(err instanceof StepFailure)) {
        // Anything else is the harness itself failing (an SDK call in the ledger, a bug): no verdict,
        // naming the IAM action and the fix where AWS refused the call (e.g. tagging).
        err = new StepFailure({
          ...base,
          ...(deniedFinding(caught) ?? {
            kind: 'infrastructure-problem',
            observed: redact(`${(caught as Error).name}: ${(caught as Error).message}`, this.ctx.secrets),
            hint: 'This is the harness failing, not the tutorial: see the Playwright report for the stack.',
          }),
        });
      }
      const failure = err as StepFailure;
      let finding: StepFinding = failure.finding;
      // Ctrl-C reaches the CLI and this worker at once: a command ended by it (its signal, or the
      // shells' 128+SIGINT/SIGTERM exit code) was stopped, whichever of the two is seen first.
      const run = this.lastRun as CliRun | undefined;
      const stopped = this.interrupted || !!run?.signal || run?.exitCode === 130 || run?.exitCode === 143;
      if (stopped) finding = { ...finding, kind: 'interrupted', hint: 'The run was interrupted (Ctrl-C); run it again for a verdict.' };
      else if (knownIssue && finding.kind === 'conformance-failure') {
        // The bug reproduces: an expected failure, and the steps after it (but the clean-up) are not run.
        finding = { ...finding, kind: 'known-issue', knownIssue: { url: knownIssue.url, title: knownIssue.title } };
        this.stoppedBy = `"${step.title}" (${knownIssue.url})`;
        testInfo.annotations.push({ type: 'known issue', description: `${knownIssue.title} (${knownIssue.url})` });
        test.fail(true, `known issue: ${knownIssue.title} (${knownIssue.url})`);
      }
      await this.recordFinding(step, testInfo, finding);
      throw finding === failure.finding ? failure : new StepFailure({ ...base, ...finding });
    } finally {
      stopProgress();
      await this.recordRetries(step, testInfo);
      await this.reportParameters();
    }
    if (knownIssue) {
      const finding: StepFinding = {
        kind: 'conformance-failure',
        knownIssue: { url: knownIssue.url, title: knownIssue.title },
        knownIssueFixed: true,
        observed: `the known issue no longer reproduces: ${where(step)} worked`,
        hint: 'Check the issue, then remove the known-issue mark from this cell in scenarios/matrix-cells.ts.',
      };
      await this.recordFinding(step, testInfo, finding);
      throw new StepFailure({ ...base, ...finding });
    }
    await markKind(testInfo, 'passed');
  }

  /** The first step of a run that could not be opened: says why, with the fix; the rest are not run. */
  static async openFailed(step: TutorialStep, testInfo: TestInfo, err: unknown): Promise<never> {
    const finding = openFinding(err);
    await markKind(testInfo, finding.kind);
    await testInfo.attach('outcome', { body: JSON.stringify(finding), contentType: 'application/json' });
    throw new StepFailure({ where: where(step), title: step.title, ...finding });
  }

  /** Paths in the sandbox, which is removed with the run, as <sandbox>/...: a reader looks for them among the attachments. */
  private inSandbox(text: string): string {
    return text.split(this.sandbox.root).join('<sandbox>');
  }

  /** The debug logs npm has written in the sandbox so far (npm names them by their start time). */
  private npmLogs(): string[] {
    try {
      return readdirSync(join(this.sandbox.npmCache, '_logs')).sort();
    } catch {
      return [];
    }
  }

  /** npm's debug logs written during the step (npm names one in its last lines), redacted. */
  private async attachNpmLogs(testInfo: TestInfo, before: ReadonlySet<string>): Promise<void> {
    for (const name of this.npmLogs().filter((n) => !before.has(n))) {
      try {
        const body = this.inSandbox(redact(readFileSync(join(this.sandbox.npmCache, '_logs', name), 'utf8'), this.ctx.secrets));
        await testInfo.attach(`npm debug log ${name}`, { body, contentType: 'text/plain' });
      } catch {
        // A log that cannot be read is only evidence missing: the step's outcome stands.
      }
    }
  }

  /** A step that needed a retry says so: in the run record (summary.json, the docs page) and the test's result (the console). */
  private async recordRetries(step: TutorialStep, testInfo: TestInfo): Promise<void> {
    if (this.stepRetries.length === 0) return;
    const retries = [...this.stepRetries];
    this.record.steps[step.id] = { ...this.record.steps[step.id], retries };
    testInfo.annotations.push({ type: 'retried', description: String(retries.length) });
    await testInfo.attach('retries', { body: JSON.stringify(retries), contentType: 'application/json' });
  }

  /** The finding goes where every reader finds it: the run record, and the test's result. */
  private async recordFinding(step: TutorialStep, testInfo: TestInfo, finding: StepFinding): Promise<void> {
    this.record.steps[step.id] = { ...this.record.steps[step.id], finding };
    await markKind(testInfo, finding.kind);
    await testInfo.attach('outcome', { body: JSON.stringify(finding), contentType: 'application/json' });
  }

  /**
   * A line every few seconds while a step waits (npm install, polling list-packages), with the
   * time spent and the limit, so that a long wait is never silent. The first line comes at once.
   */
  private progress(step: TutorialStep, what: string, limitMs: number): () => void {
    if (step.id !== 'npm-install' && step.id !== 'list-packages') return () => {};
    const started = Date.now();
    const say = () =>
      process.stdout.write(
        `  … ${where(step)}: ${what}, ${Math.round((Date.now() - started) / 1000)} s of at most ${formatLimit(limitMs)}\n`,
      );
    say();
    const timer = setInterval(say, PROGRESS_EVERY_MS);
    return () => clearInterval(timer);
  }

  /** A step that is not a command line: its transcript says what it did. */
  private async perform(step: TutorialStep): Promise<CliRun> {
    const started = performance.now();
    let out = '';
    let exitCode = 0;
    try {
      out = await step.perform!(this.ctx);
    } catch (err) {
      out = (err as Error).message;
      exitCode = 1;
    }
    const durationMs = Math.round(performance.now() - started);
    return {
      command: step.documented,
      args: [],
      exitCode,
      stdout: exitCode === 0 ? `${out}\n` : '',
      stderr: exitCode === 0 ? '' : out,
      durationMs,
      transcript: (more = []) =>
        redact(`# ${step.documented}\n[${exitCode === 0 ? 'done' : 'failed'}, ${durationMs} ms]\n${out}\n`, [...this.ctx.secrets, ...more]),
    };
  }

  /**
   * Allure parameters for the step: where it ran and with which tools. Never a secret (the
   * values travel as plain attachments whatever their mode). The tool versions are excluded
   * from Allure's history id, so an upgrade shows as a change in one test's history.
   */
  private async reportParameters(): Promise<void> {
    const m = this.ctx.memory;
    const parameters: [string, string | undefined, boolean][] = [
      ['target', this.target.kind, false],
      ['aws CLI version', m.awsCliVersion, true],
      ['npm version', m.npmVersion, true],
      ['Node version', process.version, true],
    ];
    try {
      for (const [name, value, excluded] of parameters) {
        if (value) await allure.parameter(name, redact(value, this.ctx.secrets), { excluded });
      }
    } catch {
      // Report metadata never changes a step's outcome.
    }
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    // A command still running is stopped, and has ended, before anything it uses is undone.
    this.stopCommand.abort();
    await this.running;
    try {
      this.record.cleanup = await this.ledger.undoAll(this.client);
      this.record.leftovers = await this.leftovers();
    } catch (err) {
      const denied = accessDeniedOf(err);
      this.record.cleanup.failed.push({
        resource: 'the run',
        error: (err as Error).message,
        ...(denied ? { accessDenied: { actions: [...denied.actions], fix: denied.fix } } : {}),
      });
    }
    const m = this.ctx.memory;
    this.record.tools = {
      node: this.tools.versions.node ?? process.version,
      ...(this.tools.versions.packageManager ? { packageManager: this.tools.versions.packageManager } : {}),
      ...(m.awsCliVersion ? { aws: m.awsCliVersion } : {}),
      ...(m.npmVersion ? { npm: m.npmVersion } : {}),
    };
    this.record.latency = {
      ...(m.installMs ? { installMs: Number(m.installMs) } : {}),
      ...(m.visibleAfterMs ? { visibleAfterMs: Number(m.visibleAfterMs) } : {}),
    };
    const dir = join(reportsDir(), 'runs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${this.record.project}--${this.record.scenario}.json`),
      redact(JSON.stringify(this.record, null, 2), this.ctx.secrets),
    );
    this.client.destroy();
    this.sandbox.dispose();
    await this.target.stop();
  }

  /**
   * This run's domain, if it still exists (other scenarios of the same run may be going on).
   * Deleted counts as gone, and a delete gets a bounded while to show (helpers/run/eventual.ts).
   */
  private async leftovers(): Promise<string[]> {
    const result = await waitUntilDomainGone(this.client, this.ctx.names.domain, goneWaitMs(this.target.kind), this.target.account);
    return result.gone ? [] : [this.ctx.names.domain];
  }
}

/**
 * The lines of a command's output a reader needs to see what went wrong (not a stack trace
 * under them): evidence shown with the failure, never read back to decide its kind.
 */
function excerpt(run: CliRun, secrets: readonly string[]): string {
  const lines = (run.stderr.trim() || run.stdout.trim())
    .split('\n')
    .filter((l) => l.trim() && !/^\s+at /.test(l) && !/^\[timed out after/.test(l));
  const errors = lines.filter((l) => /error|denied|not found|refused|unauthori[sz]ed|forbidden|\b4\d\d\b|\b5\d\d\b/i.test(l));
  return redact((errors.length ? errors : lines).slice(0, 6).join('\n'), secrets);
}

function formatLimit(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

/**
 * Registers one serial test per step of the scenario. A matrix cell's tests carry the tag
 * `@<cell id>` in their describe title: its Playwright project selects them by that tag.
 */
export function defineScenario(scenario: Scenario, cell?: MatrixCell): void {
  test.describe(cell ? `${scenario.title} @${cell.id}` : scenario.title, () => {
    test.describe.configure({ mode: 'serial' });
    let run: ScenarioRun | undefined;
    let openError: unknown;
    test.beforeAll(async ({}, testInfo) => {
      // A cell may first install its toolchain.
      test.setTimeout(cell ? 300_000 : 120_000);
      try {
        run = await ScenarioRun.open(scenario, testInfo, cell);
      } catch (err) {
        // Said once, typed, on the first step (below); the other steps are then not run.
        openError = err;
      }
    });
    test.afterEach(async ({}, testInfo) => {
      // A step Playwright ended itself, before the step's own catch could say what happened, gets
      // the kind summary.json gives it (stepOutcomeOf), so that Allure's category agrees:
      // interrupted when Ctrl-C reached only Playwright's runner (a CI cancelling the job, `kill
      // -INT` of its pid); else, as for a timeout, the harness failing.
      const ended = testInfo.status !== 'passed' && testInfo.status !== 'skipped';
      if (!ended || testInfo.annotations.some((a) => a.type === KIND_LABEL_NAME)) return;
      await markKind(testInfo, kindFromStatus(testInfo.status, run?.wasInterrupted ?? false));
    });
    test.afterAll(async () => {
      test.setTimeout(300_000);
      await run?.close();
    });
    for (const step of scenario.steps) {
      const location = stepLocation(step.id);
      test(
        `${step.number}. ${step.title}`,
        {
          annotation: [
            { type: 'scenario', description: scenario.id },
            { type: 'step-id', description: step.id },
            { type: 'documented command', description: step.documented },
            ...(location ? [{ type: 'step-location', description: location }] : []),
          ],
        },
        async ({}, testInfo) => {
          if (openError !== undefined) await ScenarioRun.openFailed(step, testInfo, openError);
          await run!.execute(step, testInfo);
        },
      );
    }
  });
}
