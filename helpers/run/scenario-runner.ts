/**
 * Runs a scenario (the tutorial as data) as Playwright tests: one test per step, in order,
 * on the configured target, in a sandbox, with every created resource in the clean-up ledger.
 * A failed step says which step, what a reader expects and what happened; the steps after it
 * are reported as not run; whatever is left is undone in reverse order.
 */
import { ListDomainsCommand, type CodeartifactClient } from '@aws-sdk/client-codeartifact';
import { test, type TestInfo } from '@playwright/test';
import * as allure from 'allure-js-commons';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
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

export const reportsDir = (): string => process.env.CONFORMANCE_REPORTS_DIR ?? 'reports';

/** How long one command may take: npm fetches a tree (and retries 5xx answers for a while). */
const NPM_TIMEOUT_MS = 5 * 60_000;
const AWS_TIMEOUT_MS = 2 * 60_000;

export class StepFailure extends Error {
  override name = 'StepFailure';
}

function cellCode(project: string): string {
  return createHash('sha256').update(project).digest('hex').slice(0, 4);
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
    void this.close();
  };
  private closing: Promise<void> | undefined;
  /** Set when a known issue reproduced: the steps after it, but the clean-up, are not run. */
  private stoppedBy: string | undefined;

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
    this.client = target.codeartifact();
    const domain = `cc-${config.runId}-${scenario.code}${cellCode(project)}`;
    this.ctx = {
      names: { domain, myRepo: 'my-repo', npmStore: 'npm-store' },
      account: target.account,
      region: target.region,
      codeartifact: this.client,
      sandbox,
      visibilityLimitMs: config.visibilityLimitMs,
      memory: process.env.CONFORMANCE_INSTALL_TIMEOUT_MS ? { installTimeoutMs: process.env.CONFORMANCE_INSTALL_TIMEOUT_MS } : {},
      secrets: target.secrets(),
    };
    this.record = {
      project,
      scenario: scenario.id,
      scenarioTitle: scenario.title,
      target: target.kind,
      targetDescription: target.description,
      region: target.region,
      runId: config.runId,
      domain,
      tools: { node: process.version },
      latency: {},
      leftovers: [],
      cleanup: { undone: [], failed: [] },
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
      ? await cellToolbox(cell)
      : plainToolbox(String(testInfo.project.metadata.awsCli ?? config.awsCli), config.npm);
    const emulatorArgs = (process.env.CONFORMANCE_EMULATOR_ARGS ?? '').split(/\s+/).filter(Boolean);
    // A project may pin the emulator's runtime (playwright.config.ts: the conformance projects).
    const runtime = testInfo.project.metadata.emulatorRuntime as EmulatorRuntime | undefined;
    const target = await openTarget(runtime ? { ...config, emulatorRuntime: runtime } : config, emulatorArgs).catch((err: unknown) => {
      // The container projects of `npm test` skip, saying why, where no container engine answers.
      if (err instanceof ContainerEngineUnavailable && testInfo.project.metadata.skipWithoutContainerEngine) test.skip(true, err.message);
      throw err;
    });
    const project = testInfo.project.name;
    const sandbox = createSandbox(`${scenario.id}-${project}`);
    const domainOf = (r: LedgerResource) => r.domain;
    const arnOf = (r: LedgerResource) =>
      r.kind === 'domain'
        ? `arn:aws:codeartifact:${target.region}:${target.account}:domain/${domainOf(r)}`
        : `arn:aws:codeartifact:${target.region}:${target.account}:repository/${r.domain}/${r.repository}`;
    const ledger = new CleanupLedger(config.runId, join(reportsDir(), 'ledger', `${config.runId}-${scenario.code}${cellCode(project)}.json`), arnOf);
    return new ScenarioRun(scenario, config, target, sandbox, ledger, project, tools, cell);
  }

  async execute(step: TutorialStep, testInfo: TestInfo): Promise<void> {
    if (this.stoppedBy && step.number !== 'Clean up') {
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
    try {
      const run = await test.step(`run: ${shown}`, async () => {
        const run = step.perform ? await this.perform(step) : await runCli(binary, args, {
          env: this.sandbox.env({
            ...this.target.cliEnv(),
            ...this.tools.env(this.sandbox),
            ...(this.tools.pathPrefix.length ? { PATH: [...this.tools.pathPrefix, process.env.PATH ?? ''].join(':') } : {}),
          }),
          isolatedEnv: true,
          secrets: this.ctx.secrets,
          ...(cwd ? { cwd } : {}),
          timeoutMs: commandTimeoutMs,
        });
        step.read?.(run, this.ctx);
        const transcript = run.transcript(this.ctx.secrets);
        this.record.steps[step.id] = {
          commandAsRun: step.perform ? step.documented : redact([name, ...run.args].join(' '), this.ctx.secrets),
          output: transcript,
        };
        await testInfo.attach('command output', { body: transcript, contentType: 'text/plain' });
        if (run.exitCode !== 0) {
          throw this.failure(step, describeExit(run));
        }
        for (const resource of step.creates?.(this.ctx) ?? []) await this.ledger.created(resource, this.client);
        for (const resource of step.removes?.(this.ctx) ?? []) this.ledger.removed(resource);
        return run;
      });
      await test.step(`check: ${redact(step.expectation, this.ctx.secrets)}`, async () => {
        let checked: string;
        try {
          checked = await step.check(this.ctx, run);
        } catch (err) {
          throw this.failure(step, (err as Error).message);
        }
        this.record.steps[step.id]!.checked = checked;
        testInfo.annotations.push({ type: 'checked', description: redact(checked, this.ctx.secrets) });
      });
    } catch (err) {
      if (knownIssue && err instanceof StepFailure) {
        // The bug reproduces: an expected failure, and the steps after it (but the clean-up) are not run.
        this.stoppedBy = `"${step.title}" (${knownIssue.url})`;
        testInfo.annotations.push({ type: 'known issue', description: `${knownIssue.title} (${knownIssue.url})` });
        test.fail(true, `known issue: ${knownIssue.title} (${knownIssue.url})`);
      }
      throw err;
    } finally {
      await this.reportParameters();
    }
    if (knownIssue) {
      throw new StepFailure(
        `Known issue no longer reproduces: ${knownIssue.title} (${knownIssue.url}). ${step.number === 'Clean up' ? step.number : `Step ${step.number}`}, "${step.title}", worked. Check the issue, then remove the known-issue mark from this cell in scenarios/matrix.ts.`,
      );
    }
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
      transcript: (more = []) => redact(`# ${step.documented}\n[${exitCode === 0 ? 'done' : 'failed'}, ${durationMs} ms]\n${out}\n`, [...this.ctx.secrets, ...more]),
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

  private failure(step: TutorialStep, happened: string): StepFailure {
    const where = step.number === 'Before you begin' || step.number === 'Clean up' ? step.number : `Step ${step.number}`;
    return new StepFailure(
      redact(`${where}, "${step.title}", did not work.\nExpected: ${step.expectation}.\nWhat happened: ${happened}`, this.ctx.secrets),
    );
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    try {
      this.record.cleanup = await this.ledger.undoAll(this.client);
      this.record.leftovers = await this.leftovers();
    } catch (err) {
      this.record.cleanup.failed.push({ resource: 'the run', error: (err as Error).message });
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
    writeFileSync(join(dir, `${this.record.project}--${this.record.scenario}.json`), redact(JSON.stringify(this.record, null, 2), this.ctx.secrets));
    this.client.destroy();
    this.sandbox.dispose();
    await this.target.stop();
  }

  /** This run's domain, if it still exists. (Other scenarios of the same run may be going on.) */
  private async leftovers(): Promise<string[]> {
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(new ListDomainsCommand({ ...(nextToken ? { nextToken } : {}) }));
      if (page.domains?.some((d) => d.name === this.ctx.names.domain)) return [this.ctx.names.domain];
      nextToken = page.nextToken;
    } while (nextToken);
    return [];
  }
}

function describeExit(run: CliRun): string {
  if (run.stderr.includes('[timed out after')) return `${run.command} ${run.args[0] ?? ''} did not finish in time (${run.durationMs} ms).`;
  const lines = (run.stderr.trim() || run.stdout.trim()).split('\n').filter(Boolean);
  // The lines that say what went wrong, not a stack trace under them.
  const errors = lines.filter((l) => /error|denied|not found|refused|unauthori[sz]ed|forbidden|\b4\d\d\b|\b5\d\d\b/i.test(l) && !/^\s+at /.test(l));
  const detail = (errors.length ? errors : lines.filter((l) => !/^\s+at /.test(l))).slice(0, 6).join('\n');
  const tool = run.command.split('/').pop() ?? run.command;
  return `${tool} exited with code ${run.exitCode}: ${detail}`;
}

/**
 * Registers one serial test per step of the scenario. A matrix cell's tests carry the tag
 * `@<cell id>` in their describe title: its Playwright project selects them by that tag.
 */
export function defineScenario(scenario: Scenario, cell?: MatrixCell): void {
  test.describe(cell ? `${scenario.title} @${cell.id}` : scenario.title, () => {
    test.describe.configure({ mode: 'serial' });
    let run: ScenarioRun | undefined;
    test.beforeAll(async ({}, testInfo) => {
      // A cell may first install its toolchain.
      test.setTimeout(cell ? 300_000 : 120_000);
      run = await ScenarioRun.open(scenario, testInfo, cell);
    });
    test.afterAll(async () => {
      test.setTimeout(300_000);
      await run?.close();
    });
    for (const step of scenario.steps) {
      test(
        `${step.number}. ${step.title}`,
        {
          annotation: [
            { type: 'scenario', description: scenario.id },
            { type: 'step-id', description: step.id },
            { type: 'documented command', description: step.documented },
          ],
        },
        async ({}, testInfo) => {
          await run!.execute(step, testInfo);
        },
      );
    }
  });
}
