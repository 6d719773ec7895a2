/**
 * The emulator's npm data plane, upstreams: the search order, dist-tags across upstreams,
 * retention, the integrity of what comes through the external connection, and the default
 * upstream (the public registry npm on this machine is configured with).
 *
 * Every test starts its own emulator process (`npm run emulator`'s entry point) and, unless it
 * says otherwise, its own deterministic fixture npm registry behind `public:npmjs`. npm runs
 * isolated (see npm-helpers.ts). Everything is removed again by the clean-up fixture, also
 * when a test fails. (Once part of npm-data-plane.spec.ts, split by subject.)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DescribePackageVersionCommand,
  DisassociateExternalConnectionCommand,
  GetPackageVersionAssetCommand,
  ListPackageVersionAssetsCommand,
  PutPackageOriginConfigurationCommand,
  UpdateRepositoryCommand,
} from '@aws-sdk/client-codeartifact';
import { expect, test } from './fixtures.ts';
import {
  failed,
  installedVersion,
  lockfile,
  makeDomain,
  npmFor,
  npmVersions,
  ok,
  packageNames,
  pause,
  publishPackage,
  repositoryEndpoint,
  startStack,
  tarballText,
  type Packument,
  json,
  packumentOf,
  tarballThrough,
  tarballHits,
  tutorialDomain,
} from './npm-helpers.ts';

// The tests are independent (each has its own emulator and registry): let both workers share them.
test.describe.configure({ mode: 'parallel' });

// ---------------------------------------------------------------------------------------------
// The upstream search order.
// ---------------------------------------------------------------------------------------------

test('upstreams are searched depth-first, pre-order, in list order; the first hit wins; the packument is the union', async ({
  cleanup,
}) => {
  test.setTimeout(120_000);
  const { ca } = await startStack(cleanup);
  // root -> [up-a, up-b], up-a -> [up-c, up-d], up-d -> [up-e]: search order root, up-a, up-c, up-d, up-e, up-b.
  const domain = await makeDomain(ca, [
    ['up-e'],
    ['up-d', ['up-e']],
    ['up-c'],
    ['up-a', ['up-c', 'up-d']],
    ['up-b'],
    ['root', ['up-a', 'up-b']],
  ]);
  const upstreams = ['up-a', 'up-b', 'up-c', 'up-d', 'up-e'];
  const npm = await npmFor(ca, cleanup, domain, 'root', { alsoAuthFor: upstreams });
  const pkg = 'order-probe';
  // A published package blocks upstreams in its repository by default, which would stop the
  // search there; allow both ways everywhere so that only the graph's order decides.
  for (const repository of upstreams) {
    await ca.send(
      new PutPackageOriginConfigurationCommand({
        domain,
        repository,
        format: 'npm',
        package: pkg,
        restrictions: { publish: 'ALLOW', upstream: 'ALLOW' },
      }),
    );
  }
  // Each version is published in two repositories; the tarball says which one it came from.
  const placement: Record<string, string[]> = {
    '1.0.0': ['up-e', 'up-b'], // deeper E before the later sibling B
    '2.0.0': ['up-c', 'up-d'], // first upstream in the list before the second
    '3.0.0': ['up-a', 'up-c'], // a repository before its own upstreams
    '4.0.0': ['up-d', 'up-e'], // and again one level down
    '5.0.0': ['up-b'], // only in the last one searched
  };
  const winner: Record<string, string> = { '1.0.0': 'up-e', '2.0.0': 'up-c', '3.0.0': 'up-a', '4.0.0': 'up-d', '5.0.0': 'up-b' };
  const endpoints: Record<string, string> = {};
  for (const repository of upstreams) endpoints[repository] = await repositoryEndpoint(ca, domain, repository);
  for (const [version, repositories] of Object.entries(placement)) {
    for (const repository of repositories) {
      ok(await publishPackage(npm, { name: pkg, version, marker: `served from ${repository}` }, { registry: endpoints[repository]! }));
    }
  }
  const published = async (repository: string) => npmVersions(ca, domain, repository, pkg);
  expect(await published('up-d')).toEqual(['2.0.0', '4.0.0']);
  expect(await published('root')).toEqual([]);

  // The emulator's 404 names the repositories it searched, in order.
  const nowhere = await npm.fetch('not-in-any-repository');
  expect(nowhere.status).toBe(404);
  expect((await json<{ error: string }>(nowhere)).error).toContain('root, up-a, up-c, up-d, up-e, up-b');

  // The union of versions, each with the winner's integrity.
  const packument = await packumentOf(npm, pkg);
  expect(Object.keys(packument.versions).sort()).toEqual(['1.0.0', '2.0.0', '3.0.0', '4.0.0', '5.0.0']);
  for (const [version, repository] of Object.entries(winner)) {
    const own = await fetch(`${endpoints[repository]}${pkg}`, { headers: { authorization: `Bearer ${npm.token}` } }).then((r) =>
      json<Packument>(r),
    );
    expect(packument.versions[version]!.dist.integrity, `${version} should come from ${repository}`).toBe(
      own.versions[version]!.dist.integrity,
    );
  }
  // The tarballs root serves are the winners'.
  for (const [version, repository] of Object.entries(winner)) {
    const text = tarballText(await tarballThrough(npm, pkg, version));
    expect(text, `${pkg}@${version}`).toContain(`served from ${repository}`);
    for (const loser of placement[version]!.filter((r) => r !== repository)) expect(text).not.toContain(`served from ${loser}`);
  }
  // Fetching retained each version in root, recording where it entered the domain, and in no
  // repository in between.
  expect(await published('root')).toEqual(['1.0.0', '2.0.0', '3.0.0', '4.0.0', '5.0.0']);
  for (const [version, repository] of Object.entries(winner)) {
    const described = await ca.send(
      new DescribePackageVersionCommand({ domain, repository: 'root', format: 'npm', package: pkg, packageVersion: version }),
    );
    expect(described.packageVersion?.origin, version).toEqual({ domainEntryPoint: { repositoryName: repository }, originType: 'INTERNAL' });
  }
  expect(await published('up-a')).toEqual(['3.0.0']);
  expect(await published('up-d')).toEqual(['2.0.0', '4.0.0']);

  // And npm agrees.
  const consumer = await npmFor(ca, cleanup, domain, 'root');
  const project = await consumer.project();
  ok(await consumer.npm(['install', `${pkg}@1.0.0`], { cwd: project }));
  expect(await readFile(path.join(project, 'node_modules', pkg, 'index.js'), 'utf8')).toContain('served from up-e');
});

test("npm dist-tags are merged across upstreams; on a clash the upstream repository's tag wins", async ({ cleanup }) => {
  test.setTimeout(90_000);
  // AWS, "npm tag handling", "npm tags and upstream repositories": tags of R and its upstream U
  // are merged; "When the same tag is present on the same package in both the upstream and
  // downstream repository, CodeArtifact uses the tag that is present in the upstream repository",
  // so that right after publishing 1.0.2 to R, `npm install` from R still gets U's latest.
  const { ca } = await startStack(cleanup);
  const domain = await makeDomain(ca, [['upstream-u'], ['downstream-r', ['upstream-u']]]);
  const npm = await npmFor(ca, cleanup, domain, 'downstream-r', { alsoAuthFor: ['upstream-u'] });
  const upstream = await repositoryEndpoint(ca, domain, 'upstream-u');
  const pkg = 'web-helper';
  // Let R see U's versions of a package it also publishes (the docs' example predates origin controls).
  await ca.send(
    new PutPackageOriginConfigurationCommand({
      domain,
      repository: 'downstream-r',
      format: 'npm',
      package: pkg,
      restrictions: { publish: 'ALLOW', upstream: 'ALLOW' },
    }),
  );
  const tagsThroughR = async () => json<Record<string, string>>(await npm.fetch(`-/package/${pkg}/dist-tags`));

  ok(await publishPackage(npm, { name: pkg, version: '1.0.0' }));
  ok(await publishPackage(npm, { name: pkg, version: '1.0.1' }, { registry: upstream, args: ['--tag', 'alpha'] }));
  expect(await tagsThroughR()).toEqual({ latest: '1.0.0', alpha: '1.0.1' });
  expect(
    ok(await npm.npm(['dist-tag', 'ls', pkg]))
      .stdout.trim()
      .split('\n')
      .sort(),
  ).toEqual(['alpha: 1.0.1', 'latest: 1.0.0']);

  ok(await npm.npm(['dist-tag', 'add', `${pkg}@1.0.1`, 'latest', '--registry', upstream]));
  expect.soft(await tagsThroughR(), "latest in both R (1.0.0) and U (1.0.1): U's wins").toEqual({ latest: '1.0.1', alpha: '1.0.1' });
  expect.soft((await packumentOf(npm, pkg))['dist-tags'].latest).toBe('1.0.1');

  ok(await publishPackage(npm, { name: pkg, version: '1.0.2' }));
  expect.soft((await tagsThroughR()).latest, "after publishing 1.0.2 to R, latest through R is still U's 1.0.1").toBe('1.0.1');
  const project = await npm.project();
  ok(await npm.npm(['install', pkg], { cwd: project }));
  expect.soft(await installedVersion(project, pkg), 'npm install web-helper from R').toBe('1.0.1');
  ok(await npm.npm(['install', `${pkg}@1.0.2`], { cwd: project }));
  expect(await installedVersion(project, pkg)).toBe('1.0.2');
});

// ---------------------------------------------------------------------------------------------
// Retention.
// ---------------------------------------------------------------------------------------------

test('a version fetched through r -> A -> npm-store is kept in r and npm-store, not A, and outlives the upstream', async ({ cleanup }) => {
  test.setTimeout(90_000);
  const { ca, registry } = await startStack(cleanup);
  const domain = await makeDomain(ca, [['npm-store'], ['mid', ['npm-store']], ['app', ['mid']]], ['npm-store']);
  const npm = await npmFor(ca, cleanup, domain, 'app');
  const project = await npm.project();
  ok(await npm.npm(['install', 'lodash'], { cwd: project }));
  expect(await installedVersion(project, 'lodash')).toBe('4.17.21');
  expect((await lockfile(project)).packages['node_modules/lodash']?.resolved).toBe(`${npm.endpoint}lodash/-/lodash-4.17.21.tgz`);

  expect(await npmVersions(ca, domain, 'app', 'lodash')).toEqual(['4.17.21']);
  expect(await npmVersions(ca, domain, 'npm-store', 'lodash')).toEqual(['4.17.21']);
  expect(await packageNames(ca, domain, 'mid')).not.toContain('lodash');
  expect(await npmVersions(ca, domain, 'mid', 'lodash')).toEqual([]);
  for (const repository of ['app', 'npm-store']) {
    const described = await ca.send(
      new DescribePackageVersionCommand({ domain, repository, format: 'npm', package: 'lodash', packageVersion: '4.17.21' }),
    );
    expect(described.packageVersion?.origin).toEqual({
      domainEntryPoint: { externalConnectionName: 'public:npmjs' },
      originType: 'EXTERNAL',
    });
  }
  const tarballFetches = tarballHits(registry!.requests, 'lodash');
  expect(tarballFetches).toBe(1);

  const freshInstall = async () => {
    const fresh = await npmFor(ca, cleanup, domain, 'app');
    const dir = await fresh.project();
    ok(await fresh.npm(['install', 'lodash'], { cwd: dir }));
    expect(await installedVersion(dir, 'lodash')).toBe('4.17.21');
    expect((await lockfile(dir)).packages['node_modules/lodash']?.resolved).toBe(`${fresh.endpoint}lodash/-/lodash-4.17.21.tgz`);
    return fresh;
  };

  // Without its upstream, app still has it.
  await ca.send(new UpdateRepositoryCommand({ domain, repository: 'app', upstreams: [] }));
  await freshInstall();
  // Without the external connection and without the public registry at all.
  await ca.send(new DisassociateExternalConnectionCommand({ domain, repository: 'npm-store', externalConnection: 'public:npmjs' }));
  await registry!.close();
  const last = await freshInstall();
  expect(tarballHits(registry!.requests, 'lodash')).toBe(tarballFetches);
  // What was never fetched is gone with the upstream.
  failed(await last.npm(['install', 'lodash@4.17.20'], { cwd: await last.project() }));
});

// ---------------------------------------------------------------------------------------------
// Integrity.
// ---------------------------------------------------------------------------------------------

test('a tarball that does not match its declared integrity is refused and nothing is stored', async ({ cleanup }) => {
  test.setTimeout(90_000);
  const { ca } = await startStack(cleanup, { fixture: { corruptIntegrity: ['lodash@4.17.21'] } });
  const domain = await tutorialDomain(ca);
  const npm = await npmFor(ca, cleanup, domain, 'app');

  const install = failed(await npm.npm(['install', 'lodash@4.17.21'], { cwd: await npm.project() }));
  expect(install.stderr).toMatch(/integrity/i);
  for (const repository of ['app', 'npm-store']) {
    const viaRepo = repository === 'app' ? npm : await npmFor(ca, cleanup, domain, repository);
    const res = await viaRepo.fetch('lodash/-/lodash-4.17.21.tgz');
    const text = await res.text();
    expect(res.status, `${repository}: ${text}`).toBeGreaterThanOrEqual(400);
    expect((JSON.parse(text) as { error: string }).error).toMatch(/integrity/i);
  }

  const nothingStored = async () => {
    for (const repository of ['app', 'npm-store']) {
      expect(await packageNames(ca, domain, repository), repository).not.toContain('lodash');
      expect(await npmVersions(ca, domain, repository, 'lodash'), repository).toEqual([]);
      await expect(
        ca.send(
          new GetPackageVersionAssetCommand({
            domain,
            repository,
            format: 'npm',
            package: 'lodash',
            packageVersion: '4.17.21',
            asset: 'package.tgz',
          }),
        ),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    }
  };
  await nothingStored();
  await pause(1500);
  await nothingStored();

  // The intact version next to it installs, and only it is kept.
  const project = await npm.project();
  ok(await npm.npm(['install', 'lodash@4.17.20'], { cwd: project }));
  expect(await installedVersion(project, 'lodash')).toBe('4.17.20');
  expect(await npmVersions(ca, domain, 'app', 'lodash')).toEqual(['4.17.20']);
  expect(await npmVersions(ca, domain, 'npm-store', 'lodash')).toEqual(['4.17.20']);
});

// ---------------------------------------------------------------------------------------------
// The default upstream: the public registry npm on this machine is configured with.
// ---------------------------------------------------------------------------------------------

test('without --npmjs-url, public:npmjs is the registry npm is configured with', async ({ cleanup }) => {
  test.setTimeout(120_000);
  const { ca } = await startStack(cleanup, { fixture: false });
  const domain = await tutorialDomain(ca);
  const npm = await npmFor(ca, cleanup, domain, 'app');
  const project = await npm.project();
  ok(await npm.npm(['install', 'is-number@7.0.0'], { cwd: project, timeoutMs: 90_000 }));
  expect(await installedVersion(project, 'is-number')).toBe('7.0.0');
  const entry = (await lockfile(project)).packages['node_modules/is-number'];
  expect(entry?.resolved).toBe(`${npm.endpoint}is-number/-/is-number-7.0.0.tgz`);

  expect(await npmVersions(ca, domain, 'app', 'is-number')).toEqual(['7.0.0']);
  expect(await npmVersions(ca, domain, 'npm-store', 'is-number')).toEqual(['7.0.0']);
  const assets = await ca.send(
    new ListPackageVersionAssetsCommand({ domain, repository: 'app', format: 'npm', package: 'is-number', packageVersion: '7.0.0' }),
  );
  const sha512 = assets.assets?.[0]?.hashes?.['SHA-512'];
  expect(entry?.integrity).toBe(`sha512-${Buffer.from(sha512!, 'hex').toString('base64')}`);
});
