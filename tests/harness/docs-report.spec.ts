/**
 * The docs owners' page: after a passing run and after a run that fails at step 7 (the emulator
 * rejects tokens), `docs/index.html` opens from file:// in Chromium without errors or requests,
 * shows every step of both scenarios with its status in words, explains the failure in plain
 * language, shows the latency chart, and the second run's page shows the first in its history.
 */
import { chromium, expect, test, type Browser, type Page, type TestInfo } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startFixtureRegistry, tutorialPackages, type FixtureRegistry } from '../support/fixture-registry.ts';
import type { HistoryEntry } from '../../helpers/report/docs.ts';
import type { RunSummary } from '../../helpers/outcome/records.ts';
import { runNested, type NestedRun } from './nested-run.ts';

const SPECS = ['tests/conformance/tutorial.spec.ts', 'tests/conformance/manual-configuration.spec.ts'];
const STATUS_TEXT = { passed: 'Passed', failed: 'Failed', skipped: 'Not run', 'expected-failure': 'Known issue' } as const;
const E401_EXPLANATION = 'npm was not allowed to read from the repository: the authorization token was rejected';

test.describe.configure({ mode: 'serial' });

let registry: FixtureRegistry | undefined;
let historyDir: string;
let browser: Browser | undefined;
let passing: NestedRun;
let failing: NestedRun;

test.beforeAll(async () => {
  test.setTimeout(900_000);
  registry = await startFixtureRegistry(tutorialPackages);
  historyDir = mkdtempSync(join(tmpdir(), 'cc-docs-history-'));
  // Each nested run gets its own run id (this run's would otherwise be inherited by both).
  const { CONFORMANCE_RUN_ID: _ours, ...inherited } = process.env as Record<string, string>;
  const env = {
    ...inherited,
    CONFORMANCE_TARGET: 'emulator',
    CONFORMANCE_NPMJS_URL: registry.url,
    CONFORMANCE_HISTORY_DIR: historyDir,
  };
  // One after the other: the second run's page shows the first in its history.
  passing = await runNested(env, SPECS);
  failing = await runNested({ ...env, CONFORMANCE_EMULATOR_ARGS: '--fault reject-tokens' }, SPECS);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

test.afterAll(async () => {
  await browser?.close();
  await registry?.close();
  if (historyDir) rmSync(historyDir, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  html: string;
  problems: string[];
}

/** Opens the page from file://, recording console errors, page errors and any request that is not the page itself. */
async function openReport(run: NestedRun): Promise<Opened> {
  const file = join(run.reportsDir, 'docs', 'index.html');
  expect(existsSync(file), `${file} must exist`).toBe(true);
  const url = pathToFileURL(file).href;
  const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('request', (r) => {
    if (r.url() !== url) problems.push(`request: ${r.url()}`);
  });
  const response = await page.goto(url, { waitUntil: 'load' });
  expect(response?.ok() ?? true).toBe(true);
  return { page, html: readFileSync(file, 'utf8'), problems };
}

async function attachScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const png = await page.screenshot({ fullPage: true });
  await testInfo.attach('docs report', { body: png, contentType: 'image/png' });
  writeFileSync(testInfo.outputPath(`${name}.png`), png);
}

/** Every step of every scenario run is on the page, in order, with its status in words. */
async function expectEveryStep(page: Page, runs: RunSummary[]): Promise<void> {
  const scenarios = runs.map((r) => r.scenario);
  expect(scenarios).toEqual(expect.arrayContaining(['tutorial', 'manual-configuration']));
  // Tutorial first, then the manual configuration.
  const shown = await page.locator('section.scenario').evaluateAll((els) => els.map((e) => e.getAttribute('data-scenario')));
  expect(shown).toEqual(['tutorial', 'manual-configuration']);
  for (const run of runs) {
    const section = page.locator(`section.scenario[data-scenario="${run.scenario}"]`);
    const items = section.locator('li.step');
    await expect(items).toHaveCount(run.steps.length);
    const ids = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-step-id')));
    expect(ids).toEqual(run.steps.map((s) => s.id));
    for (const step of run.steps) {
      const item = section.locator(`li.step[data-step-id="${step.id}"]`);
      await expect(item.locator('.status'), `${run.scenario} ${step.id}`).toHaveText(STATUS_TEXT[step.status]);
      await expect(item.locator('.step-title')).toHaveText(step.title.slice(step.title.indexOf('. ') + 2));
      if (step.documented) await expect(item.locator('.command').first()).toContainText(step.documented.slice(0, 30));
    }
  }
}

function expectNoToken(html: string): void {
  expect(html).not.toMatch(/\beyJ[A-Za-z0-9_-]{20,}/);
  expect(html).not.toMatch(/_authToken=(?!\*\*\*)\S/);
}

test('after a passing run, the docs page says the tutorial works and shows every step', async ({}, testInfo) => {
  await testInfo.attach('nested run output', { body: passing.output, contentType: 'text/plain' });
  expect(passing.exitCode, 'the passing run must pass').toBe(0);
  expect(passing.summary?.verdict).toBe('passed');
  const { page, html, problems } = await openReport(passing);
  try {
    await expect(page.locator('#verdict .headline')).toHaveText('The tutorial works as written today');
    await expect(page.locator('.run-id')).toHaveText(passing.summary!.runId);
    await expect(page.locator('header')).toContainText(passing.summary!.region);
    await expect(page.locator('header')).toContainText(`npm ${passing.summary!.tools.npm}`);
    await expectEveryStep(page, passing.summary!.runs);
    await expect(page.locator('li.step .status', { hasText: /^(Failed|Not run)$/ })).toHaveCount(0);
    // Latency: this run's figures as a chart; no earlier runs yet.
    await expect(page.locator('#latency svg.chart[data-chart="this-run"]')).toBeVisible();
    await expect(page.locator('#latency svg.chart[data-chart="this-run"] rect')).toHaveCount(2);
    await expect(page.locator('#latency .empty-history')).toBeVisible();
    // The other reports are linked exactly when they exist beside it (the Playwright report always does).
    expect(existsSync(join(passing.reportsDir, 'html', 'index.html'))).toBe(true);
    for (const report of ['html', 'allure', 'matrix']) {
      const exists = existsSync(join(passing.reportsDir, report, 'index.html'));
      await expect(page.locator(`a[href="../${report}/index.html"]`), `link to the ${report} report`).toHaveCount(exists ? 1 : 0);
    }
    await expect(page.locator('#drift')).toHaveCount(0);
    expectNoToken(html);
    await attachScreenshot(page, testInfo, 'docs-report-pass');
    expect(problems).toEqual([]);
  } finally {
    await page.close();
  }
});

test('after a run that fails at step 7, the docs page says where and why, and shows the earlier run', async ({}, testInfo) => {
  await testInfo.attach('nested run output', { body: failing.output, contentType: 'text/plain' });
  expect(failing.exitCode, 'the run with rejected tokens must fail').not.toBe(0);
  expect(failing.summary?.verdict).toBe('failed');
  const { page, html, problems } = await openReport(failing);
  try {
    await expect(page.locator('#verdict .headline')).toHaveText('A reader following the tutorial today would hit a problem at step 7');
    await expect(page.locator('#verdict')).toContainText(E401_EXPLANATION);
    await expectEveryStep(page, failing.summary!.runs);
    for (const run of failing.summary!.runs) {
      const section = page.locator(`section.scenario[data-scenario="${run.scenario}"]`);
      const failed = section.locator('li.step[data-step-id="npm-install"]');
      await expect(failed.locator('.status')).toHaveText('Failed');
      // The plain explanation comes first; the full error and the output are folded below it.
      await expect(failed.locator('.explanation')).toHaveText(`${E401_EXPLANATION}.`);
      await expect(failed.locator('details', { hasText: 'Full error' })).toHaveCount(1);
      await expect(failed.locator('details', { hasText: 'Full error' }).locator('pre')).toBeHidden();
      await expect(failed.locator('details', { hasText: 'Full error' }).locator('pre')).toContainText('E401', { useInnerText: false });
      await expect(failed.locator('details', { hasText: 'Command output' })).toHaveCount(1);
      const at = run.steps.findIndex((s) => s.id === 'npm-install');
      for (const step of run.steps.slice(at + 1)) {
        await expect(section.locator(`li.step[data-step-id="${step.id}"] .status`)).toHaveText('Not run');
      }
    }
    // Latency: the chart of this run, and this run beside the passing run from the shared history.
    await expect(page.locator('#latency svg.chart[data-chart="this-run"]')).toBeVisible();
    const trend = page.locator('#latency svg.chart[data-chart="trend"]');
    await expect(trend).toBeVisible();
    await expect(trend).toHaveAttribute('data-points', '2');
    await expect(page.locator('#latency table.history')).toContainText(passing.summary!.runId, { useInnerText: false });
    const history = JSON.parse(readFileSync(join(historyDir, 'history.json'), 'utf8')) as HistoryEntry[];
    expect(history.map((h) => [h.runId, h.verdict])).toEqual([
      [passing.summary!.runId, 'passed'],
      [failing.summary!.runId, 'failed'],
    ]);
    expect(history[1]!.failedSteps).toEqual(['npm-install']);
    expect(history[0]!.installMs).toBeGreaterThan(0);
    expectNoToken(html);
    await attachScreenshot(page, testInfo, 'docs-report-fail');
    expect(problems).toEqual([]);
  } finally {
    await page.close();
  }
});
