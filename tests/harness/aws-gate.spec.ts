/**
 * `npm run gate` for real (the real aws and npm CLIs, the tutorial, the emulator behind the fault
 * proxy as the `endpoint` target), with the proxy playing AWS as it behaves (issue 13):
 *  - the realities a correct run must pass, all in one run: the external connection AVAILABLE;
 *    a deleted domain still described (Deleted) and listed (as it was, then as Deleted) and a
 *    deleted repository still described for seconds; 409 ConflictException once on each kind of
 *    delete; tarball URLs with an explicit default port (AWS's `:443`; the proxy listens on port 80
 *    of a loopback address of its own, so that its URLs have the port implied as AWS's https ones
 *    do). Exit 0, the retried steps say so in every report, nothing is left behind;
 *  - a missing permission (403 AccessDeniedException on the harness's TagResource): exit 2, no
 *    verdict, and the fix names codeartifact:TagResource.
 * Each nested run costs half a minute of CPU: two runs in all.
 */
import { expect, test, type TestInfo } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeartifactClient, ListDomainsCommand } from '@aws-sdk/client-codeartifact';
import type { Summary } from '../../helpers/outcome/model.ts';
import { startEmulatorProcess, type EmulatorProcess } from '../../helpers/target/emulator-process.ts';
import {
  accessDenied,
  conflictOnce,
  externalConnectionAvailable,
  loopbackHost,
  played,
  stillShownAfterDelete,
  tarballsWithDefaultPort,
} from '../support/aws-like.ts';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy.ts';
import { startFixtureRegistry, tutorialPackages, type FixtureRegistry } from '../support/fixture-registry.ts';
import { parentEnv, runGate, type GateRun } from './nested-run.ts';

const TUTORIAL = ['tests/conformance/tutorial.spec.ts'];

let registry: FixtureRegistry;
test.beforeAll(async () => {
  registry = await startFixtureRegistry(tutorialPackages);
});
test.afterAll(async () => {
  await registry?.close();
});

interface Setup {
  emulator: EmulatorProcess;
  proxy: FaultProxy;
  /** The proxy listens on port 80, so that its URLs imply the default port. */
  defaultPort: boolean;
  stateDir: string;
  env: Record<string, string>;
  done(): Promise<void>;
}

/** An emulator behind a fault proxy, and the environment of a gate run against it as the endpoint target. */
async function behindProxy(testInfo: TestInfo): Promise<Setup> {
  const emulator = await startEmulatorProcess(['--npmjs-url', registry.url]);
  let proxy: FaultProxy | undefined;
  let defaultPort = true;
  for (let attempt = 0; !proxy && attempt < 5; attempt++) {
    try {
      proxy = await startFaultProxy(emulator.url, [], { host: loopbackHost(process.pid + attempt), port: 80 });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EACCES') break;
      if (code !== 'EADDRINUSE') throw err;
    }
  }
  if (!proxy) {
    // Port 80 needs root (or net.ipv4.ip_unprivileged_port_start=0), as in CI's container: say so, play the rest.
    defaultPort = false;
    testInfo.annotations.push({
      type: 'not played',
      description: 'tarball URLs with an explicit default port: port 80 could not be bound',
    });
    proxy = await startFaultProxy(emulator.url);
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'cc-state-'));
  const env = {
    ...parentEnv(),
    CONFORMANCE_TARGET: 'endpoint',
    CONFORMANCE_ENDPOINT_URL: proxy.url,
    CONFORMANCE_STATE_DIR: stateDir,
  };
  const p = proxy;
  return {
    emulator,
    proxy: p,
    defaultPort,
    stateDir,
    env,
    async done() {
      await p.close();
      await emulator.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

async function domainsOn(emulator: EmulatorProcess): Promise<string[]> {
  const client = new CodeartifactClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  try {
    return ((await client.send(new ListDomainsCommand({}))).domains ?? []).map((d) => d.name!);
  } finally {
    client.destroy();
  }
}

function stepOf(summary: Summary, id: string) {
  const step = summary.runs.find((r) => r.scenario === 'tutorial')?.steps.find((s) => s.id === id);
  expect(step, `step ${id} in summary.json`).toBeDefined();
  return step!;
}

async function gate(setup: Setup, testInfo: TestInfo): Promise<GateRun> {
  const run = await runGate(setup.env, TUTORIAL);
  await testInfo.attach('gate output', { body: run.output, contentType: 'text/plain' });
  await testInfo.attach('proxy', {
    body: JSON.stringify({ hits: Object.fromEntries(setup.proxy.hits), state: [...setup.proxy.state.keys()] }, null, 2),
    contentType: 'application/json',
  });
  expect(run.summary, `summary.json of run ${run.runId}\n${run.output.slice(-3000)}`).toBeDefined();
  expect(run.summary!.runId).toBe(run.runId);
  return run;
}

test("npm run gate through the proxy playing AWS's realities (AVAILABLE, deletes shown late, 409 once, :443-style tarball URLs) exits 0, and the retried steps say so", async ({}, testInfo) => {
  test.setTimeout(15 * 60_000);
  const setup = await behindProxy(testInfo);
  try {
    const rules: FaultRule[] = [
      // The aws CLI's deletes, the steps' own commands: answered 409 once each.
      conflictOnce('DeleteRepository', 'cli'),
      conflictOnce('DeleteDomain', 'cli'),
      ...stillShownAfterDelete({ staleMs: 3_000, listedMs: 20_000, describedMs: 15 * 60_000, repositoryDescribedMs: 2_000 }),
      externalConnectionAvailable(),
      ...(setup.defaultPort ? [tarballsWithDefaultPort()] : []),
    ];
    setup.proxy.setRules(rules);
    const run = await gate(setup, testInfo);
    const summary = run.summary!;
    expect(summary.verdict, summary.reason).toBe('passed');
    expect(run.exitCode, run.output.slice(-3000)).toBe(0);

    // Every reality was played, not just configured.
    expect(setup.proxy.hits.get('409-once-DeleteRepository-cli')).toBe(1);
    expect(setup.proxy.hits.get('409-once-DeleteDomain-cli')).toBe(1);
    for (const reality of [
      'external-connection-AVAILABLE',
      'repository-described-after-delete',
      'domain-described-after-delete',
      'domain-listed-after-delete-as-Active',
      'domain-listed-after-delete-as-Deleted',
      ...(setup.defaultPort ? ['tarball-urls-with-default-port'] : []),
    ])
      expect(played(setup.proxy.state, reality), `${reality} was played`).toBeGreaterThan(0);

    // The steps that met a 409 worked when tried again, and say so: summary.json, the console, the docs page.
    const retried = {
      'cleanup-delete-my-repo': 'aws codeartifact delete-repository',
      'cleanup-delete-domain': 'aws codeartifact delete-domain',
    };
    for (const [id, call] of Object.entries(retried)) {
      const step = stepOf(summary, id);
      expect(step.kind).toBe('passed');
      expect(step.retries).toEqual([
        { call, by: 'step', error: 'ConflictException', attempts: 2, waitedMs: expect.any(Number), succeeded: true },
      ]);
      expect(run.output).toContain(`↻ retried: ${call} met ConflictException and worked when tried again (2 attempts`);
    }
    expect(stepOf(summary, 'cleanup-delete-npm-store').retries).toBeUndefined();
    const docs = readFileSync(join(run.reportsDir, 'docs', 'index.html'), 'utf8');
    for (const id of Object.keys(retried))
      expect(docs).toMatch(
        new RegExp(
          `data-step-id="${id}"(?:(?!data-step-id=)[^])*?<ul class="retries" data-retries="1"><li data-retry-error="ConflictException" data-retry-by="step">`,
        ),
      );

    // Deleted but still shown: the checks waited for it, bounded, and nothing counts as left behind.
    expect(stepOf(summary, 'cleanup-delete-domain').checked).toMatch(/^domain cc-\S+ is gone \(the delete took \d+\.\d s to show\)$/);
    expect(stepOf(summary, 'cleanup-delete-my-repo').checked).toMatch(/^repository my-repo is gone \(the delete took/);
    expect(summary.leftovers).toEqual([]);
    expect(summary.runs.flatMap((r) => r.cleanup.failed)).toEqual([]);
    expect(await domainsOn(setup.emulator)).toEqual([]);

    // The lockfile's tarball URL carried the explicit default port, and the install check took it as the endpoint's.
    if (setup.defaultPort)
      expect(stepOf(summary, 'npm-install').checked).toMatch(
        /\(the lockfile: http:\/\/127\.[\d.]+:80\/\S+\/npm\/my-repo\/lodash\/-\/lodash-[\d.]+\.tgz\)$/,
      );
  } finally {
    await setup.done();
  }
});

test("npm run gate through the proxy with a missing permission (403 on the harness's TagResource) exits 2, no verdict, the fix naming codeartifact:TagResource", async ({}, testInfo) => {
  test.setTimeout(10 * 60_000);
  const setup = await behindProxy(testInfo);
  try {
    setup.proxy.setRules([accessDenied('TagResource')]);
    const run = await gate(setup, testInfo);
    const summary = run.summary!;
    expect(run.exitCode, run.output.slice(-3000)).toBe(2);
    expect(summary.verdict).toBe('no-verdict');
    expect(setup.proxy.hits.get('403-TagResource')).toBe(1);

    // Step 1 ran (the domain exists), then tagging it was refused: the harness's problem, not the tutorial's.
    const createDomain = stepOf(summary, 'create-domain');
    expect(createDomain.kind).toBe('infrastructure-problem');
    expect(createDomain.observed).toContain('codeartifact:TagResource');
    expect(createDomain.hint).toContain('aws/iam-policy.json');
    expect(summary.hint).toContain('codeartifact:TagResource');
    expect(summary.runs.flatMap((r) => r.steps).filter((s) => s.kind === 'conformance-failure')).toEqual([]);
    expect(run.output).toMatch(/^ {2}Fix: Grant the role the policy in aws\/iam-policy\.json \(it allows codeartifact:TagResource/m);
    expect(run.gateMd).toContain('<!-- verdict: no-verdict -->');

    // The untagged domain it created was still undone: created after the run meant to create it.
    expect(summary.leftovers).toEqual([]);
    expect(await domainsOn(setup.emulator)).toEqual([]);
  } finally {
    await setup.done();
  }
});
