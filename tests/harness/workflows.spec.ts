/**
 * The GitHub workflows say what they must, and hold up when run. Checked here:
 * - every workflow is valid YAML (the `yaml` parser) and valid by GitHub's workflow schema
 *   (@action-validator/core), and every `run:` is valid bash (`bash -n`);
 * - the nightly compares the published tutorial page with the scenarios (and opens or updates
 *   an issue on drift), runs the gate on real AWS with OIDC credentials, always sweeps, keeps
 *   the docs page's and Allure's histories, publishes the reports on GitHub Pages and leaves a
 *   step summary with the run id, the target and links, whatever happened;
 * - the matrix runs as shards whose blob reports are merged into one report and one page;
 * - the PR gate runs on the embedded emulator with no credentials at all;
 * - no file holds a secret, an account id or a role, only `${{ vars.* }}` / `${{ secrets.* }}`;
 * - the drift job's steps, played here as the runner plays them (tests/harness/workflow-player.ts)
 *   against a local copy of the page, pass on the page as published and open, then update, an
 *   issue when it drifted. (Two whole nightly runs are played in nightly.spec.ts.)
 */
import { validateWorkflow } from '@action-validator/core';
import { execa } from 'execa';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { parseDocument } from 'yaml';
import { expect, Scratch, test } from './fixtures.ts';
import { nestedEnv, PLAYWRIGHT_CLI, ROOT } from './nested-run.ts';
import { alreadyHere, evaluate, folderArtifacts, freshCheckout, playJob, type Job, type Step, type Workflow } from './workflow-player.ts';

const DIR = join(ROOT, '.github', 'workflows');

function load(name: string): { text: string; workflow: Workflow } {
  const text = readFileSync(join(DIR, name), 'utf8');
  const doc = parseDocument(text);
  expect(
    doc.errors.map((e) => e.message),
    `${name} is valid YAML`,
  ).toEqual([]);
  expect(
    doc.warnings.map((e) => e.message),
    `${name} parses without warnings`,
  ).toEqual([]);
  return { text, workflow: doc.toJS() as Workflow };
}

const FILES = readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const nightly = load('nightly.yml');
const pr = load('pr-gate.yml');
const matrixWorkflow = load('matrix.yml');
const all = { nightly, pr, matrix: matrixWorkflow };
const jobs = (w: Workflow) => Object.values(w.jobs);
const steps = (w: Workflow) => jobs(w).flatMap((j) => j.steps);
const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');
const uses = (w: Workflow, action: string) => steps(w).filter((s) => s.uses?.split('@')[0] === action);
/** Every env block the runner merges into a step's environment. */
const envs = (w: Workflow) => [w.env ?? {}, ...jobs(w).map((j) => j.env ?? {}), ...steps(w).map((s) => s.env ?? {})];
const conformance = nightly.workflow.jobs.conformance!;
const index = (job: Job, test: (s: Step) => boolean) => job.steps.findIndex(test);

test("the workflows are these four, each valid by GitHub's workflow schema; the validator does catch a broken one", () => {
  expect(FILES).toEqual(['matrix.yml', 'nightly.yml', 'pr-gate.yml', 'record-snapshots.yml']);
  for (const file of FILES) {
    const result = validateWorkflow(readFileSync(join(DIR, file), 'utf8'));
    expect(result.errors, `${file} by the workflow schema`).toEqual([]);
  }
  const broken = validateWorkflow('on: push\njobs:\n  a:\n    runz-on: ubuntu-latest\n    steps:\n      - run: true\n');
  expect(broken.errors.length).toBeGreaterThan(0);
  expect(JSON.stringify(broken.errors)).toContain("Additional property 'runz-on' is not allowed");
});

test('every run: step is valid bash', async () => {
  for (const file of FILES) {
    for (const [name, job] of Object.entries(load(file).workflow.jobs)) {
      for (const step of job.steps.filter((s) => s.run)) {
        const check = await execa('bash', ['-n'], { input: step.run!, reject: false });
        expect(check.exitCode, `${file} job ${name} step "${step.name ?? step.run}": ${check.stderr}`).toBe(0);
      }
    }
  }
});

test('triggers: the nightly on a schedule and by hand; the PR gate on pull requests and pushes to main; the matrix on both', () => {
  expect(Object.keys(nightly.workflow.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
  const schedule = nightly.workflow.on.schedule as { cron: string }[];
  expect(schedule.length).toBe(1);
  // once a day: minute and hour fixed, every day of every month
  expect(schedule[0]!.cron).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/);

  expect(Object.keys(pr.workflow.on).sort()).toEqual(['pull_request', 'push']);
  expect((pr.workflow.on.push as { branches: string[] }).branches).toEqual(['main']);
  expect(Object.keys(matrixWorkflow.workflow.on).sort()).toEqual(['pull_request', 'push', 'schedule', 'workflow_dispatch']);
});

test("permissions: nothing by default; only the nightly's AWS job and Pages deployment may ask for an OIDC token; only drift may write issues", () => {
  for (const { workflow } of Object.values(all)) expect(workflow.permissions).toEqual({ contents: 'read' });
  expect(nightly.workflow.jobs.drift!.permissions).toEqual({ contents: 'read', issues: 'write' });
  expect(conformance.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
  expect(nightly.workflow.jobs.publish!.permissions).toEqual({ pages: 'write', 'id-token': 'write' });
  for (const w of [pr, matrixWorkflow]) {
    for (const job of jobs(w.workflow)) expect(job.permissions, 'asks for nothing more').toBeUndefined();
    expect(w.text).not.toMatch(/id-token/);
  }
});

test('target: the nightly runs on AWS with the account and region from repository variables; the PR gate on the embedded emulator', () => {
  const nightlyEnv = Object.assign({}, ...envs(nightly.workflow)) as Record<string, unknown>;
  expect(nightlyEnv.CONFORMANCE_TARGET).toBe('aws');
  expect(nightlyEnv.CONFORMANCE_AWS_ACCOUNT).toMatch(/^\$\{\{ vars\.\w+ \}\}$/);
  expect(nightlyEnv.AWS_REGION).toMatch(/^\$\{\{ vars\.\w+ \}\}$/);
  for (const w of [pr, matrixWorkflow]) {
    for (const env of envs(w.workflow)) {
      expect(env, 'the PR gate and the matrix set no CONFORMANCE_TARGET (the embedded emulator is the default)').not.toHaveProperty(
        'CONFORMANCE_TARGET',
      );
      expect(env).not.toHaveProperty('CONFORMANCE_ENDPOINT_URL');
    }
    expect(uses(w.workflow, 'aws-actions/configure-aws-credentials'), 'no AWS credentials').toEqual([]);
    expect(w.text).not.toMatch(/\$\{\{\s*secrets\./);
  }
});

test('credentials: the nightly assumes a role through OIDC, named by a repository variable', () => {
  const [configure, ...more] = uses(nightly.workflow, 'aws-actions/configure-aws-credentials');
  expect(more).toEqual([]);
  expect(configure?.with?.['role-to-assume']).toMatch(/^\$\{\{ vars\.\w+ \}\}$/);
  expect(configure?.with?.['aws-region']).toMatch(/^\$\{\{ vars\.\w+ \}\}$/);
  // OIDC only: no stored access keys handed to the action
  expect(configure?.with).not.toHaveProperty('aws-access-key-id');
  expect(configure?.with).not.toHaveProperty('aws-secret-access-key');
  const all = steps(nightly.workflow);
  expect(all.indexOf(configure!), 'credentials are configured before the gate').toBeLessThan(
    all.findIndex((s) => /npm run gate/.test(s.run ?? '')),
  );
});

test('every job that runs the tutorial installs the tools, checks out, sets up Node 20 with the npm cache, runs npm ci and then npm run gate', () => {
  for (const [file, { workflow }] of Object.entries({ nightly, pr })) {
    for (const [name, job] of Object.entries(workflow.jobs).filter(([, j]) => /npm run gate/.test(runs(j)))) {
      const where = `${file} job ${name}`;
      const script = runs(job);
      expect(script, `${where} installs awscli and chromium with apt`).toMatch(/apt-get install[^\n]*\bawscli\b[^\n]*\bchromium\b/);
      expect(
        job.steps.some((s) => s.uses === 'actions/checkout@v4'),
        `${where} checks out`,
      ).toBe(true);
      const node = job.steps.find((s) => s.uses === 'actions/setup-node@v4');
      expect(node?.with, `${where} sets up Node`).toMatchObject({ 'node-version': 20, cache: 'npm' });
      const ci = job.steps.findIndex((s) => /^\s*npm ci\b/m.test(s.run ?? ''));
      const gate = job.steps.findIndex((s) => /^\s*npm run gate\s*$/m.test(s.run ?? ''));
      expect(ci, `${where} runs npm ci`).toBeGreaterThanOrEqual(0);
      expect(gate, `${where} runs npm run gate after npm ci`).toBeGreaterThan(ci);
      expect(job.steps[gate]!.if, `${where}: the gate runs only when the install worked`).toBeUndefined();
    }
  }
});

test('record-snapshots records on AWS through the OIDC role, sweeps, and proposes the snapshot files as a pull request', () => {
  const { workflow } = load('record-snapshots.yml');
  expect(workflow.permissions).toEqual({});
  const job = workflow.jobs.record!;
  expect(job.permissions).toEqual({ 'id-token': 'write', contents: 'write', 'pull-requests': 'write' });
  expect(job.env).toMatchObject({ CONFORMANCE_TARGET: 'aws', CONFORMANCE_RECORD: '1' });
  const names = job.steps.map((s) => s.uses?.split('@')[0] ?? s.run ?? '');
  const record = names.findIndex((n) => /playwright test/.test(n));
  expect(names.indexOf('aws-actions/configure-aws-credentials')).toBeLessThan(record);
  expect(names.findIndex((n) => /npm run sweep -- --ttl-hours 6/.test(n))).toBeGreaterThan(record);
  expect(names.indexOf('peter-evans/create-pull-request')).toBeGreaterThan(record);
  expect(String(job.steps.find((s) => s.uses?.startsWith('peter-evans/'))!.with?.['add-paths'])).toBe('scenarios/snapshots/*.json');
});

test('the PR workflow runs the type check, the linter, npm test, the gate and the end-to-end suites', () => {
  const script = runs(pr.workflow.jobs.gate!);
  const order = ['npm run typecheck', 'npm run lint', 'npm test', 'npm run gate', 'npm run test:e2e'].map((c) => script.indexOf(c));
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
});

test('the nightly always sweeps leftovers older than 6 hours on the aws target', () => {
  const sweep = steps(nightly.workflow).filter((s) => /npm run sweep\b/.test(s.run ?? ''));
  expect(sweep.length).toBe(1);
  expect(sweep[0]!.run).toMatch(/npm run sweep -- --ttl-hours 6\b/);
  expect(sweep[0]!.if).toBe('always()');
  expect(sweep[0]!.env?.CONFORMANCE_TARGET ?? 'aws', 'the sweep runs on the aws target').toBe('aws');
});

test('reports: uploaded always by the nightly, on failure by the PR gate; the nightly builds Allure with its history and writes the step summary', () => {
  const [nightlyUpload, ...moreNightly] = conformance.steps.filter((s) => s.uses?.split('@')[0] === 'actions/upload-artifact');
  expect(moreNightly).toEqual([]);
  expect(nightlyUpload).toMatchObject({ uses: 'actions/upload-artifact@v4', if: 'always()' });
  expect(String(nightlyUpload!.with?.path)).toMatch(/^reports\/?$/);

  const [prUpload, ...morePr] = uses(pr.workflow, 'actions/upload-artifact');
  expect(morePr).toEqual([]);
  expect(prUpload).toMatchObject({ uses: 'actions/upload-artifact@v4', if: 'failure()' });
  expect(String(prUpload!.with?.path)).toMatch(/^reports\/?$/);

  const all = steps(nightly.workflow);
  const report = all.findIndex((s) => /npm run report:allure\b/.test(s.run ?? ''));
  expect(report, 'the nightly builds the Allure report').toBeGreaterThan(0);
  expect(all[report]!.if).toBe('always()');
  // The history folder comes back before the report and is saved after it, also after a failure.
  const historyDir = Object.assign({}, ...envs(nightly.workflow)).ALLURE_HISTORY_DIR as string | undefined;
  expect(historyDir, 'the nightly names its Allure history folder').toBeTruthy();
  const restore = all.findIndex((s) => s.uses === 'actions/cache/restore@v4' && s.with?.path === historyDir);
  const save = all.findIndex((s) => s.uses === 'actions/cache/save@v4' && s.with?.path === historyDir);
  expect(restore).toBeGreaterThanOrEqual(0);
  expect(restore).toBeLessThan(report);
  expect(save).toBeGreaterThan(report);
  expect(all[restore]!.with?.path).toBe(historyDir);
  expect(all[save]!.with?.path).toBe(historyDir);
  expect(all[save]!.if).toBe('always()');
  expect(String(all[restore]!.with?.['restore-keys'])).toMatch(/\S/);

  // `npm run gate` appends gate.md to the step summary itself; the job's own summary step
  // adds the run id, the target and the links, and a no-verdict line only when there is no gate.md.
  const summary = conformance.steps.filter((s) => /GITHUB_STEP_SUMMARY/.test(s.run ?? ''));
  expect(summary.length).toBe(1);
  expect(summary[0]!.if, 'the step summary says something whatever happened').toBe('always()');
  expect(summary[0]!.run).toMatch(/if \[ ! -f reports\/gate\.md \]; then/);
  expect(summary[0]!.run).toContain('$CONFORMANCE_RUN_ID');
  expect(summary[0]!.run).toContain('$CONFORMANCE_TARGET');
  expect(summary[0]!.run).toContain('${CONFORMANCE_REPORTS_URL}docs/');
  expect(index(conformance, (s) => s === summary[0])).toBe(conformance.steps.length - 1);
});

test("the docs page's history is restored before the gate and saved after the page, as Allure's is; the run id is GitHub's", () => {
  const historyDir = conformance.env?.CONFORMANCE_HISTORY_DIR as string | undefined;
  expect(historyDir, 'the nightly names its docs history folder').toBeTruthy();
  const restore = index(conformance, (s) => s.uses === 'actions/cache/restore@v4' && s.with?.path === historyDir);
  const gate = index(conformance, (s) => /npm run gate/.test(s.run ?? ''));
  const page = index(conformance, (s) => /npm run report:docs/.test(s.run ?? ''));
  const save = index(conformance, (s) => s.uses === 'actions/cache/save@v4' && s.with?.path === historyDir);
  expect(restore).toBeGreaterThanOrEqual(0);
  expect(restore).toBeLessThan(gate);
  expect(page).toBeGreaterThan(index(conformance, (s) => /npm run report:allure/.test(s.run ?? '')));
  expect(save).toBeGreaterThan(page);
  expect(conformance.steps[save]!.if).toBe('always()');
  expect(conformance.steps[page]!.if).toBe('always()');
  // A key per run (a cache entry is never overwritten); the newest earlier one comes back.
  const key = String(conformance.steps[save]!.with?.key);
  expect(key).toContain('${{ github.run_id }}');
  expect(conformance.steps[restore]!.with?.key).toBe(key);
  const prefix = String(conformance.steps[restore]!.with?.['restore-keys']);
  expect(key.startsWith(prefix)).toBe(true);
  expect(conformance.env?.CONFORMANCE_RUN_ID).toBe('n${{ github.run_id }}a${{ github.run_attempt }}');
});

test('the reports are published on GitHub Pages: the docs page at the root, the other reports and the history beside it', () => {
  const site = index(conformance, (s) => /mkdir -p site/.test(s.run ?? ''));
  const upload = index(conformance, (s) => s.uses === 'actions/upload-pages-artifact@v3');
  expect(site).toBeGreaterThan(index(conformance, (s) => /npm run report:docs/.test(s.run ?? '')));
  expect(upload).toBeGreaterThan(site);
  expect(conformance.steps[upload]!.with?.path).toBe('site');
  expect(conformance.steps[upload]!.if).toBe('always()');
  const publish = nightly.workflow.jobs.publish!;
  expect(publish.needs).toBe('conformance');
  expect(publish.if).toBe("${{ !cancelled() && needs.conformance.result != 'skipped' }}");
  expect(publish.steps.map((s) => s.uses)).toEqual(['actions/deploy-pages@v4']);
  // gate.md and the summary link to where the site will be.
  const names = index(conformance, (s) => /CONFORMANCE_REPORTS_URL=/.test(s.run ?? ''));
  expect(names).toBeGreaterThanOrEqual(0);
  expect(names).toBeLessThan(index(conformance, (s) => /npm run gate/.test(s.run ?? '')));
});

test('the nightly compares the published page with the scenarios first; its report reaches the docs page', () => {
  const drift = nightly.workflow.jobs.drift!;
  expect(String(nightly.workflow.env?.CONFORMANCE_TUTORIAL_URL)).toMatch(
    /^https:\/\/docs\.aws\.amazon\.com\/codeartifact\/latest\/ug\/getting-started-cli\.html$/,
  );
  const compare = drift.steps.find((s) => s.id === 'drift');
  expect(compare?.run).toContain('npm run drift -- "$CONFORMANCE_TUTORIAL_URL"');
  expect(compare?.if, 'a drift fails the job: visible').toBeUndefined();
  const issue = drift.steps.find((s) => /gh issue/.test(s.run ?? ''));
  expect(issue?.if).toBe("always() && steps.drift.outputs.exit-code == '1'");
  expect(conformance.needs).toBe('drift');
  expect((conformance as Job & { if?: string }).if, 'the service is judged also when the page drifted').toBe('${{ !cancelled() }}');
  const upload = drift.steps.find((s) => s.uses === 'actions/upload-artifact@v4');
  const download = conformance.steps.findIndex((s) => s.uses === 'actions/download-artifact@v4');
  expect(conformance.steps[download]!.with?.name).toBe(upload?.with?.name);
  expect(download).toBeLessThan(index(conformance, (s) => /npm run gate/.test(s.run ?? '')));
});

test('the matrix runs as shards, each leaving its reports, and one job merges them whatever the shards did', () => {
  const shard = matrixWorkflow.workflow.jobs.shard!;
  const shards = shard.strategy?.matrix?.shard as number[];
  expect(shards).toEqual(Array.from({ length: shards.length }, (_, i) => i + 1));
  expect(shards.length).toBeGreaterThan(1);
  expect(shard.strategy?.['fail-fast']).toBe(false);
  expect(shard.env?.SHARD).toBe(`\${{ matrix.shard }}/${shards.length}`);
  const toolchains = index(shard, (s) => /npm run toolchains/.test(s.run ?? ''));
  const run = index(shard, (s) => /npm run matrix -- --shard="\$SHARD"/.test(s.run ?? ''));
  expect(toolchains).toBeGreaterThan(index(shard, (s) => /npm ci/.test(s.run ?? '')));
  expect(run).toBeGreaterThan(toolchains);
  expect(runs(shard)).toMatch(/apt-get install[^\n]*\bawscli\b[^\n]*\bchromium\b/);
  const upload = shard.steps.find((s) => s.uses === 'actions/upload-artifact@v4');
  expect(upload).toMatchObject({ if: 'always()', with: { name: 'matrix-shard-${{ matrix.shard }}', path: 'reports/' } });

  const merge = matrixWorkflow.workflow.jobs.merge!;
  expect(merge.needs).toBe('shard');
  expect((merge as Job & { if?: string }).if).toBe('${{ !cancelled() }}');
  const download = merge.steps.find((s) => s.uses === 'actions/download-artifact@v4');
  expect(download?.with).toEqual({ pattern: 'matrix-shard-*', path: 'shards' });
  expect(runs(merge)).toContain('npm run matrix:merge -- shards/* --out reports');
  expect(merge.steps.find((s) => s.uses === 'actions/upload-artifact@v4')?.if).toBe('always()');
});

test('no secret, account id or role is written in the workflows: only ${{ vars.* }} and ${{ secrets.* }}', () => {
  for (const [file, { text, workflow }] of Object.entries(all)) {
    const literal = [
      /\bA(?:KIA|SIA)[0-9A-Z]{16}\b/, // access key ids
      /\b\d{12}\b/, // account ids
      /arn:aws[\w-]*:/, // role and other ARNs
      /eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/, // tokens
      /aws_secret_access_key|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/i,
      /[A-Za-z0-9/+]{40}/, // secret access keys
    ];
    for (const re of literal) expect(text, `${file} has nothing like ${re}`).not.toMatch(re);
    // Every expression that reads configuration reads one named variable or secret.
    for (const [, expr] of text.matchAll(/\$\{\{\s*(.*?)\s*\}\}/g)) {
      if (/\b(vars|secrets)\b/.test(expr!)) expect(expr, `${file}: ${expr}`).toMatch(/^(vars|secrets)\.[A-Z][A-Z0-9_]*$/);
    }
    // Whatever names an account, role, region, key, token or password is such a reference.
    const sensitive = /account|role-to-assume|region|secret|token|password|key-id|access-key/i;
    const values = [...envs(workflow), ...steps(workflow).map((s) => s.with ?? {})].flatMap((o) => Object.entries(o));
    for (const [key, value] of values) {
      if (!sensitive.test(key) || key === 'role-session-name' || key === 'role-duration-seconds') continue;
      // The job's own short-lived token, for the gh CLI: GitHub issues it per run; it is no stored secret.
      if (key === 'GH_TOKEN' && value === '${{ github.token }}') continue;
      expect(String(value), `${file}: ${key}`).toMatch(/^\$\{\{ (vars|secrets)\.[A-Z][A-Z0-9_]* \}\}$/);
    }
  }
});

test("in Actions, Playwright's github reporter writes workflow commands (the pull request's annotations); elsewhere it is off", async ({
  scratch,
}) => {
  test.setTimeout(300_000);
  const reports = scratch.dir('cc-github-reporter-');
  // One quick test that passes; the github reporter's run summary is a `::notice` workflow command.
  const args = [PLAYWRIGHT_CLI, 'test', '--project=harness', 'tests/harness/drift.spec.ts', '-g', 'HTML is recognised'];
  const runWith = (GITHUB_ACTIONS: string) =>
    execa(process.execPath, args, {
      cwd: ROOT,
      env: { ...nestedEnv(process.env as Record<string, string>), GITHUB_ACTIONS, CONFORMANCE_REPORTS_DIR: reports },
      reject: false,
      all: true,
    });
  const inActions = await runWith('true');
  expect(inActions.exitCode, inActions.all).toBe(0);
  expect(inActions.stdout).toMatch(/^::notice title=.*Playwright Run Summary::/m);
  const local = await runWith('');
  expect(local.exitCode, local.all).toBe(0);
  expect(local.stdout).not.toMatch(/^::notice /m);
});

test('job conditions, evaluated: the AWS run goes on after drift but not after a cancel; Pages after a failed gate; the merge after a failed shard', () => {
  const when = (job: Job, needs: Record<string, string>, cancelled = false) => {
    const expr = String((job as Job & { if?: string }).if).replace(/^\$\{\{\s*|\s*\}\}$/g, '');
    const failed = Object.values(needs).includes('failure');
    return evaluate(
      expr,
      { needs: Object.fromEntries(Object.entries(needs).map(([k, result]) => [k, { result }])) },
      { failed, cancelled },
    );
  };
  expect(when(conformance, { drift: 'failure' })).toBe(true);
  expect(when(conformance, { drift: 'success' })).toBe(true);
  expect(when(conformance, { drift: 'failure' }, true)).toBe(false);
  const publish = nightly.workflow.jobs.publish!;
  expect(when(publish, { conformance: 'failure' })).toBe(true);
  expect(when(publish, { conformance: 'skipped' })).toBe(false);
  expect(when(publish, { conformance: 'success' }, true)).toBe(false);
  const merge = matrixWorkflow.workflow.jobs.merge!;
  expect(when(merge, { shard: 'failure' })).toBe(true);
  expect(when(merge, { shard: 'failure' }, true)).toBe(false);
});

test.describe('the nightly drift job, played', () => {
  test.describe.configure({ mode: 'serial' });
  const page = readFileSync(join(ROOT, 'tests', 'harness', 'fixtures', 'getting-started-cli.html'), 'utf8');
  /** The published page drifted: the login step is gone. */
  const drifted = (() => {
    const at = page.indexOf('aws codeartifact login --tool npm');
    return page.slice(0, page.lastIndexOf('<li>', at)) + page.slice(page.indexOf('</li>', at) + '</li>'.length);
  })();
  let served: { status: number; body: string } = { status: 200, body: page };
  let server: Server;
  let url: string;
  let scratch: string;
  let bin: string;

  // The nights share one folder: it stays (and the output says where) if one of them failed.
  const shared = new Scratch();
  test.afterEach(({}, testInfo) => shared.noteOutcome(testInfo));

  test.beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(served.status, { 'content-type': 'text/html; charset=utf-8' }).end(served.body));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/codeartifact/latest/ug/getting-started-cli.html`;
    scratch = shared.dir('cc-drift-job-');
    // GitHub's CLI cannot reach GitHub from here: this one records what it was asked (and the
    // body file it was given) and answers `issue list` from the issues it "created".
    bin = join(scratch, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'gh'),
      `#!/usr/bin/env node
const fs = process.getBuiltinModule('node:fs'); // works whether node reads this file as CommonJS or ESM
const dir = ${JSON.stringify(scratch)};
const args = process.argv.slice(2);
const bodyAt = args.indexOf('--body-file');
fs.appendFileSync(dir + '/gh-calls.jsonl', JSON.stringify({ args, body: bodyAt >= 0 ? fs.readFileSync(args[bodyAt + 1], 'utf8') : undefined, token: !!process.env.GH_TOKEN, repo: process.env.GH_REPO }) + '\\n');
const open = dir + '/open-issue';
if (args[0] === 'issue' && args[1] === 'list') process.stdout.write(fs.existsSync(open) ? fs.readFileSync(open, 'utf8') + '\\n' : '\\n');
if (args[0] === 'issue' && args[1] === 'create') { fs.writeFileSync(open, '7'); process.stdout.write('https://github.com/example/codeartifact-conformance/issues/7\\n'); }
`,
    );
    chmodSync(join(bin, 'gh'), 0o755);
  });

  test.afterAll(async () => {
    await new Promise((done) => server.close(done));
    shared.finish();
  });

  const ghCalls = () =>
    existsSync(join(scratch, 'gh-calls.jsonl'))
      ? readFileSync(join(scratch, 'gh-calls.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { args: string[]; body?: string; token: boolean; repo: string })
      : [];

  async function night(n: number) {
    const workspace = await freshCheckout(ROOT);
    try {
      return await playJob({
        workflow: nightly.workflow,
        job: 'drift',
        workspace,
        baseEnv: { ...(process.env as Record<string, string>), PATH: `${bin}${delimiter}${process.env.PATH}` },
        override: { CONFORMANCE_TUTORIAL_URL: url },
        contexts: {
          github: {
            run_id: String(4200 + n),
            run_attempt: '1',
            repository: 'example/codeartifact-conformance',
            repository_owner: 'example',
            server_url: 'https://github.com',
            token: 'ghs_run_token',
          },
          vars: {},
          secrets: {},
        },
        actions: { 'actions/checkout': alreadyHere, 'actions/setup-node': alreadyHere, ...folderArtifacts(join(scratch, 'artifacts')) },
        // `npm ci` would reinstall the node_modules every worktree shares; the checkout links it installed.
        skip: (step) => (/^\s*npm ci\s*$/.test(step.run ?? '') ? 'npm ci: node_modules is installed and shared' : undefined),
        runnerTemp: join(scratch, `runner-${n}`),
      });
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  }

  test('the page as published: the job passes, no issue, the summary says no drift, the report is kept', async () => {
    test.setTimeout(300_000);
    served = { status: 200, body: page };
    const job = await night(1);
    const byName = Object.fromEntries(job.steps.map((s) => [s.name, s]));
    expect(
      byName['Compare the published tutorial with the scenarios']?.outcome,
      byName['Compare the published tutorial with the scenarios']?.output,
    ).toBe('success');
    expect(job.result).toBe('success');
    expect(byName['Open or update the tutorial drift issue']?.outcome).toBe('skipped');
    expect(job.steps.filter((s) => s.outcome === 'not played').map((s) => s.name)).toEqual(['Run npm ci']);
    expect(job.stepSummary).toContain('## Tutorial drift: none');
    expect(JSON.parse(readFileSync(join(scratch, 'artifacts', 'drift-4201-1', 'drift.json'), 'utf8'))).toMatchObject({
      document: url,
      changes: [],
    });
    expect(ghCalls()).toEqual([]);
  });

  test('the page drifted: the job fails, opens the issue with the changes, and comments on it the next night', async () => {
    test.setTimeout(300_000);
    served = { status: 200, body: drifted };
    const first = await night(2);
    const compare = first.steps.find((s) => s.name === 'Compare the published tutorial with the scenarios')!;
    expect(compare.outcome).toBe('failure');
    expect(compare.exitCode).toBe(1);
    expect(first.result).toBe('failure');
    const issue = first.steps.find((s) => s.name === 'Open or update the tutorial drift issue');
    expect(issue?.outcome, issue?.output).toBe('success');
    expect(first.stepSummary).toContain('| removed | login |');
    const opened = ghCalls();
    expect(opened.map((c) => c.args.slice(0, 2))).toEqual([
      ['issue', 'list'],
      ['label', 'create'],
      ['issue', 'create'],
    ]);
    expect(opened.every((c) => c.token && c.repo === 'example/codeartifact-conformance')).toBe(true);
    expect(opened[2]!.args).toEqual(expect.arrayContaining(['--label', 'tutorial-drift']));
    expect(opened[2]!.body).toContain('| removed | login |');
    expect(opened[2]!.body).toContain('Found by the nightly run https://github.com/example/codeartifact-conformance/actions/runs/4202');

    const second = await night(3);
    expect(second.result).toBe('failure');
    const next = ghCalls().slice(opened.length);
    expect(next.map((c) => c.args.slice(0, 3))).toEqual([
      ['issue', 'list', '--label'],
      ['issue', 'comment', '7'],
    ]);
    expect(next[1]!.body).toContain('actions/runs/4203');
  });

  test('the page cannot be read: the job fails visibly (exit 2) and opens no issue', async () => {
    test.setTimeout(300_000);
    served = { status: 404, body: '<html><body>Not here</body></html>' };
    const before = ghCalls().length;
    const job = await night(4);
    const compare = job.steps.find((s) => s.name === 'Compare the published tutorial with the scenarios')!;
    expect(compare.exitCode).toBe(2);
    expect(compare.output).toContain('answered HTTP 404');
    expect(job.result).toBe('failure');
    expect(job.steps.find((s) => s.name === 'Open or update the tutorial drift issue')?.outcome).toBe('skipped');
    expect(ghCalls().length).toBe(before);
  });
});
