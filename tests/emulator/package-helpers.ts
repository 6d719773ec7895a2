/**
 * Shared pieces of the package-operation specs (packages-*.spec.ts; the fixtures are in
 * fixtures.ts): domains made for a test and removed after it, content created the way users
 * create it (PublishPackageVersion for generic packages, a real `npm publish`), and listing.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type CodeartifactClient,
  CreateDomainCommand,
  CreateRepositoryCommand,
  GetAuthorizationTokenCommand,
  GetRepositoryEndpointCommand,
  ListPackagesCommand,
  PublishPackageVersionCommand,
  type ListPackagesCommandInput,
  type PackageSummary,
} from '@aws-sdk/client-codeartifact';
import { execa } from 'execa';
import { type Cleanup, uniqueName } from './fixtures.ts';
import { isolatedNpmEnv, tempDir } from './npm-helpers.ts';

/** A new domain with the given repositories (each `[name, upstreams]`), removed after the test. */
export async function makeDomain(client: CodeartifactClient, cleanup: Cleanup, repositories: [string, string[]?][]) {
  const domain = cleanup.track(client, uniqueName('pkg'));
  await client.send(new CreateDomainCommand({ domain }));
  for (const [repository, upstreams = []] of repositories) {
    await client.send(
      new CreateRepositoryCommand({ domain, repository, upstreams: upstreams.map((repositoryName) => ({ repositoryName })) }),
    );
  }
  return domain;
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
export const sha512 = (bytes: Uint8Array) => createHash('sha512').update(bytes).digest('hex');
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Creating content: PublishPackageVersion (generic) and npm publish.
// ---------------------------------------------------------------------------------------------

export interface GenericVersion {
  domain: string;
  repository: string;
  namespace?: string;
  package: string;
  version: string;
  asset?: string;
  content?: string | Buffer;
  unfinished?: boolean;
}

export function publishGeneric(client: CodeartifactClient, v: GenericVersion) {
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

export interface NpmSetup {
  endpoint: string;
  token: string;
  env: Record<string, string>;
  dir: string;
}

/** An .npmrc for one repository, as `aws codeartifact login --tool npm` would write it. */
export async function npmFor(client: CodeartifactClient, cleanup: Cleanup, domain: string, repository: string): Promise<NpmSetup> {
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

export async function npmPublish(npm: NpmSetup, manifest: Record<string, unknown>, readme: string): Promise<void> {
  const pkgDir = path.join(npm.dir, `pkg-${String(manifest.name).replace(/[@/]/g, '_')}-${manifest.version}`);
  await mkdir(pkgDir);
  await writeFile(path.join(pkgDir, 'package.json'), JSON.stringify(manifest, null, 2));
  await writeFile(path.join(pkgDir, 'README.md'), readme);
  await writeFile(path.join(pkgDir, 'index.js'), `module.exports = ${JSON.stringify(manifest.version)};\n`);
  await execa('npm', ['publish', '--no-audit', '--no-fund'], { cwd: pkgDir, env: npm.env, extendEnv: false });
}

export async function listAll(client: CodeartifactClient, input: ListPackagesCommandInput): Promise<PackageSummary[]> {
  const all: PackageSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListPackagesCommand({ ...input, nextToken }));
    all.push(...(page.packages ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}

export const names = (packages: PackageSummary[] | undefined): string[] =>
  (packages ?? []).map((p) => (p.namespace ? `${p.namespace}/${p.package}` : String(p.package)));
