/**
 * The package operations through the AWS SDK for JavaScript v3, over content created the way
 * users create it: PublishPackageVersion (generic) and a real `npm publish` against the
 * repository's npm endpoint.
 * Here: origin configuration, status changes, disposal, deletion, and the modeled errors the
 * operations share.
 *
 * Every test creates its own uniquely named domain and removes it (repositories first) in the
 * `cleanup` fixture's teardown, together with its temporary folders and extra emulators.
 * (Once part of packages.spec.ts, split by subject.)
 */
import { expect, test, uniqueName } from './fixtures.ts';
import {
  DeletePackageCommand,
  DeletePackageVersionsCommand,
  DescribePackageCommand,
  DescribePackageVersionCommand,
  DisposePackageVersionsCommand,
  GetPackageVersionAssetCommand,
  GetPackageVersionReadmeCommand,
  ListPackageVersionAssetsCommand,
  ListPackageVersionDependenciesCommand,
  ListPackageVersionsCommand,
  ListPackagesCommand,
  PutPackageOriginConfigurationCommand,
  UpdatePackageVersionsStatusCommand,
} from '@aws-sdk/client-codeartifact';
import { makeDomain, publishGeneric, npmFor, npmPublish, names } from './package-helpers.ts';

// Each test has its own domain: let both workers share them.
test.describe.configure({ mode: 'parallel' });

// ---------------------------------------------------------------------------------------------
// Origin configuration.
// ---------------------------------------------------------------------------------------------

test('PutPackageOriginConfiguration creates a package with no versions and governs publishing', async ({ codeartifact: ca, cleanup }) => {
  const domain = await makeDomain(ca, cleanup, [['repo']]);
  const npm = await npmFor(ca, cleanup, domain, 'repo');
  const id = { domain, repository: 'repo', format: 'npm' as const, package: 'reserved' };

  await expect(ca.send(new DescribePackageCommand(id))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    resourceType: 'package',
  });
  const put = await ca.send(new PutPackageOriginConfigurationCommand({ ...id, restrictions: { publish: 'BLOCK', upstream: 'ALLOW' } }));
  expect(put.originConfiguration).toEqual({ restrictions: { publish: 'BLOCK', upstream: 'ALLOW' } });
  expect((await ca.send(new DescribePackageCommand(id))).package).toEqual({
    format: 'npm',
    name: 'reserved',
    originConfiguration: { restrictions: { publish: 'BLOCK', upstream: 'ALLOW' } },
  });
  expect(names((await ca.send(new ListPackagesCommand({ domain, repository: 'repo' }))).packages)).toEqual(['reserved']);
  const empty = await ca.send(new ListPackageVersionsCommand(id));
  expect(empty.versions).toEqual([]);
  expect(empty.defaultDisplayVersion).toBeUndefined();

  // publish=BLOCK stops npm publish; ALLOW lets it through.
  const blocked = await npmPublish(npm, { name: 'reserved', version: '1.0.0' }, '# reserved\n').then(
    () => 'published',
    (err: { stderr?: string }) => err.stderr ?? 'failed',
  );
  expect(blocked).toMatch(/403|blocked/i);
  await ca.send(new PutPackageOriginConfigurationCommand({ ...id, restrictions: { publish: 'ALLOW', upstream: 'BLOCK' } }));
  await npmPublish(npm, { name: 'reserved', version: '1.0.1' }, '# reserved\n');
  expect((await ca.send(new ListPackageVersionsCommand(id))).versions?.map((v) => v.version)).toEqual(['1.0.1']);

  // The same for PublishPackageVersion.
  const g = { domain, repository: 'repo', format: 'generic' as const, namespace: 'acme', package: 'locked' };
  await ca.send(new PutPackageOriginConfigurationCommand({ ...g, restrictions: { publish: 'BLOCK', upstream: 'BLOCK' } }));
  await expect(publishGeneric(ca, { domain, repository: 'repo', package: 'locked', version: '1.0.0' })).rejects.toMatchObject({
    name: 'AccessDeniedException',
  });

  await expect(
    ca.send(new PutPackageOriginConfigurationCommand({ ...id, restrictions: { publish: 'MAYBE', upstream: 'ALLOW' } as never })),
  ).rejects.toMatchObject({ name: 'ValidationException' });
  await expect(
    ca.send(new PutPackageOriginConfigurationCommand({ ...id, restrictions: { publish: 'ALLOW' } as never })),
  ).rejects.toMatchObject({ name: 'ValidationException' });
  await expect(
    ca.send(
      new PutPackageOriginConfigurationCommand({
        ...id,
        format: 'pypi',
        namespace: 'nope',
        restrictions: { publish: 'ALLOW', upstream: 'ALLOW' },
      }),
    ),
  ).rejects.toMatchObject({ name: 'ValidationException' });
});

// ---------------------------------------------------------------------------------------------
// Status changes, disposal, deletion.
// ---------------------------------------------------------------------------------------------

test('UpdatePackageVersionsStatus changes statuses all-or-nothing, with revision and status guards', async ({
  codeartifact: ca,
  cleanup,
}) => {
  const domain = await makeDomain(ca, cleanup, [['repo']]);
  const revisions: Record<string, string> = {};
  for (const version of ['1.0.0', '2.0.0']) {
    revisions[version] = (await publishGeneric(ca, { domain, repository: 'repo', package: 'lib', version })).versionRevision!;
  }
  const id = { domain, repository: 'repo', format: 'generic' as const, namespace: 'acme', package: 'lib' };
  const status = async (v: string) =>
    (await ca.send(new DescribePackageVersionCommand({ ...id, packageVersion: v }))).packageVersion?.status;

  const archived = await ca.send(new UpdatePackageVersionsStatusCommand({ ...id, versions: ['1.0.0', '2.0.0'], targetStatus: 'Archived' }));
  expect(archived.successfulVersions).toEqual({
    '1.0.0': { revision: revisions['1.0.0'], status: 'Archived' },
    '2.0.0': { revision: revisions['2.0.0'], status: 'Archived' },
  });
  expect(archived.failedVersions).toEqual({});
  await expect(
    ca.send(new GetPackageVersionAssetCommand({ ...id, packageVersion: '1.0.0', asset: 'lib-1.0.0.txt' })),
  ).rejects.toMatchObject({ name: 'ConflictException' });

  const mismatched = await ca.send(
    new UpdatePackageVersionsStatusCommand({ ...id, versions: ['1.0.0', '2.0.0'], targetStatus: 'Published', expectedStatus: 'Unlisted' }),
  );
  expect(mismatched.successfulVersions).toEqual({});
  expect(mismatched.failedVersions).toEqual({
    '1.0.0': { errorCode: 'MISMATCHED_STATUS', errorMessage: 'current status: Archived, expected status: Unlisted' },
    '2.0.0': { errorCode: 'MISMATCHED_STATUS', errorMessage: 'current status: Archived, expected status: Unlisted' },
  });

  const badRevision = await ca.send(
    new UpdatePackageVersionsStatusCommand({
      ...id,
      versions: ['1.0.0', '2.0.0'],
      versionRevisions: { '1.0.0': revisions['1.0.0']!, '2.0.0': 'wrong-revision' },
      targetStatus: 'Published',
    }),
  );
  expect(badRevision.successfulVersions).toEqual({});
  expect(badRevision.failedVersions?.['2.0.0']?.errorCode).toBe('MISMATCHED_REVISION');
  expect(badRevision.failedVersions?.['1.0.0']?.errorCode).toBe('SKIPPED');

  const missing = await ca.send(new UpdatePackageVersionsStatusCommand({ ...id, versions: ['1.0.0', '3.0.0'], targetStatus: 'Published' }));
  expect(missing.failedVersions).toEqual({
    '1.0.0': { errorCode: 'SKIPPED', errorMessage: expect.any(String) },
    '3.0.0': { errorCode: 'NOT_FOUND', errorMessage: expect.any(String) },
  });
  expect(await status('1.0.0')).toBe('Archived');

  const restored = await ca.send(
    new UpdatePackageVersionsStatusCommand({
      ...id,
      versions: ['1.0.0'],
      versionRevisions: { '1.0.0': revisions['1.0.0']! },
      expectedStatus: 'Archived',
      targetStatus: 'Unlisted',
    }),
  );
  expect(restored.successfulVersions).toEqual({ '1.0.0': { revision: revisions['1.0.0'], status: 'Unlisted' } });
  expect(await status('1.0.0')).toBe('Unlisted');
  // Unlisted versions can still be downloaded.
  const asset = await ca.send(new GetPackageVersionAssetCommand({ ...id, packageVersion: '1.0.0', asset: 'lib-1.0.0.txt' }));
  expect(Buffer.from(await asset.asset!.transformToByteArray()).toString()).toBe('lib@1.0.0\n');

  for (const targetStatus of ['Disposed', 'Unfinished', 'Deleted', 'Bogus'] as const) {
    await expect(
      ca.send(new UpdatePackageVersionsStatusCommand({ ...id, versions: ['1.0.0'], targetStatus: targetStatus as never })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  }
  await expect(
    ca.send(
      new UpdatePackageVersionsStatusCommand({ ...id, versions: ['1.0.0'], versionRevisions: { '2.0.0': 'x' }, targetStatus: 'Published' }),
    ),
  ).rejects.toMatchObject({ name: 'ValidationException' });
  await expect(
    ca.send(new UpdatePackageVersionsStatusCommand({ ...id, package: 'nope', versions: ['1.0.0'], targetStatus: 'Published' })),
  ).rejects.toMatchObject({ name: 'ResourceNotFoundException', resourceType: 'package' });
});

test('DisposePackageVersions disposes of versions and their assets', async ({ codeartifact: ca, cleanup }) => {
  const domain = await makeDomain(ca, cleanup, [['repo']]);
  const v1 = await publishGeneric(ca, { domain, repository: 'repo', package: 'old', version: '1.0.0' });
  await publishGeneric(ca, { domain, repository: 'repo', package: 'old', version: '2.0.0' });
  const id = { domain, repository: 'repo', format: 'generic' as const, namespace: 'acme', package: 'old' };

  const mismatch = await ca.send(new DisposePackageVersionsCommand({ ...id, versions: ['1.0.0'], expectedStatus: 'Unlisted' }));
  expect(mismatch.failedVersions).toEqual({
    '1.0.0': { errorCode: 'MISMATCHED_STATUS', errorMessage: 'current status: Published, expected status: Unlisted' },
  });
  const disposed = await ca.send(new DisposePackageVersionsCommand({ ...id, versions: ['1.0.0'], expectedStatus: 'Published' }));
  expect(disposed).toMatchObject({
    successfulVersions: { '1.0.0': { revision: v1.versionRevision, status: 'Disposed' } },
    failedVersions: {},
  });

  expect((await ca.send(new ListPackageVersionsCommand({ ...id, status: 'Disposed' }))).versions?.map((v) => v.version)).toEqual(['1.0.0']);
  expect((await ca.send(new DescribePackageVersionCommand({ ...id, packageVersion: '1.0.0' }))).packageVersion?.status).toBe('Disposed');
  expect((await ca.send(new ListPackageVersionAssetsCommand({ ...id, packageVersion: '1.0.0' }))).assets).toEqual([]);
  await expect(
    ca.send(new GetPackageVersionAssetCommand({ ...id, packageVersion: '1.0.0', asset: 'old-1.0.0.txt' })),
  ).rejects.toMatchObject({ name: 'ResourceNotFoundException', resourceType: 'asset' });

  const revive = await ca.send(new UpdatePackageVersionsStatusCommand({ ...id, versions: ['1.0.0'], targetStatus: 'Published' }));
  expect(revive.failedVersions?.['1.0.0']?.errorCode).toBe('NOT_ALLOWED');
  const notFound = await ca.send(new DisposePackageVersionsCommand({ ...id, versions: ['9.9.9'] }));
  expect(notFound.failedVersions?.['9.9.9']?.errorCode).toBe('NOT_FOUND');

  // A disposed version can still be deleted.
  const deleted = await ca.send(new DeletePackageVersionsCommand({ ...id, versions: ['1.0.0'], expectedStatus: 'Disposed' }));
  expect(deleted.successfulVersions).toEqual({ '1.0.0': { revision: v1.versionRevision, status: 'Deleted' } });
});

test('DeletePackageVersions and DeletePackage remove versions and packages', async ({ codeartifact: ca, cleanup }) => {
  const domain = await makeDomain(ca, cleanup, [['repo']]);
  const npm = await npmFor(ca, cleanup, domain, 'repo');
  await npmPublish(npm, { name: 'gone-soon', version: '1.0.0' }, '# 1\n');
  await npmPublish(npm, { name: 'gone-soon', version: '1.1.0' }, '# 2\n');
  await npmPublish(npm, { name: 'gone-soon', version: '2.0.0' }, '# 3\n');
  const id = { domain, repository: 'repo', format: 'npm' as const, package: 'gone-soon' };

  const mismatch = await ca.send(new DeletePackageVersionsCommand({ ...id, versions: ['1.0.0', '1.1.0'], expectedStatus: 'Archived' }));
  expect(mismatch.successfulVersions).toEqual({});
  expect(Object.values(mismatch.failedVersions ?? {}).map((e) => e.errorCode)).toEqual(['MISMATCHED_STATUS', 'MISMATCHED_STATUS']);
  const partial = await ca.send(new DeletePackageVersionsCommand({ ...id, versions: ['1.0.0', '5.0.0'] }));
  expect(partial.failedVersions).toMatchObject({ '1.0.0': { errorCode: 'SKIPPED' }, '5.0.0': { errorCode: 'NOT_FOUND' } });

  const deleted = await ca.send(new DeletePackageVersionsCommand({ ...id, versions: ['1.0.0', '2.0.0'] }));
  expect(Object.keys(deleted.successfulVersions ?? {}).sort()).toEqual(['1.0.0', '2.0.0']);
  expect(deleted.successfulVersions?.['2.0.0']?.status).toBe('Deleted');
  await expect(ca.send(new DescribePackageVersionCommand({ ...id, packageVersion: '1.0.0' }))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    resourceType: 'package-version',
  });
  const left = await ca.send(new ListPackageVersionsCommand(id));
  expect(left.versions?.map((v) => v.version)).toEqual(['1.1.0']);
  // The latest tag pointed at the deleted 2.0.0; the remaining highest version is shown instead.
  expect(left.defaultDisplayVersion).toBe('1.1.0');

  const removed = await ca.send(new DeletePackageCommand(id));
  expect(removed.deletedPackage).toEqual({
    format: 'npm',
    package: 'gone-soon',
    originConfiguration: { restrictions: { publish: 'ALLOW', upstream: 'BLOCK' } },
  });
  await expect(ca.send(new DescribePackageCommand(id))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    resourceType: 'package',
  });
  await expect(ca.send(new DeletePackageCommand(id))).rejects.toMatchObject({ name: 'ResourceNotFoundException', resourceType: 'package' });
  expect((await ca.send(new ListPackagesCommand({ domain, repository: 'repo' }))).packages).toEqual([]);
  const viaNpm = await fetch(`${npm.endpoint}gone-soon`, { headers: { authorization: `Bearer ${npm.token}` } });
  expect(viaNpm.status).toBe(404);
  await expect(ca.send(new DeletePackageVersionsCommand({ ...id, versions: ['1.1.0'] }))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
  });
});

// ---------------------------------------------------------------------------------------------
// Errors shared by the operations.
// ---------------------------------------------------------------------------------------------

test('package operations answer modeled errors for unknown resources and bad identities', async ({ codeartifact: ca, cleanup }) => {
  const domain = await makeDomain(ca, cleanup, [['repo']]);
  await publishGeneric(ca, { domain, repository: 'repo', package: 'here', version: '1.0.0' });
  const id = { domain, repository: 'repo', format: 'generic' as const, namespace: 'acme', package: 'here' };

  await expect(ca.send(new DescribePackageCommand({ ...id, domain: uniqueName('nodomain') }))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    resourceType: 'domain',
  });
  await expect(ca.send(new DescribePackageCommand({ ...id, repository: 'other' }))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    resourceType: 'repository',
  });
  await expect(ca.send(new DescribePackageCommand({ ...id, namespace: 'other' }))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    resourceType: 'package',
    resourceId: 'here',
  });
  for (const command of [
    new DescribePackageVersionCommand({ ...id, packageVersion: '2.0.0' }),
    new ListPackageVersionAssetsCommand({ ...id, packageVersion: '2.0.0' }),
    new GetPackageVersionReadmeCommand({ ...id, packageVersion: '2.0.0' }),
    new ListPackageVersionDependenciesCommand({ ...id, packageVersion: '2.0.0' }),
    new GetPackageVersionAssetCommand({ ...id, packageVersion: '2.0.0', asset: 'here-1.0.0.txt' }),
  ]) {
    await expect(ca.send(command as never)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      resourceType: 'package-version',
      resourceId: '2.0.0',
    });
  }
  // Namespace rules: generic needs one, pypi has none, npm's has no '@'.
  await expect(ca.send(new DescribePackageCommand({ ...id, namespace: undefined }))).rejects.toMatchObject({ name: 'ValidationException' });
  await expect(ca.send(new DescribePackageCommand({ ...id, format: 'pypi' }))).rejects.toMatchObject({ name: 'ValidationException' });
  await expect(ca.send(new DescribePackageCommand({ ...id, format: 'npm', namespace: '@acme' }))).rejects.toMatchObject({
    name: 'ValidationException',
  });
  await expect(ca.send(new DescribePackageCommand({ ...id, format: 'tarball' as never }))).rejects.toMatchObject({
    name: 'ValidationException',
  });
  await expect(ca.send(new DescribePackageCommand({ ...id, package: 'has/slash' }))).rejects.toMatchObject({ name: 'ValidationException' });
  await expect(
    ca.send(new DeletePackageVersionsCommand({ ...id, versions: Array.from({ length: 101 }, (_, i) => `1.0.${i}`) })),
  ).rejects.toMatchObject({ name: 'ValidationException' });
});
