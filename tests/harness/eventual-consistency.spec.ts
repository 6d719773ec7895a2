/**
 * AWS's eventual consistency and refusals, played by the fault proxy in front of the real
 * emulator, against the harness's own parts (issue 13), with the real aws CLI and SDK:
 *  - a deleted domain still described (as Deleted) and listed (as it was, then as Deleted), and a
 *    deleted repository still described, for a few seconds: the clean-up steps' checks and the
 *    "left behind" decision wait for it, bounded, and count Deleted as gone;
 *  - a 409 ConflictException right after a delete: the clean-up ledger's calls and a step's aws
 *    CLI command are tried again with bounded backoff and say so;
 *  - AccessDenied in the harness's own calls (clean-up, a state check): the IAM action it needed,
 *    the fix, and no verdict;
 *  - `npm run sweep` through the proxy: untagged leftovers named exactly as a run names its
 *    domains go after the TTL, nothing else; an error on one domain (another team's tags, a 500)
 *    is reported and the sweep goes on; --dry-run says what it would do and why.
 * The whole tutorial through the proxy, as `npm run gate`, is in aws-gate.spec.ts.
 */
import {
  CodeartifactClient,
  CreateDomainCommand,
  CreateRepositoryCommand,
  DeleteDomainCommand,
  DeleteRepositoryCommand,
  ListDomainsCommand,
  UpdateRepositoryCommand,
  paginateListRepositoriesInDomain,
} from '@aws-sdk/client-codeartifact';
import { expect, test } from '@playwright/test';
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideScenario, scenarioProblems, type Retry } from '../../helpers/outcome/model.ts';
import { runCli } from '../../helpers/run/cli.ts';
import { addHarnessMiddleware, awsCliServiceError, retryStepOnConflict } from '../../helpers/run/conflicts.ts';
import { goneWaitMs, waitUntilDomainGone } from '../../helpers/run/eventual.ts';
import { CleanupLedger, TAG_CREATED, TAG_HARNESS, TAG_RUN, type LedgerResource } from '../../helpers/run/ledger.ts';
import { createSandbox, type Sandbox } from '../../helpers/run/sandbox.ts';
import { codeartifactClient } from '../../helpers/run/sdk.ts';
import { accessDeniedOf, POLICY_FILE } from '../../helpers/target/aws-permissions.ts';
import { startEmulatorProcess, type EmulatorProcess } from '../../helpers/target/emulator-process.ts';
import { cleanup, setupSteps } from '../../scenarios/tutorial.ts';
import type { StepContext } from '../../scenarios/types.ts';
import { accessDenied, conflictOnce, createdAgo, played, stillShownAfterDelete } from '../support/aws-like.ts';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy.ts';
import { ROOT } from './nested-run.ts';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const HOUR = 3_600_000;

let emulator: EmulatorProcess;
let proxy: FaultProxy;
/** Straight to the emulator: sets up and looks, never through the proxy. */
let direct: CodeartifactClient;
let stateDir: string;
const savedStateDir = process.env.CONFORMANCE_STATE_DIR;

test.beforeAll(async () => {
  emulator = await startEmulatorProcess();
  proxy = await startFaultProxy(emulator.url);
  direct = new CodeartifactClient({ endpoint: emulator.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  // The ledgers these tests write go to a folder of their own, not the machine's state folder.
  stateDir = mkdtempSync(join(tmpdir(), 'cc-state-'));
  process.env.CONFORMANCE_STATE_DIR = stateDir;
});
test.afterAll(async () => {
  if (savedStateDir === undefined) delete process.env.CONFORMANCE_STATE_DIR;
  else process.env.CONFORMANCE_STATE_DIR = savedStateDir;
  rmSync(stateDir, { recursive: true, force: true });
  direct?.destroy();
  await proxy?.close();
  await emulator?.stop();
});
test.beforeEach(() => proxy.setRules([]));

let n = 0;
/** A domain named as a run names its domains (cc-<run id>-<scenario><4 hex>). */
const runDomain = (code = 't') =>
  `cc-${Date.now().toString(36)}${process.pid.toString(36)}${n++}-${code}${(n * 4099).toString(16).padStart(4, '0').slice(-4)}`;

/** The harness's client, through the proxy, as a run builds it. */
const harnessClient = () => codeartifactClient({ endpointUrl: proxy.url, region: REGION, credentials: CREDENTIALS });

async function domainNames(): Promise<string[]> {
  return ((await direct.send(new ListDomainsCommand({}))).domains ?? []).map((d) => d.name!).sort();
}

/** The tutorial's domain and repositories, my-repo with npm-store upstream, straight on the emulator. */
async function tutorialDomain(domain: string, tags: { key: string; value: string }[] = []): Promise<void> {
  await direct.send(new CreateDomainCommand({ domain, ...(tags.length ? { tags } : {}) }));
  await direct.send(new CreateRepositoryCommand({ domain, repository: 'npm-store' }));
  await direct.send(new CreateRepositoryCommand({ domain, repository: 'my-repo', upstreams: [{ repositoryName: 'npm-store' }] }));
}

async function removeDirectly(domain: string): Promise<void> {
  const repositories: string[] = [];
  try {
    for await (const page of paginateListRepositoriesInDomain({ client: direct }, { domain })) {
      for (const r of page.repositories ?? []) repositories.push(r.name!);
    }
  } catch {
    return;
  }
  for (const repository of repositories) await direct.send(new UpdateRepositoryCommand({ domain, repository, upstreams: [] }));
  for (const repository of repositories) await direct.send(new DeleteRepositoryCommand({ domain, repository }));
  await direct.send(new DeleteDomainCommand({ domain })).catch(() => {});
}

/** What a tutorial step sees when the runner runs it on the endpoint target (here: through the proxy). */
function stepContext(domain: string, codeartifact: CodeartifactClient, sandbox: Sandbox): StepContext {
  return {
    names: { domain, myRepo: 'my-repo', npmStore: 'npm-store' },
    account: ACCOUNT,
    region: REGION,
    codeartifact,
    sandbox,
    visibilityLimitMs: 1_000,
    memory: {},
    secrets: [],
    target: 'endpoint',
  };
}

const awsEnv = {
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_DEFAULT_REGION: REGION,
  AWS_MAX_ATTEMPTS: '1',
  AWS_PAGER: '',
};

test('a deleted domain and repository still shown for seconds are gone to the clean-up checks and the leftover check: Deleted counts, the wait is bounded', async () => {
  test.setTimeout(120_000);
  const domain = runDomain();
  await tutorialDomain(domain);
  proxy.setRules(stillShownAfterDelete({ staleMs: 2_500, listedMs: 10_000, describedMs: 60_000, repositoryDescribedMs: 1_500 }));
  const client = harnessClient();
  const sandbox = createSandbox('eventual');
  try {
    const ctx = stepContext(domain, client, sandbox);
    // The tutorial's clean-up, as the runner runs it: the real aws CLI through the proxy, then the step's check.
    const checked: string[] = [];
    for (const step of cleanup) {
      const command = step.command(ctx);
      const run = await runCli(process.env.AWS_CLI ?? 'aws', [...command.args, '--endpoint-url', proxy.url], {
        env: sandbox.env(awsEnv),
        isolatedEnv: true,
      });
      expect(run.exitCode, run.transcript()).toBe(0);
      checked.push(await step.check(ctx, run));
    }
    expect(checked[0]).toMatch(/^repository my-repo is gone \(the delete took \d+\.\d s to show\)$/);
    expect(checked[2]).toMatch(new RegExp(`^domain ${domain} is gone \\(the delete took \\d+\\.\\d s to show\\)$`));
    // The realities were played: described as Deleted, listed as it was, then as Deleted.
    expect(played(proxy.state, 'repository-described-after-delete')).toBeGreaterThan(0);
    expect(played(proxy.state, 'domain-described-after-delete')).toBeGreaterThan(0);
    expect(played(proxy.state, 'domain-listed-after-delete-as-Active')).toBeGreaterThan(0);

    // The run's "left behind" decision: still described and listed, as Deleted: gone, at once.
    const listedAsDeleted = played(proxy.state, 'domain-listed-after-delete-as-Deleted');
    const leftover = await waitUntilDomainGone(client, domain, goneWaitMs('endpoint'), ACCOUNT);
    expect(leftover).toMatchObject({ gone: true, looks: 1 });
    expect(played(proxy.state, 'domain-listed-after-delete-as-Deleted')).toBeGreaterThan(listedAsDeleted);

    // A domain that is really there is not gone, and the wait for it ends at its bound.
    const other = runDomain();
    await direct.send(new CreateDomainCommand({ domain: other }));
    const started = Date.now();
    const left = await waitUntilDomainGone(client, other, 1_500, ACCOUNT);
    expect(left.gone).toBe(false);
    expect(left.still).toContain('DescribeDomain');
    expect(Date.now() - started).toBeLessThan(5_000);
    await removeDirectly(other);
  } finally {
    sandbox.dispose();
    client.destroy();
    await removeDirectly(domain);
  }
});

test('a 409 ConflictException right after a delete: the clean-up ledger tries again with backoff, bounded, and says so', async () => {
  test.setTimeout(120_000);
  const domain = runDomain();
  await tutorialDomain(domain);
  const retries: Retry[] = [];
  const client = addHarnessMiddleware(harnessClient(), { onRetry: (r) => retries.push(r) });
  const ledger = CleanupLedger.create(`conflict-${n}`, 'conflictrun', {
    kind: 'endpoint',
    endpointUrl: proxy.url,
    account: ACCOUNT,
    region: REGION,
  });
  const resources: LedgerResource[] = [
    { kind: 'domain', domain },
    { kind: 'repository', domain, repository: 'npm-store' },
    { kind: 'repository', domain, repository: 'my-repo' },
    { kind: 'upstreams', domain, repository: 'my-repo' },
  ];
  try {
    for (const r of resources) {
      ledger.intend(r);
      await ledger.created(r, client);
    }
    // AWS catching up: the first delete of a repository, and of the domain, is refused once.
    proxy.setRules([conflictOnce('DeleteRepository', 'sdk'), conflictOnce('DeleteDomain', 'sdk')]);
    const report = await ledger.undoAll(client);
    expect(report.failed).toEqual([]);
    expect(report.undone).toEqual([
      `upstreams of ${domain}/my-repo`,
      `repository ${domain}/my-repo`,
      `repository ${domain}/npm-store`,
      `domain ${domain}`,
    ]);
    expect(Object.fromEntries(proxy.hits)).toEqual({ '409-once-DeleteRepository-sdk': 1, '409-once-DeleteDomain-sdk': 1 });
    expect(retries).toEqual([
      { call: 'DeleteRepository', by: 'harness', error: 'ConflictException', attempts: 2, waitedMs: expect.any(Number), succeeded: true },
      { call: 'DeleteDomain', by: 'harness', error: 'ConflictException', attempts: 2, waitedMs: expect.any(Number), succeeded: true },
    ]);
    for (const r of retries) expect(r.waitedMs).toBeGreaterThanOrEqual(500);
    expect(await domainNames()).not.toContain(domain);

    // Bounded: a conflict that does not pass is reported after the last attempt, not retried for ever.
    const stuck = runDomain();
    await direct.send(new CreateDomainCommand({ domain: stuck }));
    const always: FaultRule = { ...conflictOnce('DeleteDomain', 'sdk'), name: 'always-409' };
    delete always.times;
    proxy.setRules([always]);
    const bounded: Retry[] = [];
    const impatient = addHarnessMiddleware(harnessClient(), { maxAttempts: 3, baseDelayMs: 100, onRetry: (r) => bounded.push(r) });
    const second = CleanupLedger.create(`conflict-stuck-${n}`, 'conflictrun', {
      kind: 'endpoint',
      endpointUrl: proxy.url,
      account: ACCOUNT,
      region: REGION,
    });
    second.intend({ kind: 'domain', domain: stuck });
    await second.created({ kind: 'domain', domain: stuck }, impatient);
    const stuckReport = await second.undoAll(impatient);
    expect(stuckReport.failed.map((f) => f.resource)).toEqual([`domain ${stuck}`]);
    expect(stuckReport.failed[0]!.error).toMatch(/^ConflictException: /);
    expect(proxy.hits.get('always-409')).toBe(3);
    expect(bounded).toEqual([expect.objectContaining({ call: 'DeleteDomain', attempts: 3, succeeded: false })]);
    impatient.destroy();
    second.discard();
    await removeDirectly(stuck);
  } finally {
    client.destroy();
    ledger.discard();
    await removeDirectly(domain);
  }
});

test("a step's aws CLI command that meets a 409 right after a delete runs again, bounded, as the runner runs it; other errors are not retried", async () => {
  test.setTimeout(120_000);
  const domain = runDomain();
  await direct.send(new CreateDomainCommand({ domain }));
  await direct.send(new CreateRepositoryCommand({ domain, repository: 'my-repo' }));
  const sandbox = createSandbox('step-retry');
  const aws = (args: string[]) => () =>
    runCli(process.env.AWS_CLI ?? 'aws', [...args, '--endpoint-url', proxy.url], { env: sandbox.env(awsEnv), isolatedEnv: true });
  try {
    proxy.setRules([conflictOnce('DeleteRepository', 'cli')]);
    const deleted = await retryStepOnConflict(
      'aws codeartifact delete-repository',
      aws(['codeartifact', 'delete-repository', '--domain', domain, '--repository', 'my-repo']),
    );
    expect(deleted.run.exitCode, deleted.run.transcript()).toBe(0);
    expect(deleted.earlier.map((r) => awsCliServiceError(r))).toEqual([{ code: 'ConflictException', operation: 'DeleteRepository' }]);
    expect(deleted.retry).toEqual({
      call: 'aws codeartifact delete-repository',
      by: 'step',
      error: 'ConflictException',
      attempts: 2,
      waitedMs: expect.any(Number),
      succeeded: true,
    });

    // Bounded: a conflict that does not pass ends the step after the last attempt.
    const always: FaultRule = { ...conflictOnce('DeleteDomain', 'cli'), name: 'always-409' };
    delete always.times;
    proxy.setRules([always]);
    const stuck = await retryStepOnConflict('aws codeartifact delete-domain', aws(['codeartifact', 'delete-domain', '--domain', domain]), {
      maxAttempts: 3,
      baseDelayMs: 100,
    });
    expect(stuck.run.exitCode).not.toBe(0);
    expect(stuck.retry).toMatchObject({ attempts: 3, succeeded: false });
    expect(proxy.hits.get('always-409')).toBe(3);

    // Not a conflict (the repository is gone): one attempt, no retry.
    proxy.setRules([]);
    const missing = await retryStepOnConflict(
      'aws codeartifact delete-repository',
      aws(['codeartifact', 'delete-repository', '--domain', domain, '--repository', 'my-repo']),
    );
    expect(awsCliServiceError(missing.run)?.code).toBe('ResourceNotFoundException');
    expect(missing.earlier).toEqual([]);
    expect(missing.retry).toBeUndefined();
  } finally {
    sandbox.dispose();
    await removeDirectly(domain);
  }
});

test("AccessDenied in the harness's own calls names the IAM action and the fix, and gives no verdict: clean-up, and a state check", async () => {
  test.setTimeout(120_000);
  const domain = runDomain();
  await direct.send(new CreateDomainCommand({ domain }));
  const client = harnessClient();
  const ledger = CleanupLedger.create(`denied-${n}`, 'deniedrun', {
    kind: 'endpoint',
    endpointUrl: proxy.url,
    account: ACCOUNT,
    region: REGION,
  });
  const sandbox = createSandbox('denied');
  try {
    ledger.intend({ kind: 'domain', domain });
    await ledger.created({ kind: 'domain', domain }, client);
    proxy.setRules([accessDenied('DeleteDomain')]);
    const report = await ledger.undoAll(client);
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]!.accessDenied?.actions).toEqual(['codeartifact:DeleteDomain']);
    expect(report.failed[0]!.accessDenied?.fix).toContain(POLICY_FILE);
    // The run's verdict from it: no verdict, with the fix, not "failed".
    const cleanupOutcome = { removed: [], left: [], failed: report.failed };
    const problems = scenarioProblems(
      [{ id: 'cleanup-delete-domain', title: 'Clean up. x', kind: 'passed', durationMs: 1 }],
      { leftovers: [], cleanup: cleanupOutcome, latency: {} },
      60_000,
    );
    expect(problems).toEqual([expect.objectContaining({ verdict: 'no-verdict', hint: report.failed[0]!.accessDenied!.fix })]);
    expect(decideScenario([{ id: 'x', title: '1. x', kind: 'passed', durationMs: 1 }], problems).verdict).toBe('no-verdict');

    // A state check refused by IAM: the error names its command without being told (the runner asks accessDeniedOf(err)).
    proxy.setRules([accessDenied('DescribeDomain')]);
    const createDomain = setupSteps.find((s) => s.id === 'create-domain')!;
    const ctx = stepContext(domain, client, sandbox);
    const refused = await createDomain.check(ctx, undefined as never).then(
      () => undefined,
      (err: unknown) => err,
    );
    const denied = accessDeniedOf(refused);
    expect(denied?.command).toBe('DescribeDomainCommand');
    expect(denied?.actions).toEqual(['codeartifact:DescribeDomain']);
    expect(proxy.hits.get('403-DescribeDomain')).toBe(1);
  } finally {
    sandbox.dispose();
    client.destroy();
    ledger.discard();
    await removeDirectly(domain);
  }
});

test("npm run sweep through the proxy: untagged leftovers with a run's exact name go after the TTL, nothing else; an error on one domain is reported and the sweep goes on; --dry-run says what and why", async ({}, testInfo) => {
  test.setTimeout(180_000);
  const harnessTags = (runId: string, createdAt: string) => [
    { key: TAG_HARNESS, value: 'true' },
    { key: TAG_RUN, value: runId },
    { key: TAG_CREATED, value: createdAt },
  ];
  const domains = {
    /** First in ListDomains' order: a 500 when deleting it must not stop the sweep. */
    failing: 'cc-aaaa-t1111',
    /** A run killed between create-domain and tagging, two days ago, its ledger on another machine. */
    untaggedOld: 'cc-deadrun01-t1a2b',
    /** The same, an hour ago: younger than the TTL. */
    untaggedYoung: 'cc-youngrun1-m0c3d',
    /** A harness-tagged leftover two days old. */
    taggedOld: 'cc-oldtagged-t0000',
    /** Named like ours, but another team's: its tags may not be read (403). */
    foreignLookalike: 'cc-billing01-x9f9f',
    /** Another team's, tagged their way, with our exact naming. */
    foreignTagged: 'cc-payroll2-m1234',
    /** Other names: never looked at. */
    foreignPrefix: 'cc-payments-prod',
    foreign: 'team-domain',
  };
  const all = Object.values(domains).sort();
  for (const d of [domains.failing, domains.untaggedOld, domains.untaggedYoung, domains.foreignLookalike, domains.foreignPrefix])
    await tutorialDomain(d);
  await tutorialDomain(domains.taggedOld, harnessTags('oldtagged', new Date(Date.now() - 48 * HOUR).toISOString()));
  await direct.send(new CreateDomainCommand({ domain: domains.foreignTagged, tags: [{ key: 'team', value: 'payroll' }] }));
  await direct.send(new CreateDomainCommand({ domain: domains.foreign, tags: [{ key: 'team', value: 'payments' }] }));
  const arnHas = (name: string) => (r: { query: URLSearchParams }) => (r.query.get('resourceArn') ?? '').endsWith(`/${name}`);
  const rules = (withFailure: boolean): FaultRule[] => [
    createdAgo({
      [domains.failing]: 48 * HOUR,
      [domains.untaggedOld]: 48 * HOUR,
      [domains.untaggedYoung]: 1 * HOUR,
      [domains.foreignLookalike]: 48 * HOUR,
      [domains.foreignTagged]: 48 * HOUR,
      [domains.foreignPrefix]: 48 * HOUR,
      [domains.foreign]: 48 * HOUR,
    }),
    accessDenied('ListTagsForResource', 'sdk', arnHas(domains.foreignLookalike)),
    // Never asked: the sweep does not read the tags of names that are not a run's.
    { ...accessDenied('ListTagsForResource', 'sdk', arnHas(domains.foreignPrefix)), name: 'tags-of-other-names' },
    { ...accessDenied('ListTagsForResource', 'sdk', arnHas(domains.foreign)), name: 'tags-of-other-names' },
    ...(withFailure
      ? [
          {
            name: '500-on-one-delete',
            operation: 'DeleteDomain',
            when: (r: { query: URLSearchParams }) => r.query.get('domain') === domains.failing,
            action: {
              status: 500,
              shortCircuit: true,
              headers: { 'x-amzn-errortype': 'InternalServerException' },
              json: () => ({ message: 'internal error' }),
            },
          } satisfies FaultRule,
        ]
      : []),
  ];
  const env = {
    ...(process.env as Record<string, string>),
    CONFORMANCE_TARGET: 'endpoint',
    CONFORMANCE_ENDPOINT_URL: proxy.url,
    CONFORMANCE_STATE_DIR: stateDir,
  };
  const sweep = async (args: string[]) => {
    const run = await execa(process.execPath, ['--import', 'tsx', 'scripts/sweep.ts', ...args], {
      cwd: ROOT,
      env,
      reject: false,
      all: true,
    });
    await testInfo.attach(`sweep ${args.join(' ')}`, { body: String(run.all), contentType: 'text/plain' });
    return run;
  };
  const line = (action: string, domain: string) => new RegExp(`^ {2}${action} domain ${domain}: (.*)$`, 'm');
  try {
    proxy.setRules(rules(true));
    const dry = await sweep(['--ttl-hours', '6', '--dry-run']);
    expect(dry.exitCode, dry.stdout).toBe(0);
    expect(dry.stdout).toMatch(line('would remove', domains.failing));
    expect(line('would remove', domains.untaggedOld).exec(dry.stdout)?.[1]).toMatch(
      /^untagged, named exactly as run deadrun01 names its domains, 48\.\d h old: older than the TTL of 6\.0 h/,
    );
    expect(line('would remove', domains.taggedOld).exec(dry.stdout)?.[1]).toMatch(/^harness-tagged by run oldtagged, 48\.\d h old/);
    expect(line('kept', domains.untaggedYoung).exec(dry.stdout)?.[1]).toMatch(/younger than the TTL/);
    expect(line('kept', domains.foreignLookalike).exec(dry.stdout)?.[1]).toContain('codeartifact:ListTagsForResource');
    expect(line('kept', domains.foreignTagged).exec(dry.stdout)?.[1]).toMatch(/not with the harness's tag/);
    expect(line('kept', domains.foreignPrefix).exec(dry.stdout)?.[1]).toMatch(
      /^not created by the harness: not named as a run names its domains/,
    );
    expect(dry.stdout).toMatch(line('kept', domains.foreign));
    expect(await domainNames(), 'a dry run removes nothing').toEqual(all);
    expect(proxy.hits.get('403-ListTagsForResource')).toBe(1);

    const real = await sweep(['--ttl-hours', '6']);
    expect(real.exitCode, 'one domain could not be removed: exit 1').toBe(1);
    expect(line('FAILED', domains.failing).exec(real.stdout)?.[1]).toMatch(/^InternalServerException: /);
    // ...and the sweep went on to the domains after it.
    for (const d of [domains.untaggedOld, domains.taggedOld]) expect(real.stdout).toMatch(line('removed', d));
    expect(await domainNames()).toEqual(all.filter((d) => d !== domains.untaggedOld && d !== domains.taggedOld));

    // Once the service answers again, the next sweep finishes; a TTL of 0 takes the young one too, and never another name.
    proxy.setRules(rules(false));
    const again = await sweep(['--ttl-hours', '0']);
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.stdout).toMatch(line('removed', domains.failing));
    expect(again.stdout).toMatch(line('removed', domains.untaggedYoung));
    expect(await domainNames()).toEqual([domains.foreignLookalike, domains.foreignTagged, domains.foreignPrefix, domains.foreign].sort());
    expect(proxy.hits.get('tags-of-other-names') ?? 0, 'tags read of domains not named as a run names its domains').toBe(0);
  } finally {
    proxy.setRules([]);
    for (const d of all) await removeDirectly(d);
  }
});
