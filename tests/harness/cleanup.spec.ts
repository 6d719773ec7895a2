/**
 * Nothing is left behind and nothing else is touched: an interrupt during `npm install`
 * leaves no resources, and a domain that existed before the run, without the harness tag,
 * survives both a run and a sweep (while an old harness-tagged leftover does not).
 */
import {
  type CodeartifactClient,
  CreateDomainCommand,
  CreateRepositoryCommand,
  DeleteDomainCommand,
  DeleteRepositoryCommand,
  ListDomainsCommand,
} from '@aws-sdk/client-codeartifact';
import { execa } from 'execa';
import { codeartifactClient } from '../../helpers/run/sdk.ts';
import { startEmulatorProcess, type EmulatorProcess } from '../../helpers/target/emulator-process.ts';
import { startFixtureRegistry, tutorialPackages, type FixtureRegistry } from '../support/fixture-registry.ts';
import { TAG_CREATED, TAG_HARNESS, TAG_RUN } from '../../helpers/run/ledger.ts';
import { expect, test } from './fixtures.ts';
import { filesUnder, readSummary, ROOT, runNested, startNestedRun } from './nested-run.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

async function domainNames(client: CodeartifactClient): Promise<string[]> {
  return ((await client.send(new ListDomainsCommand({}))).domains ?? []).map((d) => d.name!).sort();
}

let registry: FixtureRegistry;
test.beforeAll(async () => {
  registry = await startFixtureRegistry(tutorialPackages);
});
test.afterAll(async () => {
  await registry?.close();
});

test('an interrupt (Ctrl-C) during npm install leaves no domain behind', async ({ scratch }, testInfo) => {
  // npm install waits on a public registry that holds every request for a minute, so the
  // interrupt lands inside it.
  const slow = await startFixtureRegistry(tutorialPackages, { delayMs: 60_000 });
  const emulator: EmulatorProcess = await startEmulatorProcess(['--npmjs-url', slow.url]);
  const client = codeartifactClient({ endpointUrl: emulator.url, region: 'us-east-1', credentials });
  const stateDir = scratch.dir('cc-state-');
  try {
    const { process: child, reportsDir } = startNestedRun(
      {
        ...(process.env as Record<string, string>),
        CONFORMANCE_TARGET: 'endpoint',
        CONFORMANCE_ENDPOINT_URL: emulator.url,
        CONFORMANCE_STATE_DIR: stateDir,
      },
      undefined,
      undefined,
      scratch.dir('cc-nested-reports-'),
    );
    let output = '';
    // The install step has begun: its first progress line comes as it starts npm.
    const installing = new Promise<void>((resolve) => {
      child.all!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/… Step 7: waiting for npm install/.test(output)) resolve();
      });
    });
    await Promise.race([installing, child]);
    // ...and npm is inside it: its request for lodash has reached the public registry, which holds it.
    await expect
      .poll(() => slow.requests.some((r) => r.path.split('?')[0] === '/lodash'), {
        message: `npm's request for lodash reaches the public registry; the run printed:\n${output}`,
        timeout: 60_000,
      })
      .toBe(true);
    expect((await domainNames(client)).length, 'the run has created its domain before the interrupt').toBe(1);
    // Ctrl-C reaches the whole process group, as in a terminal.
    process.kill(-child.pid!, 'SIGINT');
    const result = await child;
    await testInfo.attach('nested run output', { body: String(result.all ?? output), contentType: 'text/plain' });
    expect(result.exitCode, 'an interrupted run does not pass').not.toBe(0);
    expect(await domainNames(client), 'domains left after the interrupt').toEqual([]);
    const summary = readSummary(reportsDir);
    if (summary) expect(summary.leftovers).toEqual([]);
    // The sandbox (with the token npm was using) and the ledger went with the run, no sweep needed.
    expect(filesUnder(stateDir), 'files the run left in its state folder').toEqual([]);
  } finally {
    client.destroy();
    await emulator.stop();
    await slow.close();
  }
});

test('a domain the harness did not create survives a run and a sweep; an old harness leftover is swept', async ({ scratch }, testInfo) => {
  const emulator = await startEmulatorProcess(['--npmjs-url', registry.url]);
  const client = codeartifactClient({ endpointUrl: emulator.url, region: 'us-east-1', credentials });
  // Its own state folder, so that the sweep sees only this test's runs.
  const stateDir = scratch.dir('cc-state-');
  try {
    // Someone's own domain, with a repository, and no harness tag.
    await client.send(new CreateDomainCommand({ domain: 'precious-domain', tags: [{ key: 'team', value: 'payments' }] }));
    await client.send(new CreateRepositoryCommand({ domain: 'precious-domain', repository: 'my-repo' }));
    // What a crashed harness run two days ago left: tagged, with an upstream link.
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000).toISOString();
    await client.send(
      new CreateDomainCommand({
        domain: 'cc-oldrun-t0000',
        tags: [
          { key: TAG_HARNESS, value: 'true' },
          { key: TAG_RUN, value: 'oldrun' },
          { key: TAG_CREATED, value: twoDaysAgo },
        ],
      }),
    );
    await client.send(new CreateRepositoryCommand({ domain: 'cc-oldrun-t0000', repository: 'npm-store' }));
    await client.send(
      new CreateRepositoryCommand({ domain: 'cc-oldrun-t0000', repository: 'my-repo', upstreams: [{ repositoryName: 'npm-store' }] }),
    );

    const env = {
      ...(process.env as Record<string, string>),
      CONFORMANCE_TARGET: 'endpoint',
      CONFORMANCE_ENDPOINT_URL: emulator.url,
      CONFORMANCE_STATE_DIR: stateDir,
    };
    const run = await runNested(env, undefined, undefined, scratch.dir('cc-nested-reports-'));
    await testInfo.attach('nested run output', { body: run.output, contentType: 'text/plain' });
    expect(run.exitCode).toBe(0);
    expect(await domainNames(client)).toEqual(['cc-oldrun-t0000', 'precious-domain']);

    const sweep = await execa(process.execPath, ['--import', 'tsx', 'scripts/sweep.ts', '--ttl-hours', '1'], {
      cwd: ROOT,
      env,
      reject: false,
      all: true,
    });
    await testInfo.attach('sweep output', { body: String(sweep.all), contentType: 'text/plain' });
    expect(sweep.exitCode).toBe(0);
    expect(sweep.stdout).toMatch(/^ {2}removed domain cc-oldrun-t0000: harness-tagged by run oldrun, 48\.\d h old: older than the TTL/m);
    expect(sweep.stdout).toMatch(/^ {2}kept domain precious-domain: not created by the harness/m);
    expect(await domainNames(client)).toEqual(['precious-domain']);

    // Even a TTL of zero leaves it alone.
    const again = await execa(process.execPath, ['--import', 'tsx', 'scripts/sweep.ts', '--ttl-hours', '0'], {
      cwd: ROOT,
      env,
      reject: false,
    });
    expect(again.exitCode).toBe(0);
    expect(await domainNames(client)).toEqual(['precious-domain']);
    await client.send(new DeleteRepositoryCommand({ domain: 'precious-domain', repository: 'my-repo' }));
    await client.send(new DeleteDomainCommand({ domain: 'precious-domain' }));
  } finally {
    client.destroy();
    await emulator.stop();
  }
});
