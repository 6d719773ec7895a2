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
import type { Scenario, StepContext, TutorialStep } from '../scenarios/types.ts';
import { runCli, type CliRun } from './cli.ts';
import { loadConfig, type HarnessConfig } from './config.ts';
import { CleanupLedger, type LedgerResource, type UndoReport } from './ledger.ts';
import { redact } from './redact.ts';
import { createSandbox, type Sandbox } from './sandbox.ts';
import { openTarget, type Target } from './targets.ts';

export const reportsDir = (): string => process.env.CONFORMANCE_REPORTS_DIR ?? 'reports';

/** What a run leaves for the reports beside the per-step results Playwright has. */
export interface RunRecord {
  project: string;
  scenario: string;
  scenarioTitle: string;
  target: string;
  targetDescription: string;
  region: string;
  runId: string;
  domain: string;
  tools: { aws?: string; npm?: string; node: string };
  latency: { installMs?: number; visibleAfterMs?: number };
  leftovers: string[];
  cleanup: UndoReport;
  /** Per step: the command as run, its output (both redacted) and what was checked afterwards. */
  steps: Record<string, { commandAsRun?: string; output?: string; checked?: string }>;
}

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

  private constructor(
    private readonly scenario: Scenario,
    private readonly config: HarnessConfig,
    private readonly target: Target,
    private readonly sandbox: Sandbox,
    private readonly ledger: CleanupLedger,
    project: string,
    private readonly awsCli: string,
  ) {
    this.client = target.codeartifact();
    const domain = `cc-${config.runId}-${scenario.code}${cellCode(project)}`;
    this.ctx = {
      names: { domain, myRepo: 'my-repo', npmStore: 'npm-store' },
      account: target.account,
      region: target.region,
      codeartifact: this.client,
      sandbox: { home: sandbox.home, npmrc: sandbox.npmrc, project: sandbox.project },
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
    };
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  static async open(scenario: Scenario, testInfo: TestInfo): Promise<ScenarioRun> {
    const config = loadConfig();
    const emulatorArgs = (process.env.CONFORMANCE_EMULATOR_ARGS ?? '').split(/\s+/).filter(Boolean);
    const target = await openTarget(config, emulatorArgs);
    const project = testInfo.project.name;
    const sandbox = createSandbox(`${scenario.id}-${project}`);
    const domainOf = (r: LedgerResource) => r.domain;
    const arnOf = (r: LedgerResource) =>
      r.kind === 'domain'
        ? `arn:aws:codeartifact:${target.region}:${target.account}:domain/${domainOf(r)}`
        : `arn:aws:codeartifact:${target.region}:${target.account}:repository/${r.domain}/${r.repository}`;
    const ledger = new CleanupLedger(config.runId, join(reportsDir(), 'ledger', `${config.runId}-${scenario.code}${cellCode(project)}.json`), arnOf);
    const awsCli = String(testInfo.project.metadata.awsCli ?? config.awsCli);
    return new ScenarioRun(scenario, config, target, sandbox, ledger, project, awsCli);
  }

  async execute(step: TutorialStep, testInfo: TestInfo): Promise<void> {
    const command = step.command(this.ctx);
    // The harness gives up on a command before Playwright gives up on the test, so a slow step
    // fails with the harness's plain message, not a bare "Test timeout exceeded".
    const commandTimeoutMs = command.timeoutMs ?? (command.tool === 'npm' ? NPM_TIMEOUT_MS : AWS_TIMEOUT_MS);
    const polling = step.id === 'list-packages' ? this.config.visibilityLimitMs : 0;
    test.setTimeout(commandTimeoutMs + polling + 60_000);
    for (const resource of step.creates?.(this.ctx) ?? []) this.ledger.intend(resource);
    const isAws = command.tool === 'aws';
    // `aws --version` and friends take no endpoint; every service call off AWS does.
    const args = isAws && !command.args[0]?.startsWith('-') ? [...command.args, ...this.target.awsCliArgs()] : command.args;
    // Report steps (allure-playwright turns them into Allure steps): the command as run, then the check.
    const shown = redact([isAws ? 'aws' : 'npm', ...args].join(' '), this.ctx.secrets);
    try {
      const run = await test.step(`run: ${shown}`, async () => {
        const run = await runCli(isAws ? this.awsCli : this.config.npm, args, {
          env: this.sandbox.env(this.target.cliEnv()),
          isolatedEnv: true,
          secrets: this.ctx.secrets,
          ...(command.inProject ? { cwd: this.sandbox.project } : {}),
          timeoutMs: commandTimeoutMs,
        });
        step.read?.(run, this.ctx);
        const transcript = run.transcript(this.ctx.secrets);
        this.record.steps[step.id] = {
          commandAsRun: redact([isAws ? 'aws' : 'npm', ...run.args].join(' '), this.ctx.secrets),
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
    } finally {
      await this.reportParameters();
    }
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
      node: process.version,
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
  const detail = (run.stderr.trim() || run.stdout.trim()).split('\n').filter(Boolean).slice(-6).join('\n');
  return `${run.command === 'npm' || run.command.endsWith('/npm') ? 'npm' : 'aws'} exited with code ${run.exitCode}: ${detail}`;
}

/** Registers one serial test per step of the scenario. */
export function defineScenario(scenario: Scenario): void {
  test.describe(scenario.title, () => {
    test.describe.configure({ mode: 'serial' });
    let run: ScenarioRun | undefined;
    test.beforeAll(async ({}, testInfo) => {
      test.setTimeout(120_000);
      run = await ScenarioRun.open(scenario, testInfo);
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
