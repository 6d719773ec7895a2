/**
 * The package operations through the AWS SDK for JavaScript v3, over content created the way
 * users create it: PublishPackageVersion (generic) and a real `npm publish` against the
 * repository's npm endpoint.
 * Here: listing, its filters and pagination, and the ingestion delay before ListPackages shows
 * a version that came through an external connection.
 *
 * Every test creates its own uniquely named domain and removes it (repositories first) in the
 * `cleanup` fixture's teardown, together with its temporary folders and extra emulators.
 * (Once part of packages.spec.ts, split by subject.)
 */
import { expect, sdkClient, test } from './fixtures.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  AssociateExternalConnectionCommand,
  DescribePackageCommand,
  GetPackageVersionAssetCommand,
  ListPackageVersionsCommand,
  ListPackagesCommand,
  PutPackageOriginConfigurationCommand,
  UpdatePackageVersionsStatusCommand,
} from '@aws-sdk/client-codeartifact';
import { execa } from 'execa';
import { startEmulatorProcess, type EmulatorProcess } from '../../helpers/target/emulator-process.ts';
import { startFixtureRegistry, tutorialPackages, type FixtureRegistry } from '../support/fixture-registry.ts';
import { makeDomain, pause, publishGeneric, npmFor, listAll, names } from './package-helpers.ts';

// Each test has its own domain: let both workers share them.
test.describe.configure({ mode: 'parallel' });

// ---------------------------------------------------------------------------------------------
// Listing: filters and pagination.
// ---------------------------------------------------------------------------------------------

test('ListPackages filters by format, namespace prefix, package prefix and origin restrictions, and paginates', async ({
  codeartifact: ca,
  cleanup,
}) => {
  const domain = await makeDomain(ca, cleanup, [['repo']]);
  const publish = (namespace: string, pkg: string) =>
    publishGeneric(ca, { domain, repository: 'repo', namespace, package: pkg, version: '1.0.0' });
  await publish('alpha', 'app-one');
  await publish('alpha', 'app-two');
  await publish('alphabet', 'lib');
  await publish('beta', 'app-three');
  await publish('beta', 'tool');
  await ca.send(
    new PutPackageOriginConfigurationCommand({
      domain,
      repository: 'repo',
      format: 'generic',
      namespace: 'beta',
      package: 'tool',
      restrictions: { publish: 'BLOCK', upstream: 'ALLOW' },
    }),
  );
  const q = { domain, repository: 'repo' };

  expect(names(await listAll(ca, q))).toEqual(['alpha/app-one', 'beta/app-three', 'alpha/app-two', 'alphabet/lib', 'beta/tool']);
  expect(names(await listAll(ca, { ...q, format: 'generic', namespace: 'alpha' }))).toEqual([
    'alpha/app-one',
    'alpha/app-two',
    'alphabet/lib',
  ]);
  expect(names(await listAll(ca, { ...q, format: 'generic', namespace: 'alphab' }))).toEqual(['alphabet/lib']);
  expect(names(await listAll(ca, { ...q, packagePrefix: 'app-t' }))).toEqual(['beta/app-three', 'alpha/app-two']);
  expect(names(await listAll(ca, { ...q, format: 'npm' }))).toEqual([]);
  expect(names(await listAll(ca, { ...q, publish: 'BLOCK' }))).toEqual(['beta/tool']);
  expect(names(await listAll(ca, { ...q, upstream: 'BLOCK' }))).toHaveLength(4);
  expect(names(await listAll(ca, { ...q, publish: 'ALLOW', upstream: 'ALLOW' }))).toEqual([]);

  const first = await ca.send(new ListPackagesCommand({ ...q, maxResults: 2 }));
  expect(names(first.packages)).toEqual(['alpha/app-one', 'beta/app-three']);
  expect(first.nextToken).toEqual(expect.any(String));
  const pages: string[][] = [];
  let nextToken: string | undefined;
  do {
    const page = await ca.send(new ListPackagesCommand({ ...q, maxResults: 2, nextToken }));
    pages.push(names(page.packages));
    nextToken = page.nextToken;
  } while (nextToken);
  expect(pages).toEqual([['alpha/app-one', 'beta/app-three'], ['alpha/app-two', 'alphabet/lib'], ['beta/tool']]);

  await expect(ca.send(new ListPackagesCommand({ ...q, namespace: 'alpha' }))).rejects.toMatchObject({ name: 'ValidationException' });
  await expect(ca.send(new ListPackagesCommand({ ...q, maxResults: 0 }))).rejects.toMatchObject({ name: 'ValidationException' });
  await expect(ca.send(new ListPackagesCommand({ ...q, nextToken: 'garbage' }))).rejects.toMatchObject({ name: 'ValidationException' });
  await expect(ca.send(new ListPackagesCommand({ ...q, repository: 'missing' }))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    resourceType: 'repository',
  });
});

test('ListPackageVersions sorts, filters by status and origin type, and paginates', async ({ codeartifact: ca, cleanup }) => {
  const domain = await makeDomain(ca, cleanup, [['repo']]);
  for (const version of ['1.2.0', '1.0.0', '1.10.0']) {
    await publishGeneric(ca, { domain, repository: 'repo', package: 'svc', version });
    await pause(5);
  }
  const id = { domain, repository: 'repo', format: 'generic' as const, namespace: 'acme', package: 'svc' };
  const versions = async (extra: object = {}) => {
    const out = await ca.send(new ListPackageVersionsCommand({ ...id, ...extra }));
    return out.versions?.map((v) => v.version);
  };

  const all = await ca.send(new ListPackageVersionsCommand(id));
  expect(all).toMatchObject({ defaultDisplayVersion: '1.10.0', format: 'generic', namespace: 'acme', package: 'svc' });
  expect(all.versions?.map((v) => v.version)).toEqual(['1.10.0', '1.2.0', '1.0.0']);
  expect(await versions({ sortBy: 'PUBLISHED_TIME' })).toEqual(['1.10.0', '1.0.0', '1.2.0']);

  const page1 = await ca.send(new ListPackageVersionsCommand({ ...id, maxResults: 2 }));
  expect(page1.versions?.map((v) => v.version)).toEqual(['1.10.0', '1.2.0']);
  const page2 = await ca.send(new ListPackageVersionsCommand({ ...id, maxResults: 2, nextToken: page1.nextToken }));
  expect(page2.versions?.map((v) => v.version)).toEqual(['1.0.0']);
  expect(page2.nextToken).toBeUndefined();

  await ca.send(new UpdatePackageVersionsStatusCommand({ ...id, versions: ['1.2.0'], targetStatus: 'Unlisted' }));
  expect(await versions({ status: 'Unlisted' })).toEqual(['1.2.0']);
  expect(await versions({ status: 'Published' })).toEqual(['1.10.0', '1.0.0']);
  expect(await versions({ status: 'Archived' })).toEqual([]);
  expect(await versions()).toEqual(['1.10.0', '1.2.0', '1.0.0']);
  expect(await versions({ originType: 'INTERNAL' })).toEqual(['1.10.0', '1.2.0', '1.0.0']);
  expect(await versions({ originType: 'EXTERNAL' })).toEqual([]);

  await expect(ca.send(new ListPackageVersionsCommand({ ...id, status: 'Gone' as never }))).rejects.toMatchObject({
    name: 'ValidationException',
  });
  await expect(ca.send(new ListPackageVersionsCommand({ ...id, sortBy: 'NAME' as never }))).rejects.toMatchObject({
    name: 'ValidationException',
  });
  await expect(ca.send(new ListPackageVersionsCommand({ ...id, package: 'nothing' }))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    resourceType: 'package',
  });
});

// ---------------------------------------------------------------------------------------------
// Versions ingested through an external connection appear only after the ingestion delay.
// ---------------------------------------------------------------------------------------------

test('ListPackages hides a version ingested through an external connection until the ingestion delay has passed', async ({ cleanup }) => {
  test.setTimeout(90_000);
  const registry: FixtureRegistry = await startFixtureRegistry(tutorialPackages);
  cleanup.add(() => registry.close());
  // Long enough that a slow, loaded CI machine still finishes npm install inside it.
  const delayMs = 6000;
  const emulator: EmulatorProcess = await startEmulatorProcess([
    '--ingestion-delay',
    String(delayMs),
    '--npmjs-url',
    registry.url,
    '--fault-admin',
  ]);
  cleanup.add(() => emulator.stop());
  const ca = sdkClient(cleanup, emulator.url);

  const domain = await makeDomain(ca, cleanup, [['proxy']]);
  await ca.send(new AssociateExternalConnectionCommand({ domain, repository: 'proxy', externalConnection: 'public:npmjs' }));
  const npm = await npmFor(ca, cleanup, domain, 'proxy');
  const project = path.join(npm.dir, 'project');
  await mkdir(project);
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));

  const started = Date.now();
  await execa('npm', ['install', 'lodash', '--no-audit', '--no-fund'], { cwd: project, env: npm.env, extendEnv: false });
  const installedAfter = Date.now() - started;
  const lodash = { domain, repository: 'proxy', format: 'npm' as const, package: 'lodash' };
  const listed = async () => names((await ca.send(new ListPackagesCommand({ domain, repository: 'proxy' }))).packages);

  // Retained (npm installed it through the repository) but not yet listed.
  expect(installedAfter, 'npm install took longer than the ingestion delay; the hidden phase cannot be observed').toBeLessThan(delayMs);
  expect(await listed()).toEqual([]);
  await expect(ca.send(new DescribePackageCommand(lodash))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    resourceType: 'package',
  });
  await expect(ca.send(new ListPackageVersionsCommand(lodash))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

  await expect.poll(listed, { timeout: delayMs + 10_000, intervals: [200] }).toEqual(['lodash']);
  expect(Date.now() - started).toBeGreaterThanOrEqual(delayMs);
  const versions = await ca.send(new ListPackageVersionsCommand(lodash));
  expect(versions.defaultDisplayVersion).toBe('4.17.21');
  expect(versions.versions).toEqual([
    {
      version: '4.17.21',
      revision: expect.any(String),
      status: 'Published',
      origin: { domainEntryPoint: { externalConnectionName: 'public:npmjs' }, originType: 'EXTERNAL' },
    },
  ]);
  expect((await ca.send(new DescribePackageCommand(lodash))).package?.originConfiguration).toEqual({
    restrictions: { publish: 'BLOCK', upstream: 'ALLOW' },
  });
  const asset = await ca.send(new GetPackageVersionAssetCommand({ ...lodash, packageVersion: '4.17.21', asset: 'package.tgz' }));
  expect(Buffer.from(await asset.asset!.transformToByteArray()).equals(registry.tarballs.get('lodash@4.17.21')!.bytes)).toBe(true);

  // The never-visible fault hides externally ingested versions again, for as long as it is on.
  const faults = `${emulator.url}/-/emulator/faults`;
  await fetch(faults, { method: 'PUT', body: JSON.stringify({ name: 'never-visible' }) });
  expect(await listed()).toEqual([]);
  await fetch(`${faults}?name=never-visible`, { method: 'DELETE' });
  expect(await listed()).toEqual(['lodash']);
});
