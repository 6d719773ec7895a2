/**
 * The package operations through the AWS SDK for JavaScript v3, over content created the way
 * users create it: PublishPackageVersion (generic) and a real `npm publish` against the
 * repository's npm endpoint.
 * Here: publishing, and reading back what was published.
 *
 * Every test creates its own uniquely named domain and removes it (repositories first) in the
 * `cleanup` fixture's teardown, together with its temporary folders and extra emulators.
 * (Once part of packages.spec.ts, split by subject.)
 */
import { expect, test } from './fixtures.ts';
import { createHash } from 'node:crypto';
import {
  DescribePackageCommand,
  DescribePackageVersionCommand,
  GetPackageVersionAssetCommand,
  GetPackageVersionReadmeCommand,
  ListPackageVersionAssetsCommand,
  ListPackageVersionDependenciesCommand,
  ListPackageVersionsCommand,
  ListPackagesCommand,
  PublishPackageVersionCommand,
} from '@aws-sdk/client-codeartifact';
import { makeDomain, sha256, sha512, publishGeneric, npmFor, npmPublish, names } from './package-helpers.ts';

// Each test has its own domain: let both workers share them.
test.describe.configure({ mode: 'parallel' });

// ---------------------------------------------------------------------------------------------
// Generic packages: publish and read back.
// ---------------------------------------------------------------------------------------------

test('PublishPackageVersion publishes a generic version that the package APIs read back', async ({ codeartifact: ca, cleanup }) => {
  const domain = await makeDomain(ca, cleanup, [['repo']]);
  const content = Buffer.from('generic asset bytes \u0000\u00ff\n', 'latin1');
  const published = await publishGeneric(ca, { domain, repository: 'repo', package: 'tool', version: '1.0.0', asset: 'tool.bin', content });
  expect(published).toMatchObject({ format: 'generic', namespace: 'acme', package: 'tool', version: '1.0.0', status: 'Published' });
  expect(published.versionRevision).toEqual(expect.any(String));
  expect(published.asset).toEqual({
    name: 'tool.bin',
    size: content.length,
    hashes: {
      'SHA-512': sha512(content),
      'SHA-256': sha256(content),
      'SHA-1': createHash('sha1').update(content).digest('hex'),
      MD5: createHash('md5').update(content).digest('hex'),
    },
  });

  const id = { domain, repository: 'repo', format: 'generic' as const, namespace: 'acme', package: 'tool' };
  const listed = await ca.send(new ListPackagesCommand({ domain, repository: 'repo' }));
  expect(listed.packages).toEqual([
    {
      format: 'generic',
      namespace: 'acme',
      package: 'tool',
      originConfiguration: { restrictions: { publish: 'ALLOW', upstream: 'BLOCK' } },
    },
  ]);
  const described = await ca.send(new DescribePackageCommand(id));
  expect(described.package).toEqual({
    format: 'generic',
    namespace: 'acme',
    name: 'tool',
    originConfiguration: { restrictions: { publish: 'ALLOW', upstream: 'BLOCK' } },
  });
  const version = await ca.send(new DescribePackageVersionCommand({ ...id, packageVersion: '1.0.0' }));
  expect(version.packageVersion).toMatchObject({
    format: 'generic',
    namespace: 'acme',
    packageName: 'tool',
    displayName: 'tool',
    version: '1.0.0',
    revision: published.versionRevision,
    status: 'Published',
    origin: { domainEntryPoint: { repositoryName: 'repo' }, originType: 'INTERNAL' },
  });
  expect(Math.abs(version.packageVersion!.publishedTime!.getTime() - Date.now())).toBeLessThan(60_000);

  const assets = await ca.send(new ListPackageVersionAssetsCommand({ ...id, packageVersion: '1.0.0' }));
  expect(assets).toMatchObject({
    format: 'generic',
    namespace: 'acme',
    package: 'tool',
    version: '1.0.0',
    versionRevision: published.versionRevision,
  });
  expect(assets.assets).toEqual([published.asset]);

  const download = await ca.send(new GetPackageVersionAssetCommand({ ...id, packageVersion: '1.0.0', asset: 'tool.bin' }));
  expect(download.assetName).toBe('tool.bin');
  expect(download.packageVersion).toBe('1.0.0');
  expect(download.packageVersionRevision).toBe(published.versionRevision);
  expect(Buffer.from(await download.asset!.transformToByteArray()).equals(content)).toBe(true);

  const byRevision = await ca.send(
    new GetPackageVersionAssetCommand({
      ...id,
      packageVersion: '1.0.0',
      asset: 'tool.bin',
      packageVersionRevision: published.versionRevision,
    }),
  );
  expect(Buffer.from(await byRevision.asset!.transformToByteArray()).equals(content)).toBe(true);
  await expect(
    ca.send(
      new GetPackageVersionAssetCommand({ ...id, packageVersion: '1.0.0', asset: 'tool.bin', packageVersionRevision: 'not-the-revision' }),
    ),
  ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  await expect(ca.send(new GetPackageVersionAssetCommand({ ...id, packageVersion: '1.0.0', asset: 'missing.bin' }))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    resourceType: 'asset',
  });

  const readme = await ca.send(new GetPackageVersionReadmeCommand({ ...id, packageVersion: '1.0.0' }));
  expect(readme).toMatchObject({ format: 'generic', package: 'tool', version: '1.0.0', readme: '' });
  const deps = await ca.send(new ListPackageVersionDependenciesCommand({ ...id, packageVersion: '1.0.0' }));
  expect(deps.dependencies).toEqual([]);
});

test('an Unfinished generic version takes more assets until it is published, then is closed', async ({ codeartifact: ca, cleanup }) => {
  const domain = await makeDomain(ca, cleanup, [['repo']]);
  const base = { domain, repository: 'repo', package: 'bundle', version: '2.0.0' };
  const first = await publishGeneric(ca, { ...base, asset: 'a.txt', content: 'a', unfinished: true });
  expect(first.status).toBe('Unfinished');
  await expect(publishGeneric(ca, { ...base, asset: 'a.txt', content: 'again', unfinished: true })).rejects.toMatchObject({
    name: 'ConflictException',
  });
  const second = await publishGeneric(ca, { ...base, asset: 'b.txt', content: 'bb' });
  expect(second.status).toBe('Published');
  expect(second.versionRevision).not.toBe(first.versionRevision);

  const id = { domain, repository: 'repo', format: 'generic' as const, namespace: 'acme', package: 'bundle', packageVersion: '2.0.0' };
  const assets = await ca.send(new ListPackageVersionAssetsCommand(id));
  expect(assets.assets?.map((a) => [a.name, a.size])).toEqual([
    ['a.txt', 1],
    ['b.txt', 2],
  ]);
  const page = await ca.send(new ListPackageVersionAssetsCommand({ ...id, maxResults: 1 }));
  expect(page.assets?.map((a) => a.name)).toEqual(['a.txt']);
  const rest = await ca.send(new ListPackageVersionAssetsCommand({ ...id, maxResults: 1, nextToken: page.nextToken }));
  expect(rest.assets?.map((a) => a.name)).toEqual(['b.txt']);
  expect(rest.nextToken).toBeUndefined();

  await expect(publishGeneric(ca, { ...base, asset: 'c.txt', content: 'c' })).rejects.toMatchObject({
    name: 'ConflictException',
    resourceType: 'package-version',
  });
});

test('PublishPackageVersion rejects bad input with ValidationException', async ({ codeartifact: ca, cleanup }) => {
  const domain = await makeDomain(ca, cleanup, [['repo']]);
  const bytes = Buffer.from('x');
  const input = {
    domain,
    repository: 'repo',
    format: 'generic' as const,
    namespace: 'acme',
    package: 'p',
    packageVersion: '1.0.0',
    assetName: 'p.txt',
    assetContent: bytes,
    assetSHA256: sha256(bytes),
  };
  // The SDK sends assetSHA256 as x-amz-content-sha256, the request's declared payload hash: a
  // wrong one fails signature verification before the operation runs, as at AWS's front door.
  await expect(ca.send(new PublishPackageVersionCommand({ ...input, assetSHA256: sha256(Buffer.from('y')) }))).rejects.toMatchObject({
    name: 'InvalidSignatureException',
  });
  await expect(ca.send(new PublishPackageVersionCommand({ ...input, format: 'npm', namespace: undefined }))).rejects.toMatchObject({
    name: 'ValidationException',
  });
  await expect(ca.send(new PublishPackageVersionCommand({ ...input, namespace: undefined }))).rejects.toMatchObject({
    name: 'ValidationException',
  });
  await expect(ca.send(new PublishPackageVersionCommand({ ...input, packageVersion: 'has space' }))).rejects.toMatchObject({
    name: 'ValidationException',
  });
  await expect(ca.send(new PublishPackageVersionCommand({ ...input, repository: 'nope' }))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    resourceType: 'repository',
  });
  // Nothing was created by the failures.
  expect((await ca.send(new ListPackagesCommand({ domain, repository: 'repo' }))).packages).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// npm packages published with npm.
// ---------------------------------------------------------------------------------------------

test('npm publish creates npm packages that the package APIs describe, list and download', async ({ codeartifact: ca, cleanup }) => {
  const domain = await makeDomain(ca, cleanup, [['repo']]);
  const npm = await npmFor(ca, cleanup, domain, 'repo');
  const manifest = (version: string) => ({
    name: '@acme/widget',
    version,
    description: 'A widget for tests',
    homepage: 'https://example.com/widget',
    repository: { type: 'git', url: 'git+https://example.com/acme/widget.git' },
    license: 'MIT',
    main: 'index.js',
    dependencies: { lodash: '^4.17.21', '@acme/core': '~1.2.0' },
    devDependencies: { typescript: '5.x' },
    peerDependencies: { react: '>=18' },
    optionalDependencies: { fsevents: '^2.3.0' },
  });
  await npmPublish(npm, manifest('1.0.0'), '# widget\n\nThe first widget.\n');
  await npmPublish(npm, manifest('1.1.0'), '# widget\n\nThe second widget.\n');
  await npmPublish(npm, { name: 'plain-thing', version: '0.1.0', description: 'unscoped', license: 'ISC' }, '# plain\n');

  const npmPackages = await ca.send(new ListPackagesCommand({ domain, repository: 'repo', format: 'npm' }));
  expect(npmPackages.packages).toEqual([
    { format: 'npm', package: 'plain-thing', originConfiguration: { restrictions: { publish: 'ALLOW', upstream: 'BLOCK' } } },
    { format: 'npm', namespace: 'acme', package: 'widget', originConfiguration: { restrictions: { publish: 'ALLOW', upstream: 'BLOCK' } } },
  ]);
  const scoped = await ca.send(new ListPackagesCommand({ domain, repository: 'repo', format: 'npm', namespace: 'ac' }));
  expect(names(scoped.packages)).toEqual(['acme/widget']);
  await expect(ca.send(new ListPackagesCommand({ domain, repository: 'repo', format: 'npm', namespace: '@acme' }))).rejects.toMatchObject({
    name: 'ValidationException',
  });

  const id = { domain, repository: 'repo', format: 'npm' as const, namespace: 'acme', package: 'widget' };
  await expect(ca.send(new DescribePackageCommand({ ...id, namespace: '@acme' }))).rejects.toMatchObject({ name: 'ValidationException' });
  expect((await ca.send(new DescribePackageCommand(id))).package).toMatchObject({ format: 'npm', namespace: 'acme', name: 'widget' });

  const versions = await ca.send(new ListPackageVersionsCommand(id));
  expect(versions).toMatchObject({ defaultDisplayVersion: '1.1.0', format: 'npm', namespace: 'acme', package: 'widget' });
  expect(versions.versions?.map((v) => [v.version, v.status, v.origin?.originType])).toEqual([
    ['1.1.0', 'Published', 'INTERNAL'],
    ['1.0.0', 'Published', 'INTERNAL'],
  ]);
  expect(versions.versions?.[0]?.origin?.domainEntryPoint).toEqual({ repositoryName: 'repo' });

  const described = await ca.send(new DescribePackageVersionCommand({ ...id, packageVersion: '1.0.0' }));
  expect(described.packageVersion).toMatchObject({
    format: 'npm',
    namespace: 'acme',
    packageName: 'widget',
    displayName: '@acme/widget',
    version: '1.0.0',
    summary: 'A widget for tests',
    homePage: 'https://example.com/widget',
    sourceCodeRepository: 'git+https://example.com/acme/widget.git',
    licenses: [{ name: 'MIT' }],
    status: 'Published',
  });

  const deps = await ca.send(new ListPackageVersionDependenciesCommand({ ...id, packageVersion: '1.0.0' }));
  expect(deps).toMatchObject({ format: 'npm', namespace: 'acme', package: 'widget', version: '1.0.0' });
  expect(deps.dependencies).toEqual(
    expect.arrayContaining([
      { package: 'lodash', dependencyType: 'regular', versionRequirement: '^4.17.21' },
      { namespace: 'acme', package: 'core', dependencyType: 'regular', versionRequirement: '~1.2.0' },
      { package: 'typescript', dependencyType: 'dev', versionRequirement: '5.x' },
      { package: 'react', dependencyType: 'peer', versionRequirement: '>=18' },
      { package: 'fsevents', dependencyType: 'optional', versionRequirement: '^2.3.0' },
    ]),
  );

  const readme = await ca.send(new GetPackageVersionReadmeCommand({ ...id, packageVersion: '1.1.0' }));
  expect(readme.readme).toContain('The second widget.');

  // The asset the API serves is the tarball npm uploaded and the npm endpoint serves.
  const assets = await ca.send(new ListPackageVersionAssetsCommand({ ...id, packageVersion: '1.1.0' }));
  // npm assets are named package.tgz on AWS (user guide, "Download package version assets").
  expect(assets.assets?.map((a) => a.name)).toEqual(['package.tgz']);
  const download = await ca.send(new GetPackageVersionAssetCommand({ ...id, packageVersion: '1.1.0', asset: 'package.tgz' }));
  const bytes = Buffer.from(await download.asset!.transformToByteArray());
  expect(sha512(bytes)).toBe(assets.assets?.[0]?.hashes?.['SHA-512']);
  expect(bytes.length).toBe(assets.assets?.[0]?.size);
  const viaNpm = await fetch(`${npm.endpoint}@acme/widget/-/widget-1.1.0.tgz`, { headers: { authorization: `Bearer ${npm.token}` } });
  expect(viaNpm.status).toBe(200);
  expect(Buffer.from(await viaNpm.arrayBuffer()).equals(bytes)).toBe(true);

  // Generic publishing does not apply to npm packages.
  const x = Buffer.from('x');
  await expect(
    ca.send(
      new PublishPackageVersionCommand({
        domain,
        repository: 'repo',
        format: 'npm',
        namespace: 'acme',
        package: 'widget',
        packageVersion: '9.9.9',
        assetName: 'widget-9.9.9.tgz',
        assetContent: x,
        assetSHA256: sha256(x),
      }),
    ),
  ).rejects.toMatchObject({ name: 'ValidationException' });
});
