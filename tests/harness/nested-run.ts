/**
 * Runs the conformance suite the way a user does (`npx playwright test --project=conformance`)
 * in a child process, with its own reports folder, and reads what it wrote.
 *
 * Two things cost CPU in every nested run without being what the tests look at: npx's own
 * start-up (Playwright's CLI runs directly, as npx would run it) and pyenv's shim in front of
 * every aws CLI v1 call (the CLI the shim would run is passed as AWS_CLI, unless the test names
 * one; the runner shows it as `aws` all the same).
 */
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSummaryFile } from '../../helpers/report/summary-json.ts';
import type { Summary } from '../../helpers/outcome/model.ts';
import { awsV1Bin } from '../support/pyenv.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PLAYWRIGHT_CLI = join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js');

/** The environment of a nested run: the aws CLI v1 without pyenv's shim, unless AWS_CLI is set. */
export function nestedEnv(env: Record<string, string>): Record<string, string> {
  return env.AWS_CLI ? env : { ...env, AWS_CLI: awsV1Bin() };
}

/**
 * This process's environment, for a nested run to start from: without this run's id, emulator
 * arguments and target, which a nested run gets of its own (they would otherwise be inherited).
 */
export function parentEnv(): Record<string, string> {
  const {
    CONFORMANCE_RUN_ID: _ours,
    CONFORMANCE_EMULATOR_ARGS: _args,
    CONFORMANCE_TARGET: _target,
    ...inherited
  } = process.env as Record<string, string>;
  return inherited;
}

export interface NestedRun {
  exitCode: number;
  output: string;
  reportsDir: string;
  /** This run's summary.json, validated against the schema (undefined: missing or invalid). */
  summary: Summary | undefined;
}

export interface GateRun extends NestedRun {
  /** The run id the gate gave the suite. */
  runId: string;
  /** gate.md, as the gate wrote it. */
  gateMd: string | undefined;
  durationMs: number;
}

/**
 * Runs `npm run gate -- <args>` (scripts/gate.ts) in a process group of its own, with its own reports folder. With `interruptOn`, the gate gets SIGINT as a
 * terminal's Ctrl-C would send it, as soon as its output shows that marker (never after a sleep).
 */
export async function runGate(
  env: Record<string, string>,
  args: string[],
  interruptOn?: RegExp,
  reportsDir = mkdtempSync(join(tmpdir(), 'cc-gate-reports-')),
): Promise<GateRun> {
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const started = Date.now();
  // The gate's own process (no npx or tsx wrapper in between), so that a signal reaches it as
  // a terminal's Ctrl-C would: the gate keeps the suite in a process group of its own.
  const child = execa(process.execPath, ['--import', 'tsx', 'scripts/gate.ts', '--', ...args], {
    cwd: ROOT,
    env: {
      ...nestedEnv(env),
      CONFORMANCE_REPORTS_DIR: reportsDir,
      CONFORMANCE_RUN_ID: runId,
      CI: '',
      GITHUB_STEP_SUMMARY: join(reportsDir, 'step-summary.md'),
    },
    reject: false,
    all: true,
    detached: true,
  });
  if (interruptOn) {
    let sent = false;
    let seen = '';
    child.all?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (!sent && interruptOn.test(seen)) {
        sent = true;
        process.kill(child.pid!, 'SIGINT');
      }
    });
  }
  const result = await child;
  let gateMd: string | undefined;
  try {
    gateMd = readFileSync(join(reportsDir, 'gate.md'), 'utf8');
  } catch {
    gateMd = undefined;
  }
  return {
    exitCode: result.exitCode ?? 1,
    output: String(result.all ?? ''),
    reportsDir,
    summary: readSummaryFile(reportsDir),
    runId,
    gateMd,
    durationMs: Date.now() - started,
  };
}

/**
 * Starts `npx playwright test` on the conformance specs. `reportsDir`: where its reports go; the
 * harness's tests pass a folder of their `scratch`, which goes with the test unless it failed.
 */
export function startNestedRun(
  env: Record<string, string>,
  specs: string[] = ['tests/conformance/tutorial.spec.ts'],
  projects: string[] = ['conformance'],
  reportsDir = mkdtempSync(join(tmpdir(), 'cc-nested-reports-')),
): { process: ResultPromise; reportsDir: string } {
  const child = execa(process.execPath, [PLAYWRIGHT_CLI, 'test', ...projects.map((p) => `--project=${p}`), ...specs], {
    cwd: ROOT,
    env: { ...nestedEnv(env), CONFORMANCE_REPORTS_DIR: reportsDir, CI: '' },
    reject: false,
    all: true,
    detached: true,
  });
  return { process: child, reportsDir };
}

export async function runNested(
  env: Record<string, string>,
  specs?: string[],
  projects?: string[],
  reportsDir?: string,
): Promise<NestedRun> {
  const nested = startNestedRun(env, specs, projects, reportsDir);
  const result = await nested.process;
  return {
    exitCode: result.exitCode ?? 1,
    output: String(result.all ?? ''),
    reportsDir: nested.reportsDir,
    summary: readSummary(nested.reportsDir),
  };
}

export function readSummary(reportsDir: string): NestedRun['summary'] {
  return readSummaryFile(reportsDir);
}

/** Every file under a folder, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/**
 * The text of every file under a folder, including what the Playwright HTML report keeps
 * zipped inside index.html, so that a scan for secrets sees everything a reader could.
 */
export async function textsUnder(dir: string): Promise<{ file: string; text: string }[]> {
  const JSZip = (await import('jszip')).default;
  const out: { file: string; text: string }[] = [];
  for (const file of filesUnder(dir)) {
    const text = readFileSync(file).toString('latin1');
    out.push({ file, text });
    const embedded = /data:application\/zip;base64,([A-Za-z0-9+/=]+)/.exec(text)?.[1];
    if (embedded) {
      const zip = await JSZip.loadAsync(Buffer.from(embedded, 'base64'));
      for (const entry of Object.values(zip.files)) {
        if (!entry.dir) out.push({ file: `${file}!${entry.name}`, text: await entry.async('string') });
      }
    }
  }
  return out;
}
