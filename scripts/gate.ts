/**
 * `npm run gate [-- <playwright args, e.g. tests/conformance/tutorial.spec.ts or --project=matrix:...>]`
 *
 * The release gate: runs the conformance suite exactly as `npm run conformance` does (with its
 * preflight), then exits with the run's verdict from <reports>/summary.json: 0 passed, 1 failed,
 * 2 no verdict. Writes the verdict as Markdown to <reports>/gate.md and appends it to
 * $GITHUB_STEP_SUMMARY when that is set. The rules live in helpers/outcome/model.ts.
 */
import { execa } from 'execa';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, gateSecrets, renderMarkdown, type GateLinks, type GateVerdict } from '../helpers/gate/gate.ts';
import { readSummaryFile } from '../helpers/report/summary-json.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// As playwright.config.ts and the summary reporter resolve it, from the project root.
const reportsDir = resolve(ROOT, process.env.CONFORMANCE_REPORTS_DIR ?? 'reports');
const extraArgs = process.argv.slice(2);
if (extraArgs[0] === '--') extraArgs.shift();

const log = (line: string) => process.stdout.write(`gate: ${line}\n`);

function links(): GateLinks {
  // Links relative to gate.md, only to reports this run wrote.
  const rel = (p: string) => relative(reportsDir, join(reportsDir, p)) || p;
  const out: GateLinks = {};
  if (existsSync(join(reportsDir, 'docs', 'index.html'))) out.docs = rel('docs/index.html');
  if (existsSync(join(reportsDir, 'summary.json'))) out.summary = rel('summary.json');
  if (existsSync(join(reportsDir, 'html', 'index.html'))) out.playwright = rel('html/index.html');
  if (existsSync(join(reportsDir, 'matrix', 'index.html'))) out.matrix = rel('matrix/index.html');
  return out;
}

function finish(verdict: GateVerdict): never {
  const markdown = renderMarkdown(verdict, gateSecrets(process.env), verdict.summary ? links() : {});
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

// The suite gets the gate's run id, so that only a summary.json of this run is taken for it.
const runId = process.env.CONFORMANCE_RUN_ID || `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const projects = extraArgs.some((a) => a.startsWith('--project')) ? [] : ['--project=conformance'];
const args = ['playwright', 'test', ...projects, ...extraArgs];
log(`running npx ${args.join(' ')} (run id ${runId})`);
const suite = execa('npx', args, {
  cwd: ROOT,
  env: { ...process.env, CONFORMANCE_RUN_ID: runId },
  stdio: 'inherit',
  reject: false,
  forceKillAfterDelay: false,
  // Its own process group, so that an interrupt reaches every process of the suite once, from here.
  detached: true,
});

// Ctrl-C (or a CI cancel) must not leave the run's resources behind. npx does not pass a
// signal on to Playwright, so the gate sends SIGINT to the suite's whole process group, as a
// terminal's Ctrl-C would: Playwright stops, runs the afterAll clean-up, and the gate waits.
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

await suite;
finish(
  evaluate(readSummaryFile(reportsDir, runId), {
    runId,
    target: process.env.CONFORMANCE_TARGET || 'emulator',
    interrupted,
    summaryPath: join(reportsDir, 'summary.json'),
  }),
);
