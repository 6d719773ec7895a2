/**
 * The package operations through the AWS SDK for JavaScript v3: listing, describing,
 * downloading, status changes, deletion, disposal, copying, origin configuration and
 * publishing, over content created the way users create it: PublishPackageVersion (generic)
 * and a real `npm publish` against the repository's npm endpoint.
 *
 * Every test creates its own uniquely named domain and removes it (repositories first) in the
 * `cleanup` fixture's teardown, together with its temporary folders and extra emulators.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AssociateExternalConnectionCommand,
  CodeartifactClient,
  CopyPackageVersionsCommand,
  CreateDomainCommand,
  CreateRepositoryCommand,
  DeleteDomainCommand,
  DeletePackageCommand,
  DeletePackageVersionsCommand,
  DeleteRepositoryCommand,
  DescribePackageCommand,
  DescribePackageVersionCommand,
  DisposePackageVersionsCommand,
  GetAuthorizationTokenCommand,
  GetPackageVersionAssetCommand,
  GetPackageVersionReadmeCommand,
  GetRepositoryEndpointCommand,
  ListPackageVersionAssetsCommand,
  ListPackageVersionDependenciesCommand,
  ListPackageVersionsCommand,
  ListPackagesCommand,
  ListRepositoriesInDomainCommand,
  PublishPackageVersionCommand,
  PutPackageOriginConfigurationCommand,
  UpdatePackageVersionsStatusCommand,
  UpdateRepositoryCommand,
  type ListPackagesCommandInput,
  type PackageSummary,
} from '@aws-sdk/client-codeartifact';
import { execa } from 'execa';
import { startEmulatorProcess, type EmulatorProcess } from '../../helpers/target/emulator-process.ts';
import { startFixtureRegistry, tutorialPackages, type FixtureRegistry } from '../support/fixture-registry.ts';
import { CREDENTIALS, REGION, expect, test as base, uniqueName } from './fixtures.ts';
import { Cleanup, isolatedNpmEnv } from './npm-helpers.ts';

// ---------------------------------------------------------------------------------------------
// Fixtures: clean-up of domains, temporary folders and extra processes.
// ---------------------------------------------------------------------------------------------

async function removeDomain(client: CodeartifactClient, domain: string): Promise<void> {
  const { repositories = [] } = await client.send(new ListRepositoriesInDomainCommand({ domain }));
  for (const r of repositories) await client.send(new UpdateRepositoryCommand({ domain, repository: r.name!, upstreams: [] }));
  for (const r of repositories) await client.send(new DeleteRepositoryCommand({ domain, repository: r.name! }));
  await client.send(new DeleteDomainCommand({ domain }));
}

const test = base.extend<{ cleanup: Cleanup }>({
  cleanup: async ({ codeartifact }, use) => {
    void codeartifact;
    const cleanup = new Cleanup();
    await use(cleanup);
    await cleanup.run();
  },
});

/** A new domain with the given repositories (each `[name, upstreams]`), removed after the test. */
async function makeDomain(client: CodeartifactClient, cleanup: Cleanup, repositories: [string, string[]?][]) {
  const domain = uniqueName('pkg');
  await client.send(new CreateDomainCommand({ domain }));
  cleanup.add(() => removeDomain(client, domain));
  for (const [repository, upstreams = []] of repositories) {
    await client.send(
      new CreateRepositoryCommand({ domain, repository, upstreams: upstreams.map((repositoryName) => ({ repositoryName })) }),
    );
  }
  return domain;
}

async function tempDir(cleanup: Cleanup, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `${prefix}-`));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sha512 = (bytes: Uint8Array) => createHash('sha512').update(bytes).digest('hex');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Creating content: PublishPackageVersion (generic) and npm publish.
// ---------------------------------------------------------------------------------------------

interface GenericVersion {
  domain: string;
  repository: string;
  namespace?: string;
  package: string;
  version: string;
  asset?: string;
  content?: string | Buffer;
  unfinished?: boolean;
}

function publishGeneric(client: CodeartifactClient, v: GenericVersion) {
  const bytes = Buffer.from(v.content ?? `${v.package}@${v.version}\n`);
  return client.send(
    new PublishPackageVersionCommand({
      domain: v.domain,
      repository: v.repository,
      format: 'generic',
      namespace: v.namespace ?? 'acme',
      package: v.package,
      packageVersion: v.version,
      assetName: v.asset ?? `${v.package}-${v.version}.txt`,
      assetContent: bytes,
      assetSHA256: sha256(bytes),
      ...(v.unfinished ? { unfinished: true } : {}),
    }),
  );
}

interface NpmSetup {
  endpoint: string;
  token: string;
  env: Record<string, string>;
  dir: string;
}

/** An .npmrc for one repository, as `aws codeartifact login --tool npm` would write it. */
async function npmFor(client: CodeartifactClient, cleanup: Cleanup, domain: string, repository: string): Promise<NpmSetup> {
  const { authorizationToken } = await client.send(new GetAuthorizationTokenCommand({ domain }));
  const { repositoryEndpoint } = await client.send(new GetRepositoryEndpointCommand({ domain, repository, format: 'npm' }));
  const dir = await tempDir(cleanup, 'npm-packages-spec');
  const url = new URL(repositoryEndpoint!);
  await mkdir(path.join(dir, 'home'));
  await writeFile(
    path.join(dir, '.npmrc'),
    `registry=${repositoryEndpoint}\n//${url.host}${url.pathname}:_authToken=${authorizationToken}\n`,
  );
  return { endpoint: repositoryEndpoint!, token: authorizationToken!, env: isolatedNpmEnv(dir), dir };
}

async function npmPublish(npm: NpmSetup, manifest: Record<string, unknown>, readme: string): Promise<void> {
  const pkgDir = path.join(npm.dir, `pkg-${String(manifest.name).replace(/[@/]/g, '_')}-${manifest.version}`);
  await mkdir(pkgDir);
  await writeFile(path.join(pkgDir, 'package.json'), JSON.stringify(manifest, null, 2));
  await writeFile(path.join(pkgDir, 'README.md'), readme);
  await writeFile(path.join(pkgDir, 'index.js'), `module.exports = ${JSON.stringify(manifest.version)};\n`);
  await execa('npm', ['publish', '--no-audit', '--no-fund'], { cwd: pkgDir, env: npm.env, extendEnv: false });
}

async function listAll(client: CodeartifactClient, input: ListPackagesCommandInput): Promise<PackageSummary[]> {
  const all: PackageSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListPackagesCommand({ ...input, nextToken }));
    all.push(...(page.packages ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}

const names = (packages: PackageSummary[] | undefined): string[] =>
  (packages ?? []).map((p) => (p.namespace ? `${p.namespace}/${p.package}` : String(p.package)));

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
  const ca = new CodeartifactClient({ endpoint: emulator.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  cleanup.add(async () => ca.destroy());

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
