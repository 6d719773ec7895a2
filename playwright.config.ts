import { defineConfig, type ReporterDescription } from '@playwright/test';
import type { TestResult as AllureTestResult } from 'allure-js-commons';
import { accessSync, constants, rmSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
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
if (process.argv[2] === 'test' && !process.argv.includes('--list')) rmSync(`${reports}/allure-results`, { recursive: true, force: true });

const target = process.env.CONFORMANCE_TARGET || 'emulator';
/**
 * Allure failure categories, by what the harness's errors say (helpers/run/scenario-runner.ts
 * StepFailure "... did not work. Expected: ... What happened: ...", helpers/run/errors.ts
 * InfrastructureError, helpers/run/config.ts ConfigError). Allure 3 gives a failure the first
 * category that matches, so the order matters. The patterns match the whole message both as
 * Allure 2 reads them (full match) and as Allure 3 does (search); scripts/report-allure.ts
 * hands the same list to Allure 3 from allure-results/categories.json.
 */
const failureCategories = [
  ['Infrastructure: configuration', String.raw`ConfigError|The harness configuration is not valid`],
  [
    'Infrastructure: no credentials',
    String.raw`No AWS credentials were found|did not accept the credentials|refuses to create resources in an account|Unable to locate credentials|ExpiredToken|InvalidClientTokenId|UnrecognizedClientException`,
  ],
  [
    'Infrastructure: target unreachable',
    String.raw`is unreachable|did not start|did not finish in time|Could not connect to the endpoint URL|ECONNREFUSED|ENOTFOUND|EAI_AGAIN`,
  ],
  // A CLI that is not there exits without a word (execa's ENOENT) or with the shell's 127.
  ['Infrastructure: missing tool', String.raw`(aws|npm) exited with code \d+:\s*$|exited with code 127|spawn \S+ ENOENT|command not found`],
  ['Emulator gap', String.raw`UNKNOWN_OPERATION|does not implement`],
  ['Product regression (known issue)', String.raw`[Kk]nown issue`],
  // The tutorial's command itself failed.
  ['CLI regression', String.raw`What happened: (aws|npm) exited with code \d+`],
  // The command worked, but what it left is not what the tutorial says.
  ['Tutorial drift', String.raw`did not work\.[\s\S]*What happened: (?!(aws|npm) exited with code)`],
  ['Infrastructure: other', String.raw`InfrastructureError`],
].map(([name, pattern]) => ({ name, messageRegex: String.raw`[\s\S]*(${pattern})[\s\S]*`, matchedStatuses: ['failed', 'broken'] }));

export default defineConfig({
  timeout: 60_000,
  workers: 2,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  // A nested run (the harness's own tests run the suite) keeps its output beside its reports.
  outputDir: process.env.CONFORMANCE_REPORTS_DIR ? `${reports}/test-results` : 'test-results',
  reporter: [
    ['list'],
    ['html', { outputFolder: `${reports}/html`, open: 'never' }],
    ['junit', { outputFile: `${reports}/junit.xml` }],
    ['./helpers/report/summary-json.ts'],
    ['./helpers/report/summary-line.ts'],
    // On GitHub Actions, failures as annotations on the pull request's lines.
    ...(process.env.GITHUB_ACTIONS === 'true' ? [['github'] satisfies ReporterDescription] : []),
    // A shard (`--shard=i/n`) leaves its blob for scripts/merge-matrix.ts, which merges the shards into one report.
    ...(process.argv.some((a) => a.startsWith('--shard')) ? [['blob', { outputDir: `${reports}/blob-report` }] satisfies ReporterDescription] : []),
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
        categories: failureCategories,
        listeners: [
          {
            // allure-playwright shows each Playwright annotation as a step; the runner's bookkeeping
            // ones (serial mode, scenario, step id) become labels, so the steps read as the tutorial.
            beforeTestResultWrite(result: AllureTestResult) {
              const bookkeeping = /^(serial|scenario|step-id): ([\s\S]*)$/;
              for (const step of result.steps) {
                const m = bookkeeping.exec(step.name ?? '');
                if (m && m[1] !== 'serial') result.labels.push({ name: m[1]!, value: m[2]! });
              }
              result.steps = result.steps.filter((step) => !bookkeeping.test(step.name ?? ''));
            },
          },
        ],
      },
    ],
  ],
  projects: [
    { name: 'emulator-contract', testDir: 'tests/emulator' },
    // The tutorial with the aws CLI the user names (AWS_CLI, default `aws` on PATH)...
    { name: 'conformance', testDir: 'tests/conformance', metadata: { awsCli: process.env.AWS_CLI ?? 'aws' } },
    // ...and always also with aws CLI v2 from Debian, so `npm test` covers both majors.
    { name: 'conformance-aws-cli-v2', testDir: 'tests/conformance', metadata: { awsCli: '/usr/bin/aws' } },
    // The harness's own behaviour: it fails where it should, cleans up, keeps secrets.
    { name: 'harness', testDir: 'tests/harness', timeout: 300_000 },
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
