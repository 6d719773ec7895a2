/**
 * The verdict's rules, on small fabricated outcomes: one rule for a scenario, a run, a matrix;
 * the gate's exit code is the verdict; gate.md carries the run id, target and links and no
 * secret; summary.json is refused when it does not match the schema or is another run's.
 * (The same rules run for real, end to end, in verdict.spec.ts.)
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, renderMarkdown } from '../../helpers/gate/gate.ts';
import {
  SUMMARY_SCHEMA_VERSION,
  decideRun,
  decideScenario,
  injectedFaults,
  latencyBudgetMs,
  scenarioProblems,
  type ScenarioOutcome,
  type StepKind,
  type StepOutcome,
  type Summary,
} from '../../helpers/outcome/model.ts';
import { loadConfig } from '../../helpers/run/config.ts';
import { readSummaryFile } from '../../helpers/report/summary-json.ts';
import { preflight } from '../../helpers/run/preflight.ts';
import { expect, test } from './fixtures.ts';
import { parentEnv, PLAYWRIGHT_CLI, ROOT } from './nested-run.ts';

const step = (id: string, kind: StepKind, extra: Partial<StepOutcome> = {}): StepOutcome => ({
  id,
  title: `7. ${id}`,
  kind,
  durationMs: 1,
  ...extra,
});
const clean: {
  leftovers: string[];
  cleanup: { removed: string[]; left: string[]; failed: { resource: string; error: string }[] };
  latency: { installMs?: number; visibleAfterMs?: number };
} = {
  leftovers: [],
  cleanup: { removed: ['domain d'], left: [], failed: [] },
  latency: { installMs: 500, visibleAfterMs: 700 },
};

function scenario(steps: StepOutcome[], given: typeof clean | null = clean, extra: Partial<ScenarioOutcome> = {}): ScenarioOutcome {
  const record = given ?? undefined;
  const problems = scenarioProblems(steps, record, 60_000);
  return {
    runId: 'run1',
    project: 'conformance',
    scenario: 'tutorial',
    scenarioTitle: 't',
    target: 'emulator',
    targetDescription: 'e',
    region: 'us-east-1',
    tools: { node: 'v20' },
    latency: record?.latency ?? {},
    leftovers: record?.leftovers ?? [],
    cleanup: record?.cleanup ?? { removed: [], left: [], failed: [] },
    steps,
    problems,
    ...decideScenario(steps, problems),
    ...extra,
  };
}

function summaryOf(runs: ScenarioOutcome[]): Summary {
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    runId: 'run1',
    generatedAt: new Date().toISOString(),
    ...decideRun(runs, []),
    target: 'emulator',
    targetDescription: 'e',
    region: 'us-east-1',
    tools: { node: 'v20' },
    faults: [],
    latencyBudgetMs: 60_000,
    steps: runs[0]?.steps ?? [],
    latency: {},
    leftovers: [],
    cleanup: { removed: [], left: [], failed: [] },
    runs,
    problems: [],
  };
}

test('a scenario: passed, failed, no verdict, by kind and never by message', () => {
  expect(scenario([step('a', 'passed')]).verdict).toBe('passed');
  expect(scenario([step('a', 'passed'), step('b', 'known-issue'), step('c', 'not-run')]).verdict).toBe('passed');
  // An observed text that reads like infrastructure does not make a conformance failure one.
  expect(scenario([step('a', 'conformance-failure', { observed: 'ECONNREFUSED: the endpoint is unreachable' })]).verdict).toBe('failed');
  expect(scenario([step('a', 'infrastructure-problem', { observed: 'did not work. Expected: x' })]).verdict).toBe('no-verdict');
  expect(scenario([step('a', 'interrupted')]).verdict).toBe('no-verdict');
  // A harness problem outweighs a failure of the tutorial: the run could not judge.
  expect(scenario([step('a', 'conformance-failure'), step('b', 'infrastructure-problem')]).verdict).toBe('no-verdict');
});

test('leftovers, clean-up failures and latency over budget fail a run whose steps passed', () => {
  expect(scenario([step('a', 'passed')], { ...clean, leftovers: ['cc-x'] }).verdict).toBe('failed');
  expect(
    scenario([step('a', 'passed')], { ...clean, cleanup: { removed: [], left: [], failed: [{ resource: 'domain d', error: 'x' }] } })
      .verdict,
  ).toBe('failed');
  const slow = scenario([step('a', 'passed')], { ...clean, latency: { installMs: 500, visibleAfterMs: 60_001 } });
  expect([slow.verdict, slow.reason]).toEqual([
    'failed',
    'latency: the time until lodash was listed after the install took 60001 ms, over the 60 s budget',
  ]);
  // Steps ran but no record of this run: its leftovers are unknown.
  expect(scenario([step('a', 'passed')], null).verdict).toBe('no-verdict');
});

test('several scenarios or cells: one verdict by the same rule', () => {
  const pass = scenario([step('a', 'passed')]);
  const fail = scenario([step('a', 'conformance-failure')], clean, { project: 'matrix:x', cell: { id: 'x' } });
  const infra = scenario([step('a', 'infrastructure-problem', { hint: 'install it' })]);
  expect(decideRun([pass, pass], []).verdict).toBe('passed');
  expect(decideRun([pass, fail], []).verdict).toBe('failed');
  expect(decideRun([pass, fail], []).reason).toMatch(/^matrix cell x: /);
  expect(decideRun([fail, infra], [])).toMatchObject({ verdict: 'no-verdict', hint: 'install it' });
  expect(decideRun([], []).verdict).toBe('no-verdict');
  expect(decideRun([pass], [{ verdict: 'no-verdict', text: 'the run was interrupted', hint: 'again' }]).verdict).toBe('no-verdict');
});

test("the gate's exit code is the verdict; no summary of this run is no verdict", () => {
  const pass = summaryOf([scenario([step('a', 'passed')])]);
  const fail = summaryOf([scenario([step('a', 'conformance-failure')])]);
  expect(evaluate(pass, { runId: 'run1' }).exitCode).toBe(0);
  expect(evaluate(fail, { runId: 'run1' }).exitCode).toBe(1);
  expect(evaluate(undefined, { runId: 'run1' }).exitCode).toBe(2);
  expect(evaluate(pass, { runId: 'run1', interrupted: true }).exitCode).toBe(2);
});

test("summary.json is read only when it matches the schema and is this run's", ({ scratch }) => {
  const dir = scratch.dir('cc-summary-');
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summaryOf([scenario([step('a', 'passed')])])));
  expect(readSummaryFile(dir, 'run1')?.verdict).toBe('passed');
  expect(readSummaryFile(dir, 'another-run')).toBeUndefined();
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ verdict: 'passed', runs: [] }));
  expect(readSummaryFile(dir)).toBeUndefined();
});

test('gate.md: verdict, run id, target, links, faults; no secret', () => {
  const summary = {
    ...summaryOf([scenario([step('a', 'conformance-failure', { observed: 'token s3cr3t-value rejected' })])]),
    faults: ['reject-tokens'],
  };
  const md = renderMarkdown(evaluate(summary, { runId: 'run1' }), ['s3cr3t-value'], { docs: 'docs/index.html' });
  expect(md).toContain('<!-- verdict: failed -->');
  expect(md).toContain('run id: `run1`');
  expect(md).toContain('target: emulator');
  expect(md).toContain('[docs page](docs/index.html)');
  expect(md).toContain('Injected emulator faults:** reject-tokens');
  expect(md).not.toContain('s3cr3t-value');
});

test('injected faults are read from CONFORMANCE_EMULATOR_ARGS; the latency budget from its variable', () => {
  expect(
    injectedFaults(loadConfig({ CONFORMANCE_EMULATOR_ARGS: '--fault reject-tokens --ingestion-delay 5 --fault=throttle=*' }).emulatorArgs),
  ).toEqual(['reject-tokens', 'throttle=*']);
  expect(injectedFaults(loadConfig({}).emulatorArgs)).toEqual([]);
  expect(latencyBudgetMs('aws', {})).toBe(900_000);
  expect(latencyBudgetMs('emulator', { CONFORMANCE_LATENCY_BUDGET_MS: '2000' })).toBe(2000);
  expect(latencyBudgetMs('emulator', { CONFORMANCE_LATENCY_BUDGET_MS: '2s' })).toBe(2000);
  expect(() => latencyBudgetMs('emulator', { CONFORMANCE_LATENCY_BUDGET_MS: '2 seconds' })).toThrow(
    /CONFORMANCE_LATENCY_BUDGET_MS="2 seconds"/,
  );
});

test('preflight names the problem and the fix within seconds (aws CLI missing, endpoint unreachable)', async () => {
  const started = Date.now();
  const result = await preflight({
    ...process.env,
    CONFORMANCE_RUN_ID: 'pre1',
    AWS_CLI: '/nonexistent',
    CONFORMANCE_TARGET: 'endpoint',
    CONFORMANCE_ENDPOINT_URL: 'http://127.0.0.1:9',
  });
  const ms = Date.now() - started;
  expect(result.problems.map((p) => p.text)).toEqual([
    'The aws CLI "/nonexistent" was not found (AWS_CLI=/nonexistent).',
    expect.stringMatching(/^The CodeArtifact endpoint http:\/\/127\.0\.0\.1:9 is unreachable/),
  ]);
  for (const p of result.problems) expect(p.hint.length).toBeGreaterThan(10);
  expect(ms, `preflight took ${ms} ms`).toBeLessThan(10_000);
});

test('preflight asks the emulator about CONFORMANCE_EMULATOR_ARGS: an option it does not take is named, with the fix, before any scenario starts', async () => {
  const wrong = await preflight({
    ...parentEnv(),
    CONFORMANCE_RUN_ID: 'pre2',
    CONFORMANCE_EMULATOR_ARGS: '--fault reject-tokens --fault nope',
  });
  expect(wrong.problems).toEqual([
    {
      text: expect.stringMatching(
        /^CONFORMANCE_EMULATOR_ARGS="--fault reject-tokens --fault nope": the emulator does not take it: --fault: unknown fault 'nope'\. Known faults: /,
      ),
      hint: 'Correct CONFORMANCE_EMULATOR_ARGS (npm run emulator -- --help lists the options), or unset it.',
    },
  ]);
  const right = await preflight({
    ...parentEnv(),
    CONFORMANCE_RUN_ID: 'pre3',
    CONFORMANCE_EMULATOR_ARGS: '--fault reject-tokens --upstream-ttl 0',
  });
  expect(right.problems).toEqual([]);
  expect(right.record.faults).toEqual(['reject-tokens']);
  expect(right.record.targetDescription).toContain('with --fault reject-tokens --upstream-ttl 0');
});

test("the console's verdict is the tutorial's runs', and a failed test of the project's own is named beside it, not folded into it", async ({
  scratch,
}) => {
  // A real Playwright run with the console reporter alone: one passing tutorial step (a test with
  // a step id), one failing test of the project's own, and this run's summary.json, passed.
  const dir = scratch.dir('cc-console-own-');
  const reports = join(dir, 'reports');
  mkdirSync(reports);
  writeFileSync(join(reports, 'summary.json'), JSON.stringify(summaryOf([scenario([step('a', 'passed')])])));
  const playwright = JSON.stringify(join(ROOT, 'node_modules', '@playwright', 'test', 'index.js'));
  writeFileSync(
    join(dir, 'own.spec.ts'),
    `import { expect, test } from ${playwright};
test('7. a tutorial step', { annotation: [{ type: 'step-id', description: 'a' }] }, () => {});
test('an own test that fails', () => expect(1).toBe(2));
`,
  );
  writeFileSync(
    join(dir, 'own.config.ts'),
    `export default { testDir: ${JSON.stringify(dir)}, reporter: [[${JSON.stringify(join(ROOT, 'helpers/report/console.ts'))}]], workers: 1 };\n`,
  );
  const run = await execa(process.execPath, [PLAYWRIGHT_CLI, 'test', '--config', join(dir, 'own.config.ts')], {
    cwd: ROOT,
    env: { ...parentEnv(), CONFORMANCE_REPORTS_DIR: reports, CONFORMANCE_RUN_ID: 'run1' },
    reject: false,
    all: true,
  });
  const lines = String(run.all).trimEnd().split('\n');
  expect(run.exitCode, String(run.all)).toBe(1);
  expect(lines.slice(-4), String(run.all)).toEqual([
    'Verdict: PASSED (passed): every step passed, nothing was left behind and the latency is within budget',
    "  The verdict covers the tutorial only; 1 of the project's own tests failed too: an own test that fails",
    expect.stringMatching(/^Reports: /),
    '1 passed, 1 failed, 0 skipped',
  ]);
});

test("`playwright test --list` lists the tests and says no verdict: no preflight, and the last run's reports stay", async ({ scratch }) => {
  const reports = scratch.dir('cc-list-reports-');
  const earlier = { 'summary.json': '{"an earlier run\'s summary": true}\n', 'junit.xml': '<testsuites name="an earlier run"/>\n' };
  for (const [name, text] of Object.entries(earlier)) writeFileSync(join(reports, name), text);
  const run = await execa(process.execPath, [PLAYWRIGHT_CLI, 'test', '--list', '--project=conformance'], {
    cwd: ROOT,
    env: { ...parentEnv(), CONFORMANCE_REPORTS_DIR: reports },
    reject: false,
    all: true,
  });
  expect(run.exitCode, run.all).toBe(0);
  expect(run.stdout).toContain('[conformance] › scenarios/tutorial.ts:');
  expect(run.stdout).toMatch(/^Total: 31 tests in 2 files$/m);
  expect(run.stdout).not.toContain('Verdict:');
  expect(run.stdout).not.toMatch(/\d+ passed, \d+ failed/);
  for (const [name, text] of Object.entries(earlier)) expect(readFileSync(join(reports, name), 'utf8'), name).toBe(text);
  for (const name of ['preflight.json', 'allure-results', 'html', 'docs'])
    expect(existsSync(join(reports, name)), `${name} after a listing`).toBe(false);
});
