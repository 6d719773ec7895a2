/**
 * `npm run report:allure`
 * Builds the Allure 3 report of the last run as one HTML file that opens from file://:
 * <reports>/allure-results -> <reports>/allure/index.html (reports = CONFORMANCE_REPORTS_DIR
 * or `reports`). History goes from run to run through Allure 3's `historyPath`, a JSON-lines
 * file in ALLURE_HISTORY_DIR (default <reports>/allure-history): each build reads the earlier
 * runs from it and appends this one. CI keeps that folder between runs (cache or artifact).
 * The failure categories come from each step's outcome kind (the `outcome-kind` label the
 * runner sets), not from message text: helpers/outcome/model.ts. After the build the docs page
 * of the same run is written again, now linking the Allure report (it links only its own run's).
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { allureCategoryRules } from '../helpers/outcome/model.ts';
import { ALLURE_RUN_ID_FILE, writeDocsReport } from '../helpers/report/docs/write.ts';
import { readSummaryFile } from '../helpers/report/summary-json.ts';

const ANALYTICS =
  /<script async src="https:\/\/www\.googletagmanager\.com\/gtag\/js[^"]*"><\/script>\s*<script>[^<]*gtag\('config'[^<]*<\/script>/;

function fail(message: string): never {
  process.stderr.write(`report:allure: ${message}\n`);
  process.exit(1);
}

const reports = resolve(process.env.CONFORMANCE_REPORTS_DIR || 'reports');
const results = join(reports, 'allure-results');
const output = join(reports, 'allure');
const historyDir = resolve(process.env.ALLURE_HISTORY_DIR || join(reports, 'allure-history'));
const historyPath = join(historyDir, 'history.jsonl');

if (!existsSync(results) || !readdirSync(results).some((f) => f.endsWith('-result.json'))) {
  fail(`${results} has no test results. Run the tests first (npx playwright test ...), with the same CONFORMANCE_REPORTS_DIR.`);
}

const categories = allureCategoryRules();

mkdirSync(historyDir, { recursive: true });
rmSync(output, { recursive: true, force: true });

// Allure 3 reads its configuration from a file; this one is made for the build and removed after it.
const configDir = mkdtempSync(join(tmpdir(), 'cc-allurerc-'));
const configFile = join(configDir, 'allurerc.json');
writeFileSync(
  configFile,
  JSON.stringify(
    {
      name: 'CodeArtifact tutorial conformance',
      output,
      historyPath,
      historyLimit: 60,
      // Allure 3 matches categories on labels: the step's outcome kind.
      categories,
      plugins: {
        awesome: {
          options: {
            singleFile: true,
            reportLanguage: 'en',
            reportName: 'CodeArtifact tutorial conformance',
            // project > spec > scenario, then one test per tutorial step
            groupBy: ['parentSuite', 'suite', 'subSuite'],
          },
        },
      },
    },
    null,
    2,
  ),
);

try {
  const run = await execa('allure', ['generate', '--config', configFile, results], {
    preferLocal: true,
    reject: false,
    all: true,
    env: { NO_COLOR: '1' },
  });
  if (run.exitCode !== 0) fail(`allure generate exited with code ${run.exitCode}:\n${run.all ?? ''}`);
} finally {
  rmSync(configDir, { recursive: true, force: true });
}

const index = join(output, 'index.html');
if (!existsSync(index)) fail(`allure generate wrote no ${index}; it wrote: ${readdirSync(output).join(', ')}`);
// The Awesome page loads Google Analytics whenever it is opened (Allure 3 has no switch for it):
// a report of this harness calls nobody, so the tag goes.
const html = readFileSync(index, 'utf8');
const withoutAnalytics = html.replace(ANALYTICS, '');
if (withoutAnalytics !== html) writeFileSync(index, withoutAnalytics);
else if (html.includes('googletagmanager.com')) fail(`${index} loads Google Analytics in a way this script does not know how to remove.`);

// Which run this report shows, so that the docs page links it only from that run's page.
const summary = readSummaryFile(reports);
if (summary) {
  writeFileSync(join(output, ALLURE_RUN_ID_FILE), `${summary.runId}\n`);
  writeDocsReport(reports);
}
const runs = existsSync(historyPath) ? readFileSync(historyPath, 'utf8').split('\n').filter(Boolean).length : 0;
process.stdout.write(`Allure report: ${index}\nhistory: ${historyPath} (${runs} run${runs === 1 ? '' : 's'})\n`);
