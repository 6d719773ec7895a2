import { defineConfig, type ReporterDescription } from '@playwright/test';
import type { TestResult as AllureTestResult } from 'allure-js-commons';
import { accessSync, constants, rmSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { listingOnly } from './helpers/report/listing.ts';
import { matrix } from './scenarios/matrix-cells.ts';

/**
 * Projects by target and tool cell; reporters. All logic lives in helpers/.
 * One run id for the whole run: workers inherit it from this process's environment.
 */
// Node 20 is this project's runtime by design; the SDK's notice about Node 22 is noise in every test.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.CONFORMANCE_RUN_ID ??= `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const reports = process.env.CONFORMANCE_REPORTS_DIR ?? 'reports';

/** Where a binary named on the command line lives, for the Allure environment (no secrets there). */
function whichBinary(bin: string): string {
  if (bin.includes('/')) return resolve(bin);
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return join(dir, bin);
    } catch {
      // not in this folder
    }
  }
  return `${bin} (not found on PATH)`;
}

// allure-playwright adds to allure-results and never empties it: the runner (not its workers,
// whose argv is Playwright's worker entry) starts it empty, so that the Allure report shows this
// run; the earlier runs come in through the report's history.
const listing = listingOnly();
if (process.argv[2] === 'test' && !listing) rmSync(`${reports}/allure-results`, { recursive: true, force: true });

const target = process.env.CONFORMANCE_TARGET || 'emulator';
// Allure's failure categories come from each step's outcome kind (a label the runner sets), never
// from message text: see ALLURE_CATEGORIES in helpers/outcome/model.ts and scripts/report-allure.ts.
// On the emulator target the suite runs the tutorial on both of the emulator's runtimes: the
// conformance projects on the local process (unless CONFORMANCE_EMULATOR_RUNTIME asks for
// another), the conformance-container projects in a container.
const processUnlessAsked = target === 'emulator' && !process.env.CONFORMANCE_EMULATOR_RUNTIME ? { emulatorRuntime: 'process' } : {};
/** Harness specs that run the suite nested, many times over: minutes each (npm run test:e2e). */
const HARNESS_E2E = [
  '**/verdict.spec.ts',
  '**/sigkill.spec.ts',
  '**/nightly.spec.ts',
  '**/shard-merge.spec.ts',
  '**/mutation.spec.ts',
  '**/container.spec.ts',
  '**/cleanup.spec.ts',
  '**/matrix-user-config.spec.ts',
  '**/aws-gate.spec.ts',
];
const inContainer = { emulatorRuntime: 'container', skipWithoutContainerEngine: true };

export default defineConfig({
  timeout: 60_000,
  workers: 2,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  // Preflight (tools, credentials, target, account guard) before any step: helpers/run/preflight.ts.
  globalSetup: './helpers/run/preflight.ts',
  // Traces of failed steps, kept beside the reports so that the docs page can link them.
  use: { trace: 'retain-on-failure' },
  outputDir: `${reports}/test-results`,
  // `--list` runs nothing: the console lists the tests, and no reporter touches the last run's reports.
  reporter: listing
    ? [['./helpers/report/console.ts']]
    : [
        // The outcome reporter first: the console reads the verdict it wrote.
        ['./helpers/report/summary-json.ts'],
        ['./helpers/report/console.ts'],
        ['html', { outputFolder: `${reports}/html`, open: 'never' }],
        ['junit', { outputFile: `${reports}/junit.xml` }],
        // On GitHub Actions, failures as annotations on the pull request's lines.
        ...(process.env.GITHUB_ACTIONS === 'true' ? [['github'] satisfies ReporterDescription] : []),
        // A shard (`--shard=i/n`) leaves its blob for scripts/merge-matrix.ts, which merges the shards into one report.
        ...(process.argv.some((a) => a.startsWith('--shard'))
          ? [['blob', { outputDir: `${reports}/blob-report` }] satisfies ReporterDescription]
          : []),
        [
          'allure-playwright',
          {
            resultsDir: `${reports}/allure-results`,
            // Only the tutorial's own steps (test.step) and attachments, not Playwright's fixtures and hooks.
            detail: false,
            environmentInfo: {
              target,
              region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || (target === 'aws' ? '(not set)' : 'us-east-1'),
              'run id': process.env.CONFORMANCE_RUN_ID,
              'node version': process.version,
              // the `conformance` project's CLI, and the one `conformance-aws-cli-v2` always uses
              'aws CLI': whichBinary(process.env.AWS_CLI || 'aws'),
              'aws CLI v2': '/usr/bin/aws',
            },
            listeners: [
              {
                // allure-playwright shows each Playwright annotation as a step; the runner's bookkeeping
                // ones (serial mode, scenario, step id) become labels, so the steps read as the tutorial.
                beforeTestResultWrite(result: AllureTestResult) {
                  const bookkeeping = /^(serial|scenario|step-id|step-location|outcome-kind): ([\s\S]*)$/;
                  const labels = new Map<string, string>();
                  for (const step of result.steps) {
                    const m = bookkeeping.exec(step.name ?? '');
                    // The last outcome-kind is the step's (a known issue follows its failure).
                    if (m && m[1] !== 'serial') labels.set(m[1]!, m[2]!);
                  }
                  for (const [name, value] of labels) result.labels.push({ name, value });
                  result.steps = result.steps.filter((step) => !bookkeeping.test(step.name ?? ''));
                },
              },
            ],
          },
        ],
      ],
  // Playwright hands out test files in the order of the projects: the long serial files first
  // (the harness's own tests, whose longest is evidence.spec's two nested runs, then the
  // tutorial's scenarios), the many short emulator contract files last, so that no long file
  // starts last and leaves the other workers idle at the end.
  projects: [
    // The harness's own behaviour: it fails where it should, cleans up, keeps secrets. The specs
    // that run the whole suite nested many times over are `harness-e2e` (npm run test:e2e).
    { name: 'harness', testDir: 'tests/harness', timeout: 300_000, testIgnore: HARNESS_E2E },
    // The tutorial with the aws CLI the user names (AWS_CLI, default `aws` on PATH)...
    { name: 'conformance', testDir: 'tests/conformance', metadata: { awsCli: process.env.AWS_CLI ?? 'aws', ...processUnlessAsked } },
    // ...and always also with aws CLI v2 from Debian, so `npm test` covers both majors.
    { name: 'conformance-aws-cli-v2', testDir: 'tests/conformance', metadata: { awsCli: '/usr/bin/aws', ...processUnlessAsked } },
    // Both again with the emulator in a container; they skip, saying why, where no engine answers.
    ...(target === 'emulator'
      ? [
          {
            name: 'conformance-container',
            testDir: 'tests/conformance',
            metadata: { awsCli: process.env.AWS_CLI ?? 'aws', ...inContainer },
          },
          { name: 'conformance-container-aws-cli-v2', testDir: 'tests/conformance', metadata: { awsCli: '/usr/bin/aws', ...inContainer } },
        ]
      : []),
    // The emulator's contract: many short files, handed out last.
    { name: 'emulator-contract', testDir: 'tests/emulator' },
    { name: 'harness-e2e', testDir: 'tests/harness', timeout: 600_000, testMatch: HARNESS_E2E },
    // The CLI-version matrix: one project per cell (scenarios/matrix-cells.ts), selecting the
    // cell's tests by its tag; `npm run matrix -- <filter>` picks cells by name.
    ...matrix.map((cell) => ({
      name: `matrix:${cell.id}`,
      testDir: 'tests/matrix',
      grep: new RegExp(`@${cell.id}(?![\\w-])`),
      metadata: { cell: cell.id },
    })),
  ],
});
