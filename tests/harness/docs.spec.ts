/**
 * The docs page for runs that followed nothing: when preflight refuses a run (no credentials, a
 * bad AWS_CLI, an unreachable endpoint), the page says plainly that nothing was followed and
 * why, from the run's recorded problems, and names the target as the harness names it; a run
 * that followed steps still lists them. Fabricated outcomes, rendered and opened in Chromium.
 * (Whole runs, through npm run gate, are in verdict.spec.ts.)
 */
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { SUMMARY_SCHEMA_VERSION, summarySchema, type Problem, type ScenarioOutcome, type Summary } from '../../helpers/outcome/model.ts';
import { renderDocsReport } from '../../helpers/report/docs/page.ts';

let browser: Browser;

test.beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run'],
  });
});

test.afterAll(async () => {
  await browser?.close();
});

/** A run's summary as the outcome reporter writes it when preflight stopped the run: no scenario run, its problems. */
function refused(target: Pick<Summary, 'target' | 'targetDescription'> & { endpoint?: string }, problems: Problem[]): Summary {
  return summarySchema.parse({
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    runId: 'mx2anrt8rfmk',
    generatedAt: new Date().toISOString(),
    verdict: 'no-verdict',
    reason: problems[0]!.text,
    ...(problems[0]!.hint ? { hint: problems[0]!.hint } : {}),
    ...target,
    region: 'us-east-1',
    tools: { npm: '11.19.1', node: 'v20.20.2' },
    faults: [],
    latencyBudgetMs: 60_000,
    steps: [],
    latency: {},
    leftovers: [],
    cleanup: { removed: [], left: [], failed: [] },
    runs: [],
    problems,
  });
}

async function open(summary: Summary, file: string): Promise<Page> {
  writeFileSync(file, renderDocsReport({ summary, history: [], links: {} }));
  const page = await browser.newPage();
  await page.goto(pathToFileURL(file).href);
  return page;
}

test('preflight refused the aws target (no credentials): nothing was followed, why and the fix; the target is real AWS', async ({}, testInfo) => {
  const summary = refused({ target: 'aws', targetDescription: 'aws' }, [
    {
      verdict: 'no-verdict',
      text: 'No AWS credentials were found (Could not load credentials from any providers)',
      hint: 'Configure the default credential chain (environment, profile, SSO or an OIDC role).',
    },
  ]);
  const page = await open(summary, testInfo.outputPath('index.html'));
  try {
    await expect(page.locator('#verdict')).toHaveAttribute('data-verdict', 'no-verdict');
    await expect(page.locator('table.overview'), 'no empty "What was followed" table').toHaveCount(0);
    const nothing = page.locator('#nothing-followed');
    await expect(nothing).toContainText("Nothing was followed: the run stopped before the tutorial's first step");
    await expect(nothing.locator('li')).toHaveCount(1);
    await expect(nothing.locator('li .problem')).toHaveText(
      'No AWS credentials were found (Could not load credentials from any providers).',
    );
    await expect(nothing.locator('li .fix')).toContainText('Configure the default credential chain');
    // Said once: the verdict above does not repeat the why.
    await expect(page.locator('#verdict')).not.toContainText('No AWS credentials');
    await expect(page.locator('dd.target')).toHaveText('Real AWS');
    await expect(page.locator('.meta')).toContainText('npm 11.19.1');
  } finally {
    await page.close();
  }
});

test('every problem preflight found is listed, as recorded; an endpoint is named by its URL', async ({}, testInfo) => {
  // Texts that read like nothing in particular: the page lists the records, it does not read them.
  const problems: Problem[] = [
    { verdict: 'no-verdict', text: 'The aws CLI "/nonexistent" was not found (AWS_CLI=/nonexistent)', hint: 'Install the AWS CLI.' },
    { verdict: 'no-verdict', text: 'step 7 passed', hint: 'Start it, or point the harness at a running one.' },
  ];
  const summary = refused({ target: 'endpoint', targetDescription: 'endpoint', endpoint: 'http://127.0.0.1:9' }, problems);
  const page = await open(summary, testInfo.outputPath('index.html'));
  try {
    const items = page.locator('#nothing-followed li .problem');
    await expect(items).toHaveText(['The aws CLI "/nonexistent" was not found (AWS_CLI=/nonexistent).', 'Step 7 passed.']);
    await expect(page.locator('table.overview')).toHaveCount(0);
    await expect(page.locator('dd.target')).toContainText('The CodeArtifact-compatible endpoint http://127.0.0.1:9');
    await expect(page.locator('dd.target .note'), 'not real AWS').toHaveCount(1);
  } finally {
    await page.close();
  }
});

test("a run stopped on the emulator keeps the target's own description", async ({}, testInfo) => {
  const summary = refused({ target: 'emulator', targetDescription: "the project's emulator, started for each scenario" }, [
    { verdict: 'no-verdict', text: 'The aws CLI "/nonexistent" was not found (AWS_CLI=/nonexistent)', hint: 'Install the AWS CLI.' },
  ]);
  const page = await open(summary, testInfo.outputPath('index.html'));
  try {
    await expect(page.locator('dd.target')).toContainText("The project's emulator, started for each scenario");
    await expect(page.locator('#nothing-followed')).toBeVisible();
  } finally {
    await page.close();
  }
});

test('a run that followed the tutorial lists what was followed, and says nothing of "nothing"', async ({}, testInfo) => {
  const run: ScenarioOutcome = {
    runId: 'mx2anrt8rfmk',
    project: 'conformance',
    scenario: 'tutorial',
    scenarioTitle: 'the tutorial',
    target: 'emulator',
    targetDescription: "the project's emulator, a local process at http://127.0.0.1:4567",
    region: 'us-east-1',
    tools: { aws: '1.45.11', npm: '11.19.1', node: 'v20.20.2' },
    latency: {},
    leftovers: [],
    cleanup: { removed: ['domain d'], left: [], failed: [] },
    steps: [
      { id: 'create-domain', title: '1. Create a domain', kind: 'passed', durationMs: 10 },
      { id: 'npm-install', title: '7. Use npm', kind: 'not-run', durationMs: 0 },
    ],
    problems: [],
    verdict: 'passed',
    reason: 'every step passed',
  };
  const summary = summarySchema.parse({
    ...refused({ target: 'emulator', targetDescription: run.targetDescription }, [{ verdict: 'failed', text: 'x' }]),
    verdict: 'passed',
    reason: 'every step passed',
    steps: run.steps,
    runs: [run],
    problems: [],
  });
  const page = await open(summary, testInfo.outputPath('index.html'));
  try {
    await expect(page.locator('#nothing-followed')).toHaveCount(0);
    await expect(page.locator('table.overview tbody tr')).toHaveCount(1);
    await expect(page.locator('table.overview a[href="#scenario-tutorial"]')).toHaveText('The tutorial, as written');
    await expect(page.locator('dd.target')).toContainText("The project's emulator, a local process at http://127.0.0.1:4567");
  } finally {
    await page.close();
  }
});
