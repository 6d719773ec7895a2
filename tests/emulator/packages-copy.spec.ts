/**
 * The package operations through the AWS SDK for JavaScript v3, over content created the way
 * users create it: PublishPackageVersion (generic) and a real `npm publish` against the
 * repository's npm endpoint.
 * Here: CopyPackageVersions.
 *
 * Every test creates its own uniquely named domain and removes it (repositories first) in the
 * `cleanup` fixture's teardown, together with its temporary folders and extra emulators.
 * (Once part of packages.spec.ts, split by subject.)
 */
import { expect, test } from './fixtures.ts';
import {
  CopyPackageVersionsCommand,
  DescribePackageCommand,
  GetPackageVersionAssetCommand,
  ListPackageVersionsCommand,
  PutPackageOriginConfigurationCommand,
} from '@aws-sdk/client-codeartifact';
import { makeDomain, publishGeneric, npmFor, npmPublish } from './package-helpers.ts';

// Each test has its own domain: let both workers share them.
test.describe.configure({ mode: 'parallel' });

// ---------------------------------------------------------------------------------------------
// Copying.
// ---------------------------------------------------------------------------------------------

test('CopyPackageVersions copies versions between repositories of a domain', async ({ codeartifact: ca, cleanup }) => {
  const domain = await makeDomain(ca, cleanup, [['up'], ['src', ['up']], ['dst']]);
  const v1 = await publishGeneric(ca, { domain, repository: 'src', package: 'kit', version: '1.0.0' });
  await publishGeneric(ca, { domain, repository: 'src', package: 'kit', version: '2.0.0' });
  await publishGeneric(ca, { domain, repository: 'dst', package: 'kit', version: '2.0.0', content: 'different bytes' });
  await publishGeneric(ca, { domain, repository: 'up', package: 'kit', version: '0.9.0' });
  const copy = {
    domain,
    sourceRepository: 'src',
    destinationRepository: 'dst',
    format: 'generic' as const,
    namespace: 'acme',
    package: 'kit',
  };
  const dstVersions = async () =>
    (
      await ca.send(new ListPackageVersionsCommand({ domain, repository: 'dst', format: 'generic', namespace: 'acme', package: 'kit' }))
    ).versions?.map((v) => v.version);

  const clash = await ca.send(new CopyPackageVersionsCommand({ ...copy, versions: ['1.0.0', '2.0.0'] }));
  expect(clash.successfulVersions).toEqual({});
  expect(clash.failedVersions).toEqual({
    '1.0.0': { errorCode: 'SKIPPED', errorMessage: 'Version 1.0.0 was skipped' },
    '2.0.0': { errorCode: 'ALREADY_EXISTS', errorMessage: 'Version 2.0.0 already exists' },
  });
  expect(await dstVersions()).toEqual(['2.0.0']);

  const copied = await ca.send(new CopyPackageVersionsCommand({ ...copy, versions: ['1.0.0'] }));
  expect(copied).toMatchObject({
    successfulVersions: { '1.0.0': { revision: v1.versionRevision, status: 'Published' } },
    failedVersions: {},
  });
  const again = await ca.send(new CopyPackageVersionsCommand({ ...copy, versions: ['1.0.0'] }));
  expect(again).toMatchObject({ successfulVersions: {}, failedVersions: {} });

  const overwritten = await ca.send(new CopyPackageVersionsCommand({ ...copy, versions: ['2.0.0'], allowOverwrite: true }));
  expect(Object.keys(overwritten.successfulVersions ?? {})).toEqual(['2.0.0']);
  const asset = await ca.send(
    new GetPackageVersionAssetCommand({
      domain,
      repository: 'dst',
      format: 'generic',
      namespace: 'acme',
      package: 'kit',
      packageVersion: '2.0.0',
      asset: 'kit-2.0.0.txt',
    }),
  );
  expect(Buffer.from(await asset.asset!.transformToByteArray()).toString()).toBe('kit@2.0.0\n');
  expect(await dstVersions()).toEqual(['2.0.0', '1.0.0']);

  // Upstream versions only with includeFromUpstream, and only when the source's package lets
  // upstream versions in (published first, kit in src is upstream=BLOCK).
  const fromSrcOnly = await ca.send(new CopyPackageVersionsCommand({ ...copy, versions: ['0.9.0'] }));
  expect(fromSrcOnly.failedVersions).toEqual({ '0.9.0': { errorCode: 'NOT_FOUND', errorMessage: 'Could not find version 0.9.0' } });
  const blocked = await ca.send(new CopyPackageVersionsCommand({ ...copy, versions: ['0.9.0'], includeFromUpstream: true }));
  expect(blocked.failedVersions?.['0.9.0']?.errorCode).toBe('NOT_FOUND');
  await ca.send(
    new PutPackageOriginConfigurationCommand({
      domain,
      repository: 'src',
      format: 'generic',
      namespace: 'acme',
      package: 'kit',
      restrictions: { publish: 'ALLOW', upstream: 'ALLOW' },
    }),
  );
  const fromUpstream = await ca.send(new CopyPackageVersionsCommand({ ...copy, versions: ['0.9.0'], includeFromUpstream: true }));
  expect(Object.keys(fromUpstream.successfulVersions ?? {})).toEqual(['0.9.0']);

  const badRevision = await ca.send(
    new CopyPackageVersionsCommand({ ...copy, versionRevisions: { '1.0.0': 'nope' }, allowOverwrite: true }),
  );
  expect(badRevision.failedVersions?.['1.0.0']?.errorCode).toBe('MISMATCHED_REVISION');
  const byRevision = await ca.send(
    new CopyPackageVersionsCommand({ ...copy, versionRevisions: { '1.0.0': v1.versionRevision! }, allowOverwrite: true }),
  );
  expect(byRevision.failedVersions).toEqual({});

  await expect(ca.send(new CopyPackageVersionsCommand(copy))).rejects.toMatchObject({ name: 'ValidationException' });
  await expect(
    ca.send(new CopyPackageVersionsCommand({ ...copy, versions: ['1.0.0'], versionRevisions: { '1.0.0': v1.versionRevision! } })),
  ).rejects.toMatchObject({ name: 'ValidationException' });
  await expect(
    ca.send(new CopyPackageVersionsCommand({ ...copy, destinationRepository: 'src', versions: ['1.0.0'] })),
  ).rejects.toMatchObject({
    name: 'ValidationException',
  });
  await expect(
    ca.send(new CopyPackageVersionsCommand({ ...copy, destinationRepository: 'nowhere', versions: ['1.0.0'] })),
  ).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    resourceType: 'repository',
  });
  await expect(ca.send(new CopyPackageVersionsCommand({ ...copy, package: 'nothing', versions: ['1.0.0'] }))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    resourceType: 'package',
  });
});

test('CopyPackageVersions copies npm versions with their dist-tags', async ({ codeartifact: ca, cleanup }) => {
  const domain = await makeDomain(ca, cleanup, [['src'], ['dst']]);
  const npm = await npmFor(ca, cleanup, domain, 'src');
  await npmPublish(npm, { name: 'promoted', version: '1.0.0' }, '# 1\n');
  await npmPublish(npm, { name: 'promoted', version: '1.1.0' }, '# 2\n');
  const copied = await ca.send(
    new CopyPackageVersionsCommand({
      domain,
      sourceRepository: 'src',
      destinationRepository: 'dst',
      format: 'npm',
      package: 'promoted',
      versions: ['1.1.0'],
    }),
  );
  expect(Object.keys(copied.successfulVersions ?? {})).toEqual(['1.1.0']);
  const dst = await ca.send(new ListPackageVersionsCommand({ domain, repository: 'dst', format: 'npm', package: 'promoted' }));
  expect(dst).toMatchObject({ defaultDisplayVersion: '1.1.0', versions: [{ version: '1.1.0', status: 'Published' }] });
  const dstNpm = await npmFor(ca, cleanup, domain, 'dst');
  const tags = await fetch(`${dstNpm.endpoint}-/package/promoted/dist-tags`, { headers: { authorization: `Bearer ${dstNpm.token}` } });
  expect(await tags.json()).toEqual({ latest: '1.1.0' });
  expect(
    (await ca.send(new DescribePackageCommand({ domain, repository: 'dst', format: 'npm', package: 'promoted' }))).package
      ?.originConfiguration,
  ).toEqual({
    restrictions: { publish: 'ALLOW', upstream: 'BLOCK' },
  });
});
