/**
 * The emulator's npm data plane, storage: the upstream packument cache, blob de-duplication,
 * and --data-dir state, tarballs and tokens surviving a restart.
 *
 * Every test starts its own emulator process (`npm run emulator`'s entry point) and, unless it
 * says otherwise, its own deterministic fixture npm registry behind `public:npmjs`. npm runs
 * isolated (see npm-helpers.ts). Everything is removed again by the clean-up fixture, also
 * when a test fails. (Once part of npm-data-plane.spec.ts, split by subject.)
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  DescribeDomainCommand,
  DescribeRepositoryCommand,
  ListPackageVersionAssetsCommand,
  ListRepositoriesInDomainCommand,
} from '@aws-sdk/client-codeartifact';
import { expect, test } from './fixtures.ts';
import {
  installedVersion,
  makeDomain,
  npmFor,
  npmVersions,
  ok,
  publishPackage,
  startEmulator,
  startStack,
  tempDir,
  packumentOf,
  tarballThrough,
  packumentHits,
  tarballHits,
  tutorialDomain,
  sha512hex,
} from './npm-helpers.ts';

// The tests are independent (each has its own emulator and registry): let both workers share them.
test.describe.configure({ mode: 'parallel' });

// ---------------------------------------------------------------------------------------------
// The upstream packument cache and blob de-duplication.
// ---------------------------------------------------------------------------------------------

test.describe('upstream cache and blob storage', () => {
  test('within the TTL the public registry is asked for a packument once', async ({ cleanup }) => {
    test.setTimeout(90_000);
    const { ca, registry } = await startStack(cleanup);
    const domain = await tutorialDomain(ca);
    for (let i = 0; i < 2; i++) {
      const npm = await npmFor(ca, cleanup, domain, 'app'); // a fresh npm cache each time
      ok(await npm.npm(['install', 'lodash'], { cwd: await npm.project() }));
      await packumentOf(npm, 'lodash');
    }
    expect(packumentHits(registry!.requests, 'lodash')).toBe(1);
  });

  test('with --upstream-ttl 0 the public registry is asked every time', async ({ cleanup }) => {
    test.setTimeout(90_000);
    const { ca, registry } = await startStack(cleanup, { args: ['--upstream-ttl', '0'] });
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    await packumentOf(npm, 'lodash');
    await packumentOf(npm, 'lodash');
    expect(packumentHits(registry!.requests, 'lodash')).toBe(2);
    let before = packumentHits(registry!.requests, 'lodash');
    for (let i = 0; i < 2; i++) {
      const fresh = await npmFor(ca, cleanup, domain, 'app');
      ok(await fresh.npm(['install', 'lodash'], { cwd: await fresh.project() }));
      const now = packumentHits(registry!.requests, 'lodash');
      expect(now, `install ${i + 1} asked the public registry again`).toBeGreaterThan(before);
      before = now;
    }
  });

  test('a tarball retained by several repositories is stored once, named by its sha512', async ({ cleanup }) => {
    test.setTimeout(90_000);
    const dataDir = await tempDir(cleanup, 'emulator-data');
    const { ca, registry } = await startStack(cleanup, { args: ['--data-dir', dataDir] });
    const domain = await makeDomain(ca, [['npm-store'], ['team-one', ['npm-store']], ['team-two', ['npm-store']]], ['npm-store']);
    for (const repository of ['team-one', 'team-two']) {
      const npm = await npmFor(ca, cleanup, domain, repository);
      ok(await npm.npm(['install', 'lodash@4.17.21'], { cwd: await npm.project() }));
    }
    for (const repository of ['team-one', 'team-two', 'npm-store']) {
      expect(await npmVersions(ca, domain, repository, 'lodash'), repository).toEqual(['4.17.21']);
    }
    const bytes = registry!.tarballs.get('lodash@4.17.21')!.bytes;
    expect(await readdir(path.join(dataDir, 'blobs'))).toEqual([sha512hex(bytes)]);
    expect((await readFile(path.join(dataDir, 'blobs', sha512hex(bytes)))).equals(bytes)).toBe(true);
    expect(tarballHits(registry!.requests, 'lodash')).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// --data-dir.
// ---------------------------------------------------------------------------------------------

test('with --data-dir, state, tarballs and issued tokens survive a restart', async ({ cleanup }) => {
  test.setTimeout(90_000);
  const dataDir = await tempDir(cleanup, 'emulator-data');
  const first = await startStack(cleanup, { args: ['--data-dir', dataDir] });
  const registry = first.registry!;
  const domain = await tutorialDomain(first.ca);
  const before = await npmFor(first.ca, cleanup, domain, 'app');
  ok(await publishPackage(before, { name: 'persisted-pkg', version: '1.0.0', marker: 'made before the restart' }));
  ok(await before.npm(['install', 'lodash'], { cwd: await before.project() }));
  const publishedBytes = await tarballThrough(before, 'persisted-pkg', '1.0.0');
  const oldToken = before.token;

  expect(await first.emulator.stop()).toBe(0);
  await registry.close(); // nothing may come from upstream after the restart

  const { emulator, ca } = await startEmulator(cleanup, ['--data-dir', dataDir, '--npmjs-url', registry.url]);
  expect(emulator.url).not.toBe(first.emulator.url);
  expect((await ca.send(new DescribeDomainCommand({ domain }))).domain).toMatchObject({ name: domain, repositoryCount: 2 });
  expect((await ca.send(new ListRepositoriesInDomainCommand({ domain }))).repositories?.map((r) => r.name).sort()).toEqual([
    'app',
    'npm-store',
  ]);
  expect((await ca.send(new DescribeRepositoryCommand({ domain, repository: 'app' }))).repository?.upstreams).toEqual([
    { repositoryName: 'npm-store' },
  ]);
  expect((await ca.send(new DescribeRepositoryCommand({ domain, repository: 'npm-store' }))).repository?.externalConnections).toEqual([
    expect.objectContaining({ externalConnectionName: 'public:npmjs', packageFormat: 'npm' }),
  ]);
  expect(await npmVersions(ca, domain, 'app', 'persisted-pkg')).toEqual(['1.0.0']);
  expect(await npmVersions(ca, domain, 'app', 'lodash')).toEqual(['4.17.21']);
  expect(await npmVersions(ca, domain, 'npm-store', 'lodash')).toEqual(['4.17.21']);
  const assets = await ca.send(
    new ListPackageVersionAssetsCommand({ domain, repository: 'app', format: 'npm', package: 'persisted-pkg', packageVersion: '1.0.0' }),
  );
  expect(assets.assets?.[0]?.hashes?.['SHA-512']).toBe(sha512hex(publishedBytes));

  // The token issued before the restart, against the new endpoint.
  const after = await npmFor(ca, cleanup, domain, 'app', { token: oldToken });
  expect(after.endpoint).not.toBe(before.endpoint);
  expect((await after.fetch('-/ping')).status).toBe(200);
  expect((await tarballThrough(after, 'persisted-pkg', '1.0.0')).equals(publishedBytes)).toBe(true);
  expect((await tarballThrough(after, 'lodash', '4.17.21')).equals(registry.tarballs.get('lodash@4.17.21')!.bytes)).toBe(true);
  const project = await after.project();
  ok(await after.npm(['install', 'persisted-pkg', 'lodash@4.17.21'], { cwd: project }));
  expect(await readFile(path.join(project, 'node_modules', 'persisted-pkg', 'index.js'), 'utf8')).toContain('made before the restart');
  expect(await installedVersion(project, 'lodash')).toBe('4.17.21');
});
