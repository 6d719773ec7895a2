/**
 * Preflight: what a run needs before its first step, checked in seconds, for `npm run
 * conformance` (Playwright's globalSetup, below) and `npm run gate` alike: a valid
 * configuration, the aws CLI and npm (and their versions, for the banner), and for the endpoint
 * and aws targets a target that answers with credentials it accepts in the allowed account.
 * (The emulator target starts its own emulator per scenario.) On a problem the run stops with
 * one message naming the fix, and the verdict is no-verdict: no step is listed as failed.
 */
import type { FullConfig } from '@playwright/test';
import { execa } from 'execa';
import { targetName } from '../target/names.ts';
import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BudgetError, injectedFaults, latencyBudgetMs, preflightRecordSchema, type PreflightRecord } from '../outcome/model.ts';
import { probePermissions } from '../target/aws-permissions.ts';
import { requireCodeArtifactRegion } from '../target/partition.ts';
import { openTarget } from '../target/targets.ts';
import { refusedEmulatorArgs } from '../target/emulator-process.ts';
import { ConfigError, loadConfig, type HarnessConfig } from './config.ts';
import { InfrastructureError } from './errors.ts';
import { preflightMessage, type PreflightProblem } from './preflight-problems.ts';

/** How long preflight waits for the target: a broken setup must end in seconds. */
const TARGET_CHECK_MS = 5_000;
/** A slow `--version` (aws CLI v1 on a loaded machine) is not a broken setup: the version is then unknown. */
const VERSION_WAIT_MS = 6_000;

/** Where a binary is, as the CLIs will be started: a path, or a name on PATH. */
function locate(binary: string, env: NodeJS.ProcessEnv): { path?: string; code?: 'ENOENT' | 'EACCES' } {
  const candidates = binary.includes('/')
    ? [binary]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, binary));
  let code: 'ENOENT' | 'EACCES' = 'ENOENT';
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.F_OK);
    } catch {
      continue;
    }
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return { path: candidate };
    } catch {
      code = 'EACCES';
    }
  }
  return { code };
}

export interface Preflight {
  config?: HarnessConfig;
  budgetMs?: number;
  record: PreflightRecord;
  problems: PreflightProblem[];
}

export const INSTALL_AWS_CLI =
  'Install the AWS CLI (v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html or `apt-get install awscli`; v1: `pip install awscli`), or set AWS_CLI to its path.';
export const INSTALL_NPM = 'Install Node.js 20.18+ with npm (https://nodejs.org/en/download), or set CONFORMANCE_NPM to the npm binary.';

const firstLine = (text: string | undefined) =>
  (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .find(Boolean) ?? '';

/**
 * Finds the binary (at once: a missing or non-executable one is the common broken setup), then
 * asks `<binary> --version` for the banner. A problem names the binary, the variable that chose
 * it and how to install it.
 */
export async function checkTool(
  binary: string,
  what: string,
  variable: string,
  install: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ version?: string; problem?: PreflightProblem }> {
  const chosen = `${variable}=${binary}${env[variable] ? '' : ' (the default)'}`;
  const found = locate(binary, env);
  if (found.code === 'ENOENT') return { problem: { text: `${what} "${binary}" was not found (${chosen}).`, hint: install } };
  if (found.code === 'EACCES') return { problem: { text: `${what} "${binary}" is not executable (${chosen}).`, hint: install } };
  const r = await execa(found.path!, ['--version'], { reject: false, env, timeout: VERSION_WAIT_MS, stdin: 'ignore' });
  if (r.timedOut) return {};
  if (r.exitCode === undefined)
    return { problem: { text: `${what} "${binary}" could not run (${chosen}): ${firstLine(r.shortMessage)}.`, hint: install } };
  const out = `${String(r.stdout ?? '')}\n${String(r.stderr ?? '')}`;
  if (r.exitCode !== 0)
    return {
      problem: { text: `${binary} --version exited with code ${r.exitCode} (${chosen}): ${firstLine(out) || 'no output'}.`, hint: install },
    };
  return { version: firstLine(out) };
}

function withTimeout<T>(promise: Promise<T>, ms: number, problem: InfrastructureError): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(problem), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Everything the suite needs before it runs; all problems are collected, so one run names each. */
export async function preflight(env: NodeJS.ProcessEnv = process.env): Promise<Preflight> {
  const record: PreflightRecord = {
    runId: env.CONFORMANCE_RUN_ID ?? 'unknown',
    target: env.CONFORMANCE_TARGET || 'emulator',
    targetDescription: targetName(env.CONFORMANCE_TARGET || 'emulator', {
      region: env.AWS_REGION || env.AWS_DEFAULT_REGION,
      endpoint: env.CONFORMANCE_ENDPOINT_URL,
    }),
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || '(not set)',
    tools: { node: process.version },
    problems: [],
  };
  const problems: PreflightProblem[] = [];
  let config: HarnessConfig;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push({ text: err.message, hint: 'Fix the variables named above.' });
    return { record: { ...record, problems }, problems };
  }
  record.runId = config.runId;
  record.target = config.target;
  record.region = config.region;
  record.targetDescription = targetName(config.target, { region: config.region, endpoint: config.endpointUrl });
  let budgetMs: number | undefined;
  try {
    budgetMs = latencyBudgetMs(config.target, env);
  } catch (err) {
    if (!(err instanceof BudgetError)) throw err;
    problems.push({ text: err.message, hint: 'Set CONFORMANCE_LATENCY_BUDGET_MS to a duration (60000, 60s, 15m), or unset it.' });
  }
  // The tools and the target at once: a broken setup must end in seconds.
  const targetCheck = (async (): Promise<PreflightProblem | undefined> => {
    if (config.target === 'emulator') {
      const args = config.emulatorArgs;
      record.targetDescription = `the project's emulator, started for each scenario${args.length ? ` with ${args.join(' ')}` : ''}`;
      record.faults = injectedFaults(args);
      if (args.length === 0) return undefined;
      // Options the emulator does not take would stop every scenario at its first step: asked once, here.
      const refused = await refusedEmulatorArgs(args);
      if (!refused) return undefined;
      return refused.exitCode === 2
        ? {
            text: `CONFORMANCE_EMULATOR_ARGS="${args.join(' ')}": the emulator does not take it: ${refused.said}`,
            hint: 'Correct CONFORMANCE_EMULATOR_ARGS (npm run emulator -- --help lists the options), or unset it.',
          }
        : {
            text: `The emulator could not check CONFORMANCE_EMULATOR_ARGS (exit code ${refused.exitCode}): ${refused.said || 'no output'}`,
            hint: `Run npm ci, then npm run emulator -- ${args.join(' ')} --check to see why.`,
          };
    }
    if (config.endpointUrl) record.endpoint = config.endpointUrl;
    try {
      const slow =
        config.target === 'aws'
          ? new InfrastructureError(
              `No AWS credentials and caller identity within ${TARGET_CHECK_MS / 1000} s (the default chain found none in the environment or profiles, and no instance or container role answered)`,
              'Configure the default credential chain (environment, profile, SSO or an OIDC role) for the account in CONFORMANCE_AWS_ACCOUNT.',
            )
          : new InfrastructureError(
              `The CodeArtifact endpoint ${config.endpointUrl} did not answer within ${TARGET_CHECK_MS / 1000} s`,
              'Start it, or check the endpoint URL, network and proxy.',
            );
      // A region without CodeArtifact is refused before anything is asked of it.
      if (config.target === 'aws') requireCodeArtifactRegion(config.region);
      const target = await withTimeout(openTarget(config), TARGET_CHECK_MS, slow);
      record.targetDescription = target.description;
      if (target.endpointUrl) record.endpoint = target.endpointUrl;
      try {
        // On AWS, the permissions that cheap read calls can show, all named at once
        // (aws/iam-policy.json has them all): a hand-scoped role that lacks one is a harness
        // problem, not the tutorial's.
        if (config.target === 'aws') {
          const client = target.codeartifact();
          try {
            const { missing } = await probePermissions(client, { region: target.region, account: target.account });
            if (missing.length > 0) {
              return {
                text: `The role lacks ${missing.flatMap((m) => m.actions).join(', ')}: ${missing.map((m) => m.message).join('; ')}`,
                hint: `${missing[0]!.fix} The whole policy the harness needs is aws/iam-policy.json (README, "Running against AWS").`,
              };
            }
          } catch {
            // Anything but a refusal (throttling, a slow answer) says nothing about permissions: the run goes on.
          } finally {
            client.destroy();
          }
        }
      } finally {
        await target.stop();
      }
      return undefined;
    } catch (err) {
      if (err instanceof InfrastructureError) return { text: err.problem, hint: err.fix };
      return {
        text: `The ${config.target} target could not be reached: ${(err as Error).message}`,
        hint: 'Check the target configuration.',
      };
    }
  })();
  const [aws, npm, targetProblem] = await Promise.all([
    checkTool(config.awsCli, 'The aws CLI', 'AWS_CLI', INSTALL_AWS_CLI, env),
    checkTool(config.npm, 'npm', 'CONFORMANCE_NPM', INSTALL_NPM, env),
    targetCheck,
  ]);
  if (aws.problem) problems.push(aws.problem);
  else if (aws.version) record.tools.aws = aws.version;
  if (npm.problem) problems.push(npm.problem);
  else if (npm.version) record.tools.npm = npm.version;
  if (targetProblem) problems.push(targetProblem);
  return { config, ...(budgetMs !== undefined ? { budgetMs } : {}), record: { ...record, problems }, problems };
}

export const preflightFile = (reportsDir: string) => join(reportsDir, 'preflight.json');

/** Which projects this Playwright run selected (none named: all of them). */
function selectedProjects(argv: string[]): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a.startsWith('--project=')) out.push(a.slice('--project='.length));
    else if (a === '--project' && argv[i + 1]) out.push(argv[i + 1]!);
  });
  return out;
}

/** Playwright's globalSetup: preflight when the run includes the tutorial (not for the harness's own tests). */
export default async function globalSetup(_config: FullConfig): Promise<void> {
  const projects = selectedProjects(process.argv);
  const runsTutorial = projects.length === 0 || projects.some((p) => p.startsWith('conformance') || p.startsWith('matrix:'));
  if (!runsTutorial || process.argv.includes('--list')) return;
  const reports = process.env.CONFORMANCE_REPORTS_DIR ?? 'reports';
  const started = Date.now();
  const result = await preflight(process.env);
  mkdirSync(reports, { recursive: true });
  const record = { ...result.record, durationMs: Date.now() - started };
  writeFileSync(preflightFile(reports), `${JSON.stringify(preflightRecordSchema.parse(record), null, 2)}\n`);
  if (result.problems.length > 0) {
    const err = new Error(preflightMessage(result.problems));
    // The message is the whole story: a stack trace would hide it.
    err.stack = err.message;
    err.name = 'PreflightError';
    throw err;
  }
}
