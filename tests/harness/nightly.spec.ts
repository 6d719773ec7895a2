/**
 * Two consecutive nightly runs, played here as GitHub's runner plays .github/workflows/nightly.yml
 * (tests/harness/workflow-player.ts): each night on a fresh checkout, its drift job and then its
 * conformance job, step by step, with the workflow's own shell commands; the caches and
 * artifacts kept in folders between the nights as GitHub keeps them between runs. The emulator
 * stands in for AWS (the target is the only override), the fixture registry for npm's, and a
 * local copy of the published page for AWS's documentation site.
 *
 * What it shows: the docs page's history survives from one night to the next (restored before
 * the gate, saved after the page), so the second night's page shows the latency chart with two
 * points; the site for GitHub Pages holds that page, the other reports and the history; the step
 * summary names the run id, the target and the links.
 */
import { chromium, type Browser } from '@playwright/test';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startFixtureRegistry, tutorialPackages, type FixtureRegistry } from '../support/fixture-registry.ts';
import { expect, Scratch, test } from './fixtures.ts';
import { ROOT } from './nested-run.ts';
import {
  alreadyHere,
  folderArtifacts,
  folderCache,
  freshCheckout,
  loadWorkflow,
  playJob,
  type JobRun,
  type Step,
} from './workflow-player.ts';

const workflow = loadWorkflow(join(ROOT, '.github', 'workflows', 'nightly.yml'));
const PAGE = readFileSync(join(ROOT, 'tests', 'harness', 'fixtures', 'getting-started-cli.html'), 'utf8');

/** What this machine cannot or must not do of the workflow, and why. */
function notHere(step: Step): string | undefined {
  const run = step.run ?? '';
  if (/apt-get install/.test(run)) return 'system packages: this machine has awscli and chromium';
  if (/^\s*npm ci\s*$/.test(run)) return 'npm ci: node_modules is installed and shared';
  if (/npm run sweep\b/.test(run)) return 'the sweep is for AWS: the embedded emulator starts empty, and the sweep refuses it';
  return undefined;
}

interface Night {
  drift: JobRun;
  conformance: JobRun;
  workspace: string;
}

let registry: FixtureRegistry | undefined;
let server: Server | undefined;
let pageUrl: string;
let scratch: string;
let browser: Browser | undefined;
const nights: Night[] = [];
// The nights' folder stays (and the output says where) if a test failed.
const shared = new Scratch();

test.beforeAll(async () => {
  test.setTimeout(2_400_000);
  registry = await startFixtureRegistry(tutorialPackages);
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE));
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/codeartifact/latest/ug/getting-started-cli.html`;
  scratch = shared.dir('cc-nightly-');
  const cache = folderCache(join(scratch, 'cache'));

  for (const n of [1, 2]) {
    // Each night its own artifacts (they belong to a run); the cache is the repository's.
    const artifacts = folderArtifacts(join(scratch, `artifacts-${n}`));
    const { CONFORMANCE_RUN_ID: _ours, CONFORMANCE_REPORTS_DIR: _theirs, ...machine } = process.env as Record<string, string>;
    const contexts = {
      github: {
        run_id: String(5000 + n),
        run_attempt: '1',
        repository: 'example/codeartifact-conformance',
        repository_owner: 'example',
        server_url: 'https://github.com',
        token: 'ghs_run_token',
      },
      vars: { CONFORMANCE_AWS_REGION: 'us-east-1' },
      secrets: {},
    };
    const actions = { 'actions/checkout': alreadyHere, 'actions/setup-node': alreadyHere, ...cache, ...artifacts };
    const driftWorkspace = await freshCheckout(ROOT);
    const drift = await playJob({
      workflow,
      job: 'drift',
      workspace: driftWorkspace,
      baseEnv: machine,
      override: { CONFORMANCE_TUTORIAL_URL: pageUrl },
      contexts,
      actions,
      skip: notHere,
      runnerTemp: join(scratch, `runner-drift-${n}`),
    });
    rmSync(driftWorkspace, { recursive: true, force: true });
    const workspace = await freshCheckout(ROOT);
    const conformance = await playJob({
      workflow,
      job: 'conformance',
      workspace,
      baseEnv: machine,
      // The emulator instead of AWS; npm's registry played by the fixture registry.
      override: { CONFORMANCE_TARGET: 'emulator', CONFORMANCE_NPMJS_URL: registry.url },
      contexts,
      actions,
      skip: notHere,
      runnerTemp: join(scratch, `runner-conformance-${n}`),
    });
    nights.push({ drift, conformance, workspace });
  }
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu'] });
});

test.afterAll(async () => {
  await browser?.close();
  await registry?.close();
  if (server) await new Promise((done) => server!.close(done));
  for (const night of nights) rmSync(night.workspace, { recursive: true, force: true });
  shared.finish();
});

test.afterEach(({}, testInfo) => shared.noteOutcome(testInfo));

const step = (job: JobRun, name: string) => {
  const found = job.steps.find((s) => s.name === name);
  expect.soft(found, `the job has a step "${name}"`).toBeTruthy();
  return found!;
};

/**
 * One test with a step per claim, every check soft: the nights are played once (beforeAll), and a
 * failed claim must not hide the others (a failed test would start a new worker, replaying both).
 * The last step says whether both nights passed: under heavy load the embedded emulator can miss
 * its start-up time, and the history and the page above hold whatever the verdict.
 */
test('two nightly runs, played', async () => {
  await test.step("the docs page's history is restored each night and saved after it: the first night starts empty, the second has the first", async () => {
    const [first, second] = nights;
    expect.soft(first!.conformance.outputs).toBeDefined();
    const restore = (night: Night) => night.conformance.steps.findIndex((s) => s.name === "Restore the docs page's history");
    expect.soft(restore(first!)).toBeGreaterThanOrEqual(0);
    const cacheEntries = readdirSync(join(scratch, 'cache')).map(decodeURIComponent).sort();
    expect
      .soft(cacheEntries)
      .toEqual([
        'allure-history-nightly-5001-1',
        'allure-history-nightly-5002-1',
        'conformance-history-nightly-5001-1',
        'conformance-history-nightly-5002-1',
      ]);
    const history = (dir: string) =>
      JSON.parse(readFileSync(join(dir, 'conformance-history', 'history.json'), 'utf8')) as { runId: string; target: string }[];
    expect.soft(history(first!.workspace).map((h) => h.runId)).toEqual(['n5001a1']);
    expect.soft(history(second!.workspace).map((h) => [h.runId, h.target])).toEqual([
      ['n5001a1', 'emulator'],
      ['n5002a1', 'emulator'],
    ]);
    // The docs page, regenerated after the Allure report, stays one entry per run.
    const saved = JSON.parse(
      readFileSync(join(scratch, 'cache', encodeURIComponent('conformance-history-nightly-5002-1'), 'content', 'history.json'), 'utf8'),
    ) as unknown[];
    expect.soft(saved.length).toBe(2);
  });
  await test.step("the second night's docs page shows the latency chart with two points, and the published page's drift", async () => {
    const [first, second] = nights;
    const open = async (file: string) => {
      const page = await browser!.newPage();
      await page.goto(pathToFileURL(file).href);
      return page;
    };
    const one = await open(join(first!.workspace, 'reports', 'docs', 'index.html'));
    await expect.soft(one.locator('#latency .empty-history')).toBeVisible();
    await one.close();

    const two = await open(join(second!.workspace, 'reports', 'docs', 'index.html'));
    const trend = two.locator('#latency svg.chart[data-chart="trend"]');
    await expect.soft(trend).toBeVisible();
    await expect.soft(trend).toHaveAttribute('data-points', '2');
    await expect.soft(two.locator('#latency table.history tbody tr')).toHaveCount(1);
    await expect.soft(two.locator('#latency table.history')).toContainText('n5001a1');
    // The drift job's report reached the page.
    await expect.soft(two.locator('#drift .drift-none')).toBeVisible();
    await expect.soft(two.locator('#drift')).toContainText(pageUrl);
    // ...and links to the Allure report, built after the gate.
    await expect.soft(two.locator('#links a[href="../allure/index.html"]')).toHaveCount(1);
    await two.close();
  });
  await test.step('the site for GitHub Pages: the docs page at docs/, the reports beside it, the history, an index that leads to the page', async () => {
    const site = join(scratch, 'artifacts-2', 'github-pages');
    for (const file of ['index.html', 'docs/index.html', 'html/index.html', 'allure/index.html', 'history.json']) {
      expect.soft(existsSync(join(site, file)), `${file} is published`).toBe(true);
    }
    expect.soft((JSON.parse(readFileSync(join(site, 'history.json'), 'utf8')) as unknown[]).length).toBe(2);
    const page = await browser!.newPage();
    await page.goto(pathToFileURL(join(site, 'index.html')).href);
    await page.waitForURL(/\/docs\/index\.html$/);
    await expect.soft(page.locator('#latency svg.chart[data-chart="trend"]')).toHaveAttribute('data-points', '2');
    await page.close();
    // Nothing secret is published: the run's token and the harness's emulator keys are not in the site.
    for (const file of ['docs/index.html', 'history.json'])
      expect.soft(readFileSync(join(site, file), 'utf8')).not.toContain('ghs_run_token');
  });
  await test.step('the step summary has the verdict, the run id, the target and the links to the reports', async () => {
    const [, second] = nights;
    const summary = second!.conformance.stepSummary;
    expect.soft(summary).toContain('Run `n5002a1` on the `emulator` target.');
    expect.soft(summary).toContain('[docs page](https://example.github.io/codeartifact-conformance/docs/)');
    expect.soft(summary).toContain('[Playwright](https://example.github.io/codeartifact-conformance/html/)');
    expect.soft(summary).toContain('[all files of this run](https://github.com/example/codeartifact-conformance/actions/runs/5002)');
    // gate.md came first (the gate appends it), so no "No verdict" line.
    expect.soft(summary.indexOf(readFileSync(join(second!.workspace, 'reports', 'gate.md'), 'utf8').trim())).toBe(0);
    expect.soft(summary).not.toContain('No verdict');
    expect.soft(step(second!.drift, 'Compare the published tutorial with the scenarios').outcome).toBe('success');
  });
  await test.step('both nights ran every step this machine can run, and each passed', async () => {
    for (const [i, night] of nights.entries()) {
      for (const job of [night.drift, night.conformance]) {
        const failed = job.steps.filter((s) => s.outcome === 'failure');
        expect
          .soft(
            failed.map((s) => `${s.name}: ${s.output?.slice(-3000)}`),
            `night ${i + 1}`,
          )
          .toEqual([]);
        expect.soft(job.result).toBe('success');
      }
      // Exactly these were left out, each for its reason; every other step was played.
      expect
        .soft(night.conformance.steps.filter((s) => s.outcome === 'not played').map((s) => s.name))
        .toEqual([
          'Install the aws CLI and Chromium (apt)',
          'Configure AWS credentials (OIDC)',
          'Run npm ci',
          'Sweep what runs left behind (older than 6 hours)',
        ]);
      expect.soft(night.conformance.steps.filter((s) => s.outcome === 'skipped')).toEqual([]);
    }
  });
});
