/**
 * Shared pieces of the npm data-plane tests (the fixtures are in fixtures.ts): an emulator +
 * fixture registry per test, domains with upstream graphs, and npm run in an isolated
 * environment configured the way `aws codeartifact login --tool npm` configures it.
 *
 * npm never sees the machine's own configuration: HOME, the user config and the cache live in
 * a temp dir, every inherited npm_* variable is dropped, and retries, audit, fund and the
 * update notifier are switched off so that a failure is one request, not four.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AssociateExternalConnectionCommand,
  type CodeartifactClient,
  CreateDomainCommand,
  CreateRepositoryCommand,
  GetAuthorizationTokenCommand,
  GetRepositoryEndpointCommand,
  ListPackageVersionsCommand,
  ListPackagesCommand,
} from '@aws-sdk/client-codeartifact';
import { execa } from 'execa';
import { startEmulatorProcess, type EmulatorProcess } from '../../helpers/target/emulator-process.ts';
import {
  startFixtureRegistry,
  tutorialPackages,
  type FixturePackage,
  type FixtureRegistry,
  type FixtureRegistryOptions,
} from '../support/fixture-registry.ts';
import { ACCOUNT, type Cleanup, expect, REGION, sdkClient } from './fixtures.ts';

export { ACCOUNT, REGION };
export const ABBREVIATED = 'application/vnd.npm.install-v1+json';

export async function tempDir(cleanup: Cleanup, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `${prefix}-`));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// One emulator process (and usually one fixture registry) per test.
// ---------------------------------------------------------------------------------------------

export interface Stack {
  emulator: EmulatorProcess;
  ca: CodeartifactClient;
  /** Absent with `fixture: false` (the emulator then uses its default upstream). */
  registry?: FixtureRegistry;
}

/** Starts an emulator as a separate process; stopped by the clean-up. */
export async function startEmulator(cleanup: Cleanup, args: string[]): Promise<{ emulator: EmulatorProcess; ca: CodeartifactClient }> {
  const emulator = await startEmulatorProcess(args);
  cleanup.add(() => emulator.stop());
  return { emulator, ca: sdkClient(cleanup, emulator.url) };
}

export async function startStack(
  cleanup: Cleanup,
  options: { packages?: FixturePackage[]; fixture?: FixtureRegistryOptions | false; args?: string[] } = {},
): Promise<Stack> {
  let registry: FixtureRegistry | undefined;
  if (options.fixture !== false) {
    registry = await startFixtureRegistry(options.packages ?? tutorialPackages, options.fixture ?? {});
    cleanup.add(() => registry!.close());
  }
  const { emulator, ca } = await startEmulator(cleanup, [...(registry ? ['--npmjs-url', registry.url] : []), ...(options.args ?? [])]);
  return { emulator, ca, ...(registry ? { registry } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Domains and repositories.
// ---------------------------------------------------------------------------------------------

let domainCounter = 0;
export function domainName(prefix = 'dp'): string {
  domainCounter += 1;
  return `${prefix}-${process.pid}-${domainCounter}`;
}

/**
 * Creates a domain and its repositories in order (each `[name, upstreams]`, upstreams in
 * priority order, so list a repository after its upstreams), then associates `public:npmjs`
 * with the repositories named in `external`.
 */
export async function makeDomain(
  ca: CodeartifactClient,
  repositories: [string, string[]?][],
  external: string[] = [],
  domain = domainName(),
): Promise<string> {
  await ca.send(new CreateDomainCommand({ domain }));
  for (const [repository, upstreams = []] of repositories) {
    await ca.send(new CreateRepositoryCommand({ domain, repository, upstreams: upstreams.map((repositoryName) => ({ repositoryName })) }));
  }
  for (const repository of external) {
    await ca.send(new AssociateExternalConnectionCommand({ domain, repository, externalConnection: 'public:npmjs' }));
  }
  return domain;
}

// ---------------------------------------------------------------------------------------------
// npm, isolated.
// ---------------------------------------------------------------------------------------------

/** The environment npm runs in: nothing inherited from an outer npm, config and cache in `dir`. */
export function isolatedNpmEnv(dir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_/i.test(k)) env[k] = v;
  return {
    ...env,
    HOME: path.join(dir, 'home'),
    npm_config_userconfig: path.join(dir, '.npmrc'),
    npm_config_cache: path.join(dir, 'cache'),
    npm_config_fetch_retries: '0',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

export interface NpmRun {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
  /** For assertion messages. */
  describe: string;
}

export interface NpmSetup {
  domain: string;
  repository: string;
  /** The repository endpoint, as GetRepositoryEndpoint returns it (trailing slash). */
  endpoint: string;
  token: string;
  env: Record<string, string>;
  dir: string;
  /** Runs npm in `cwd` (default: the setup's dir). Never throws on a non-zero exit. */
  npm(args: string[], options?: { cwd?: string; timeoutMs?: number }): Promise<NpmRun>;
  /** A new empty project folder with a package.json. */
  project(name?: string): Promise<string>;
  /** fetch() against the repository endpoint with the token as Bearer (unless `auth` overrides). */
  fetch(pathOrUrl: string, init?: RequestInit & { auth?: string | null }): Promise<Response>;
}

export async function repositoryEndpoint(ca: CodeartifactClient, domain: string, repository: string): Promise<string> {
  const { repositoryEndpoint: endpoint } = await ca.send(new GetRepositoryEndpointCommand({ domain, repository, format: 'npm' }));
  return endpoint!;
}

export async function authorizationToken(ca: CodeartifactClient, domain: string): Promise<string> {
  const { authorizationToken: token } = await ca.send(new GetAuthorizationTokenCommand({ domain }));
  return token!;
}

/** `//host:port/path/:_authToken=...` for an endpoint, as aws codeartifact login writes it. */
export function authLine(endpoint: string, token: string): string {
  const url = new URL(endpoint);
  return `//${url.host}${url.pathname}:_authToken=${token}`;
}

let projectCounter = 0;

/**
 * An isolated npm configured for one repository: `registry=<endpoint>` and an _authToken for
 * it (and for `alsoAuthFor` repositories of the same domain, to publish into them with
 * --registry). `token` overrides the one fetched with GetAuthorizationToken.
 */
export async function npmFor(
  ca: CodeartifactClient,
  cleanup: Cleanup,
  domain: string,
  repository: string,
  options: { alsoAuthFor?: string[]; token?: string; npmrcExtra?: string[] } = {},
): Promise<NpmSetup> {
  const token = options.token ?? (await authorizationToken(ca, domain));
  const endpoint = await repositoryEndpoint(ca, domain, repository);
  const dir = await tempDir(cleanup, 'npm-data-plane');
  await mkdir(path.join(dir, 'home'));
  const lines = [`registry=${endpoint}`, authLine(endpoint, token)];
  for (const other of options.alsoAuthFor ?? []) lines.push(authLine(await repositoryEndpoint(ca, domain, other), token));
  lines.push(...(options.npmrcExtra ?? []));
  await writeFile(path.join(dir, '.npmrc'), `${lines.join('\n')}\n`);
  const env = isolatedNpmEnv(dir);
  return {
    domain,
    repository,
    endpoint,
    token,
    env,
    dir,
    npm: (args, opts = {}) => runNpm(env, args, opts.cwd ?? dir, opts.timeoutMs ?? 60_000),
    async project(name = 'consumer') {
      projectCounter += 1;
      const project = path.join(dir, `project-${projectCounter}`);
      await mkdir(project);
      await writeFile(path.join(project, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }, null, 2));
      return project;
    },
    fetch(pathOrUrl, init = {}) {
      const { auth, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (auth === undefined) headers.set('authorization', `Bearer ${token}`);
      else if (auth !== null) headers.set('authorization', auth);
      const url = /^https?:/.test(pathOrUrl) ? pathOrUrl : `${endpoint}${pathOrUrl}`;
      return fetch(url, { ...rest, headers });
    },
  };
}

export async function runNpm(env: Record<string, string>, args: string[], cwd: string, timeoutMs = 60_000): Promise<NpmRun> {
  const started = Date.now();
  const r = await execa('npm', args, { cwd, env, extendEnv: false, reject: false, timeout: timeoutMs, stdin: 'ignore' });
  const run: NpmRun = {
    exitCode: r.exitCode,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    timedOut: r.timedOut === true,
    ms: Date.now() - started,
    describe: '',
  };
  run.describe = `npm ${args.join(' ')} (in ${cwd}) exited ${run.exitCode}${run.timedOut ? ' (timed out)' : ''}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
  return run;
}

/** Throws with npm's output unless it exited 0. */
export function ok(run: NpmRun): NpmRun {
  if (run.exitCode !== 0) throw new Error(`expected success: ${run.describe}`);
  return run;
}

/** Throws with npm's output unless it failed (non-zero exit, not a timeout). */
export function failed(run: NpmRun): NpmRun {
  if (run.exitCode === 0 || run.timedOut) throw new Error(`expected a clear failure: ${run.describe}`);
  return run;
}

/**
 * Publishes a small package with `npm publish` (plus `args`), into `registry` (default: the
 * setup's own repository). Its index.js exports `marker`, so tarballs can be told apart.
 */
export async function publishPackage(
  npm: NpmSetup,
  pkg: { name: string; version: string; marker?: string; extra?: Record<string, unknown> },
  options: { registry?: string; args?: string[] } = {},
): Promise<NpmRun> {
  projectCounter += 1;
  const pkgDir = path.join(npm.dir, `pkg-${projectCounter}`);
  await mkdir(pkgDir);
  const manifest = {
    name: pkg.name,
    version: pkg.version,
    description: `test package ${pkg.name}`,
    main: 'index.js',
    license: 'MIT',
    ...pkg.extra,
  };
  await writeFile(path.join(pkgDir, 'package.json'), JSON.stringify(manifest, null, 2));
  await writeFile(path.join(pkgDir, 'README.md'), `# ${pkg.name}\n\n${pkg.marker ?? pkg.version}\n`);
  await writeFile(path.join(pkgDir, 'index.js'), `module.exports = ${JSON.stringify(pkg.marker ?? `${pkg.name}@${pkg.version}`)};\n`);
  const args = ['publish', ...(options.registry ? ['--registry', options.registry] : []), ...(options.args ?? [])];
  return npm.npm(args, { cwd: pkgDir });
}

/** package-lock.json of a project, parsed. */
export async function lockfile(
  project: string,
): Promise<{ packages: Record<string, { version?: string; resolved?: string; integrity?: string }> }> {
  return JSON.parse(await readFile(path.join(project, 'package-lock.json'), 'utf8'));
}

export async function installedVersion(project: string, name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(project, 'node_modules', ...name.split('/'), 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** The uncompressed tar stream of a .tgz as text: file contents can be searched for. */
export function tarballText(bytes: Buffer): string {
  return gunzipSync(bytes).toString('latin1');
}

// ---------------------------------------------------------------------------------------------
// Control-plane reads.
// ---------------------------------------------------------------------------------------------

/** Package names listed in a repository (@scope/name for scoped npm packages). */
export async function packageNames(ca: CodeartifactClient, domain: string, repository: string): Promise<string[]> {
  const out: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ca.send(new ListPackagesCommand({ domain, repository, nextToken }));
    for (const p of page.packages ?? []) out.push(p.namespace ? `@${p.namespace}/${p.package}` : String(p.package));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** Versions of an npm package in a repository, or [] when the package is not there (ResourceNotFound). */
export async function npmVersions(ca: CodeartifactClient, domain: string, repository: string, name: string): Promise<string[]> {
  const scoped = name.startsWith('@');
  const input = {
    domain,
    repository,
    format: 'npm' as const,
    ...(scoped ? { namespace: name.slice(1, name.indexOf('/')), package: name.slice(name.indexOf('/') + 1) } : { package: name }),
  };
  try {
    const out = await ca.send(new ListPackageVersionsCommand(input));
    return (out.versions ?? []).map((v) => v.version!).sort();
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return [];
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading what the npm endpoint serves (the data-plane specs).
// ---------------------------------------------------------------------------------------------

export const sha512hex = (bytes: Uint8Array) => createHash('sha512').update(bytes).digest('hex');
export const sriOf = (bytes: Uint8Array) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;

export interface Manifest {
  name: string;
  version: string;
  dist: { tarball: string; integrity?: string; shasum?: string };
  [field: string]: unknown;
}
export interface Packument {
  name: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, Manifest>;
  [field: string]: unknown;
}

export async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export async function packumentOf(npm: NpmSetup, name: string, accept = 'application/json'): Promise<Packument> {
  const res = await npm.fetch(name, { headers: { accept } });
  expect(res.status, `GET ${name} through ${npm.repository}`).toBe(200);
  return json<Packument>(res);
}

export async function tarballThrough(npm: NpmSetup, name: string, version: string): Promise<Buffer> {
  const file = `${name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name}-${version}.tgz`;
  const res = await npm.fetch(`${name}/-/${file}`);
  expect(
    res.status,
    `GET the tarball of ${name}@${version} through ${npm.repository}: ${res.status === 200 ? '' : await res.clone().text()}`,
  ).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** The fixture registry's packument requests (GET /<name>, not tarballs). */
export const packumentHits = (requests: { method: string; path: string }[], name: string) =>
  requests.filter((r) => r.method === 'GET' && r.path.split('?')[0] === `/${name}`).length;
export const tarballHits = (requests: { method: string; path: string }[], name: string) =>
  requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/${name}/-/`)).length;

/** r -> npm-store -> public:npmjs (the fixture registry): the tutorial's shape. */
export async function tutorialDomain(ca: CodeartifactClient, repository = 'app'): Promise<string> {
  return makeDomain(ca, [['npm-store'], [repository, ['npm-store']]], ['npm-store']);
}
