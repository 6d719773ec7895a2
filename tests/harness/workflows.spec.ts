/**
 * The GitHub workflows say what they must: the nightly runs the gate on real AWS with OIDC
 * credentials, always sweeps, keeps the Allure history, uploads the reports and leaves a step
 * summary whatever happened; the PR gate runs on the embedded emulator with no credentials at all; and neither
 * file holds a secret, an account id or a role, only `${{ vars.* }}` / `${{ secrets.* }}`.
 */
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { ROOT } from './nested-run.ts';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  'runs-on'?: string;
  permissions?: Record<string, string>;
  env?: Record<string, unknown>;
  steps: Step[];
}
interface Workflow {
  name?: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

function load(name: string): { text: string; workflow: Workflow } {
  const text = readFileSync(join(ROOT, '.github', 'workflows', name), 'utf8');
  const doc = parseDocument(text);
  expect(doc.errors.map((e) => e.message), `${name} is valid YAML`).toEqual([]);
  expect(doc.warnings.map((e) => e.message), `${name} parses without warnings`).toEqual([]);
  return { text, workflow: doc.toJS() as Workflow };
}

const nightly = load('nightly.yml');
const pr = load('pr-gate.yml');
const jobs = (w: Workflow) => Object.values(w.jobs);
const steps = (w: Workflow) => jobs(w).flatMap((j) => j.steps);
const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');
const uses = (w: Workflow, action: string) => steps(w).filter((s) => s.uses?.split('@')[0] === action);
/** Every env block the runner merges into a step's environment. */
const envs = (w: Workflow) => [w.env ?? {}, ...jobs(w).map((j) => j.env ?? {}), ...steps(w).map((s) => s.env ?? {})];

test('triggers: the nightly on a schedule and by hand; the PR gate on pull requests and pushes to main', () => {
  expect(Object.keys(nightly.workflow.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
  const schedule = nightly.workflow.on.schedule as { cron: string }[];
  expect(schedule.length).toBe(1);
  // once a day: minute and hour fixed, every day of every month
  expect(schedule[0]!.cron).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/);

  expect(Object.keys(pr.workflow.on).sort()).toEqual(['pull_request', 'push']);
  expect((pr.workflow.on.push as { branches: string[] }).branches).toEqual(['main']);
});

test('permissions: only the nightly may ask for an OIDC token; both only read the repository', () => {
  expect(nightly.workflow.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
  expect(pr.workflow.permissions).toEqual({ contents: 'read' });
  for (const job of jobs(pr.workflow)) expect(job.permissions?.['id-token'], 'a PR job asks for no OIDC token').toBeUndefined();
  expect(pr.text).not.toMatch(/id-token/);
});

test('target: the nightly runs on AWS with the account and region from repository variables; the PR gate on the embedded emulator', () => {
  const nightlyEnv = Object.assign({}, ...envs(nightly.workflow)) as Record<string, unknown>;
  expect(nightlyEnv.CONFORMANCE_TARGET).toBe('aws');
  expect(nightlyEnv.CONFORMANCE_AWS_ACCOUNT).toMatch(/^\$\{\{ vars\.\w+ \}\}$/);
  expect(nightlyEnv.AWS_REGION).toMatch(/^\$\{\{ vars\.\w+ \}\}$/);
  for (const env of envs(pr.workflow)) {
    expect(env, 'the PR gate sets no CONFORMANCE_TARGET (the embedded emulator is the default)').not.toHaveProperty('CONFORMANCE_TARGET');
    expect(env).not.toHaveProperty('CONFORMANCE_ENDPOINT_URL');
  }
  expect(uses(pr.workflow, 'aws-actions/configure-aws-credentials'), 'the PR gate has no AWS credentials').toEqual([]);
  expect(pr.text).not.toMatch(/\$\{\{\s*secrets\./);
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
  expect(all.indexOf(configure!), 'credentials are configured before the gate').toBeLessThan(all.findIndex((s) => /npm run gate/.test(s.run ?? '')));
});

test('every job installs the tools, checks out, sets up Node 20 with the npm cache, runs npm ci and then npm run gate', () => {
  for (const [file, { workflow }] of Object.entries({ nightly, pr })) {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const where = `${file} job ${name}`;
      const script = runs(job);
      expect(script, `${where} installs awscli and chromium with apt`).toMatch(/apt-get install[^\n]*\bawscli\b[^\n]*\bchromium\b/);
      expect(job.steps.some((s) => s.uses === 'actions/checkout@v4'), `${where} checks out`).toBe(true);
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

test('the nightly always sweeps leftovers older than 6 hours on the aws target', () => {
  const sweep = steps(nightly.workflow).filter((s) => /npm run sweep\b/.test(s.run ?? ''));
  expect(sweep.length).toBe(1);
  expect(sweep[0]!.run).toMatch(/npm run sweep -- --ttl-hours 6\b/);
  expect(sweep[0]!.if).toBe('always()');
  expect(sweep[0]!.env?.CONFORMANCE_TARGET ?? 'aws', 'the sweep runs on the aws target').toBe('aws');
});

test('reports: uploaded always by the nightly, on failure by the PR gate; the nightly builds Allure with its history and writes the step summary', () => {
  const [nightlyUpload, ...moreNightly] = uses(nightly.workflow, 'actions/upload-artifact');
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
  const restore = all.findIndex((s) => s.uses === 'actions/cache/restore@v4');
  const save = all.findIndex((s) => s.uses === 'actions/cache/save@v4');
  expect(restore).toBeGreaterThanOrEqual(0);
  expect(restore).toBeLessThan(report);
  expect(save).toBeGreaterThan(report);
  expect(all[restore]!.with?.path).toBe(historyDir);
  expect(all[save]!.with?.path).toBe(historyDir);
  expect(all[save]!.if).toBe('always()');
  expect(String(all[restore]!.with?.['restore-keys'])).toMatch(/\S/);

  // `npm run gate` appends gate.md to the step summary itself; the workflow adds a line only
  // when there is no gate.md (no verdict), so the summary never shows the verdict twice.
  const summary = all.filter((s) => /GITHUB_STEP_SUMMARY/.test(s.run ?? ''));
  expect(summary.length).toBe(1);
  expect(summary[0]!.if, 'the step summary says something whatever happened').toBe('always()');
  expect(summary[0]!.run).toMatch(/\[ -f reports\/gate\.md \] \|\|/);
});

test('no secret, account id or role is written in the workflows: only ${{ vars.* }} and ${{ secrets.* }}', () => {
  for (const [file, { text, workflow }] of Object.entries({ nightly, pr })) {
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
      expect(String(value), `${file}: ${key}`).toMatch(/^\$\{\{ (vars|secrets)\.[A-Z][A-Z0-9_]* \}\}$/);
    }
  }
});
