/**
 * `npm run gate [-- <playwright args, e.g. tests/conformance/tutorial.spec.ts>]`
 *
 * The release gate: preflight (configuration, aws CLI, npm, and the target for `endpoint` and
 * `aws`), then the conformance suite exactly as `npm run conformance` runs it, then a verdict
 * from <reports>/summary.json, printed as Markdown, written to <reports>/gate.md and appended
 * to $GITHUB_STEP_SUMMARY when that is set.
 *
 * Exit 0: pass. Exit 1: the tutorial does not conform (a required step failed, something was
 * left behind, or the external connection was over the latency budget). Exit 2: an
 * infrastructure problem, no verdict on the tutorial. The rules live in helpers/gate/gate.ts.
 */
import { execa } from 'execa';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  evaluate,
  gateSecrets,
  preflight,
  preflightVerdict,
  readSummary,
  renderMarkdown,
  summaryStamp,
  type GateVerdict,
} from '../helpers/gate/gate.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// As playwright.config.ts and the summary reporter resolve it, from the project root.
const reportsDir = resolve(ROOT, process.env.CONFORMANCE_REPORTS_DIR ?? 'reports');
const extraArgs = process.argv.slice(2);
if (extraArgs[0] === '--') extraArgs.shift();

const log = (line: string) => process.stdout.write(`gate: ${line}\n`);

function finish(verdict: GateVerdict, secrets: string[]): never {
  const markdown = renderMarkdown(verdict, secrets);
  process.stdout.write(`\n${markdown}`);
  try {
    mkdirSync(reportsDir, { recursive: true });
    writeFileSync(join(reportsDir, 'gate.md'), markdown);
  } catch (err) {
    process.stderr.write(`gate: could not write ${join(reportsDir, 'gate.md')}: ${(err as Error).message}\n`);
  }
  const stepSummary = process.env.GITHUB_STEP_SUMMARY;
  if (stepSummary) {
    try {
      appendFileSync(stepSummary, `${markdown}\n`);
    } catch (err) {
      process.stderr.write(`gate: could not append to GITHUB_STEP_SUMMARY (${stepSummary}): ${(err as Error).message}\n`);
    }
  }
  process.exit(verdict.exitCode);
}

log('preflight');
const pre = await preflight(process.env, (line) => log(`  ${line}`));
const secrets = gateSecrets(process.env, pre.config);
if (!pre.config || pre.problems.length > 0 || pre.budgetMs === undefined) {
  finish(preflightVerdict(pre.problems, pre.config?.target, pre.budgetMs), secrets);
}
const { config, budgetMs } = pre as Required<typeof pre>;

// The suite gets the preflight's run id, so a run record carrying another one is recognised as
// an earlier run's; summary.json from before this run is recognised by its stamp.
const before = summaryStamp(reportsDir);
const args = ['playwright', 'test', '--project=conformance', ...extraArgs];
log(`running npx ${args.join(' ')} on the ${config.target} target (run id ${config.runId})`);
const suite = execa('npx', args, {
  cwd: ROOT,
  env: { ...process.env, CONFORMANCE_RUN_ID: config.runId },
  stdio: 'inherit',
  reject: false,
  forceKillAfterDelay: false,
  // Its own process group, so that an interrupt reaches every process of the suite once, from here.
  detached: true,
});

// Ctrl-C (or a CI cancel) must not leave the run's resources behind. npx does not pass a
// signal on to Playwright, so the gate sends SIGINT to the suite's whole process group, as a
// terminal's Ctrl-C would: Playwright stops, runs the afterAll clean-up (its workers ignore the
// signal; ScenarioRun starts undoing at once), and the gate waits for it. A second interrupt,
// a second or more later, makes Playwright give up at once, as it does in a terminal.
let interrupted = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (!interrupted) log(`${signal}: stopping the suite; it cleans up before it ends`);
  interrupted = true;
  try {
    if (suite.pid !== undefined) process.kill(-suite.pid, 'SIGINT');
  } catch {
    // The suite has ended already.
  }
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const result = await suite;
const summaryPath = join(reportsDir, 'summary.json');
const verdict = evaluate(readSummary(reportsDir, before), {
  budgetMs,
  target: config.target,
  runId: config.runId,
  ...(result.exitCode !== undefined ? { suiteExitCode: result.exitCode } : {}),
  ...(result.signal ? { suiteSignal: result.signal } : {}),
  interrupted,
  summaryPath,
});
finish(verdict, secrets);
