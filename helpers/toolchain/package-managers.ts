/**
 * Package-manager adapters for the CLI-version matrix: one small object per package manager
 * (as Verdaccio's e2e CLI adapters), saying how to point it at a CodeArtifact repository, how
 * to install a package, where its lockfile records what it resolved, and which environment
 * keeps all of its configuration, caches and state inside a sandbox.
 *
 * An adapter does not know versions: a matrix cell is an adapter plus a toolchain
 * (helpers/toolchain/toolchains.ts) whose `binDir` goes first on PATH. `adapterFor({ tool, major })`
 * picks the adapter of a toolchain, so adding npm 12 is adding 12 to MATRIX_MAJORS.npm.
 *
 * Configuration, as the AWS docs say for each tool:
 * - npm, pnpm, yarn classic: `aws codeartifact login --tool npm`, which runs
 *   `npm config set registry ...` and `npm config set //host/path/:_authToken ...`, i.e. writes
 *   the npm user config (`npm_config_userconfig`, the sandbox's .npmrc); pnpm and yarn 1 read
 *   the same file. `configure` returns the aws argv; the caller runs it with its aws CLI.
 * - yarn berry: does not read .npmrc; `configure` writes the project's `.yarnrc.yml` by hand
 *   (npmRegistryServer, npmAlwaysAuth, npmAuthToken from get-authorization-token).
 *
 * Where each tool writes (found with strace as root; see tests/emulator/package-managers.spec.ts,
 * which proves the real user config files unchanged): see `env` of each adapter.
 */
import { mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import type { TargetKind } from '../run/config.ts';
import type { Sandbox } from '../run/sandbox.ts';
import { isUnder } from '../run/urls.ts';
import type { ToolSpec } from './catalogue.ts';

export interface ConfigureContext {
  sandbox: Sandbox;
  /** The project to configure (yarn berry's .yarnrc.yml goes there). Default: `sandbox.project`. */
  project?: string;
  /** For `aws codeartifact login --tool npm`. */
  login: {
    domain: string;
    domainOwner: string;
    repository: string;
    /** `--endpoint-url`, for an emulator or another compatible endpoint. */
    endpointUrl?: string;
    region?: string;
  };
  /** The repository's npm endpoint (GetRepositoryEndpoint); needed by adapters that do not use aws login. */
  registry?: string;
  /** A CodeArtifact authorization token (GetAuthorizationToken); needed by adapters that do not use aws login. */
  token?: string;
}

export type Configuration =
  /** Run `aws <awsArgs>` in the cell's environment (aws CLI v1 or v2); it writes the npm user config. */
  | { kind: 'aws-login'; awsArgs: string[] }
  /** The adapter wrote these files itself. */
  | { kind: 'files'; files: string[] };

export interface PackageManager {
  /** `npm`, `pnpm`, `yarn-classic`, `yarn-berry`. */
  name: string;
  /** The executable (a toolchain's binDir has a shim of this name). */
  command: string;
  supports: {
    /** Configured through `aws codeartifact login --tool npm`. */
    awsLogin: boolean;
    /** The lockfile's name in the project. */
    lockfile: string;
    /**
     * `recorded`: the lockfile holds each tarball URL. `derived`: it holds name and version
     * only (yarn berry), and resolvedUrls rebuilds the URLs from the registry in .yarnrc.yml.
     */
    lockfileUrls: 'recorded' | 'derived';
  };
  /** Points the package manager at `ctx.registry`/the login's repository with a token. */
  configure(ctx: ConfigureContext): Promise<Configuration>;
  /** The argv (argv[0] is `command`) that adds `pkg` as a dev dependency. */
  install(pkg: string): string[];
  /** Every tarball URL the project's lockfile resolved to. Throws if the lockfile has a package without one. */
  resolvedUrls(projectDir: string): Promise<string[]>;
  /**
   * Environment to merge into `sandbox.env()` so that the tool's config, caches and state stay
   * in the sandbox. `target` decides the fetch retries (see `fetchRetries`); default: off AWS.
   */
  env(sandbox: Sandbox, target?: TargetKind): Record<string, string>;
}

/**
 * Off AWS the registry is this machine's emulator or a test double: a failed fetch is the very
 * fault a test provoked, and npm's retries (2, with 10-60 s back-off) would only hide it and slow
 * the cell down, so they are off. On AWS the package comes through CodeArtifact's external
 * connection from the public registry, where a transient error is ordinary weather: the package
 * manager keeps its default retries, as a reader of the tutorial has them.
 */
function fetchRetries(target: TargetKind | undefined): Record<string, string> {
  return target === 'aws' ? {} : { npm_config_fetch_retries: '0' };
}

/**
 * The lockfile URLs of `projectDir` that are not under `endpoint`, compared as URLs (an explicit
 * default port, the case of the host or a missing trailing slash do not make a URL foreign).
 */
export async function urlsNotFrom(
  adapter: PackageManager,
  projectDir: string,
  endpoint: string,
): Promise<{ urls: string[]; elsewhere: string[] }> {
  const urls = await adapter.resolvedUrls(projectDir);
  return { urls, elsewhere: urls.filter((u) => !isUnder(u, endpoint)) };
}

function awsLoginArgs(ctx: ConfigureContext): string[] {
  const { domain, domainOwner, repository, endpointUrl, region } = ctx.login;
  return [
    'codeartifact',
    'login',
    '--tool',
    'npm',
    '--domain',
    domain,
    '--domain-owner',
    domainOwner,
    '--repository',
    repository,
    ...(endpointUrl ? ['--endpoint-url', endpointUrl] : []),
    ...(region ? ['--region', region] : []),
  ];
}

/**
 * What every adapter's env has: a TMPDIR in the sandbox (yarn berry unpacks archives in
 * `$TMPDIR/xfs-*`, yarn 1's v8-compile-cache writes `$TMPDIR/v8-compile-cache-<uid>`), and npm's
 * own global config and prefix (`npm config set -g`, `npm install -g`) moved into the sandbox.
 */
function npmGlobalsInSandbox(sandbox: Sandbox, target: TargetKind | undefined): Record<string, string> {
  return {
    TMPDIR: sandboxTmp(sandbox),
    npm_config_globalconfig: path.join(sandbox.root, 'npm-global', 'etc', 'npmrc'),
    npm_config_prefix: path.join(sandbox.root, 'npm-global'),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_progress: 'false',
    ...fetchRetries(target),
  };
}

/** `<sandbox>/tmp`, created on first use. */
function sandboxTmp(sandbox: Sandbox): string {
  const dir = path.join(sandbox.root, 'tmp');
  mkdirSync(dir, { recursive: true });
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Lockfile readers

interface PackageLockEntry {
  resolved?: string;
  link?: boolean;
  inBundle?: boolean;
  bundled?: boolean;
  dependencies?: Record<string, PackageLockEntry>;
}

/** package-lock.json, lockfileVersion 1 (npm 6: nested `dependencies`), 2 and 3 (npm 7+: `packages` by install path). */
export async function packageLockUrls(projectDir: string): Promise<string[]> {
  const file = path.join(projectDir, 'package-lock.json');
  const lock = JSON.parse(await readFile(file, 'utf8')) as {
    packages?: Record<string, PackageLockEntry>;
    dependencies?: Record<string, PackageLockEntry>;
  };
  const entries: Array<[string, PackageLockEntry]> = [];
  if (lock.packages) {
    for (const [where, entry] of Object.entries(lock.packages)) if (where !== '') entries.push([where, entry]);
  } else {
    const walk = (deps: Record<string, PackageLockEntry>, parent: string) => {
      for (const [name, entry] of Object.entries(deps)) {
        entries.push([`${parent}node_modules/${name}`, entry]);
        if (entry.dependencies) walk(entry.dependencies, `${parent}node_modules/${name}/`);
      }
    };
    walk(lock.dependencies ?? {}, '');
  }
  const urls: string[] = [];
  for (const [where, entry] of entries) {
    if (entry.link || entry.inBundle || entry.bundled) continue;
    if (!entry.resolved) throw new Error(`${file}: ${where} has no resolved URL.`);
    urls.push(entry.resolved);
  }
  return urls;
}

/**
 * pnpm-lock.yaml (lockfile 6.0 of pnpm 8: keys `/name@version`; 9.0 of pnpm 9 and 10: keys
 * `name@version`). pnpm records `resolution.tarball` only with `lockfile-include-tarball-url`,
 * which the pnpm adapter's env turns on.
 */
export async function pnpmLockUrls(projectDir: string): Promise<string[]> {
  const file = path.join(projectDir, 'pnpm-lock.yaml');
  const lock = YAML.parse(await readFile(file, 'utf8')) as {
    packages?: Record<string, { resolution?: { tarball?: string; integrity?: string } }>;
  };
  const urls: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    const tarball = entry.resolution?.tarball;
    if (!tarball)
      throw new Error(
        `${file}: ${key} has no resolution.tarball (is lockfile-include-tarball-url on?): ${JSON.stringify(entry.resolution)}`,
      );
    urls.push(tarball);
  }
  return urls;
}

/** yarn.lock v1 (yarn classic): `resolved "URL#sha1"` under each entry. */
export async function yarnClassicLockUrls(projectDir: string): Promise<string[]> {
  const file = path.join(projectDir, 'yarn.lock');
  const text = await readFile(file, 'utf8');
  if (!/^# yarn lockfile v1$/m.test(text)) throw new Error(`${file} is not a yarn lockfile v1.`);
  const entries = text.split(/\n(?=\S)/).filter((block) => /^"?[^#\s]/.test(block) && block.includes('\n  version '));
  return entries.map((block) => {
    const resolved = /^ {2}resolved "([^"]+)"$/m.exec(block)?.[1];
    if (!resolved) throw new Error(`${file}: an entry has no resolved URL:\n${block}`);
    return resolved.replace(/#.*$/, '');
  });
}

/**
 * yarn.lock of yarn berry (YAML, `__metadata`): entries resolve to `name@npm:version`, with no
 * URL, unless the tarball is not at the registry's conventional place, in which case the
 * resolution carries `::__archiveUrl=<url-encoded>`. The URL is that, or the conventional
 * `<npmRegistryServer>/<name>/-/<basename>-<version>.tgz` of the project's .yarnrc.yml.
 */
export async function yarnBerryLockUrls(projectDir: string): Promise<string[]> {
  const file = path.join(projectDir, 'yarn.lock');
  const lock = YAML.parse(await readFile(file, 'utf8')) as Record<string, { resolution?: string }>;
  if (!lock.__metadata) throw new Error(`${file} is not a yarn berry lockfile (no __metadata).`);
  const rc = YAML.parse(await readFile(path.join(projectDir, BERRY_RC_FILENAME), 'utf8').catch(() => '')) as {
    npmRegistryServer?: string;
  } | null;
  // Without npmRegistryServer berry uses its built-in default, which this harness never configures.
  if (!rc?.npmRegistryServer)
    throw new Error(
      `${path.join(projectDir, BERRY_RC_FILENAME)} names no npmRegistryServer: the project was not configured for a repository.`,
    );
  const registry = rc.npmRegistryServer.replace(/\/+$/, '');
  const urls: string[] = [];
  for (const [key, entry] of Object.entries(lock)) {
    if (key === '__metadata') continue;
    const resolution = entry.resolution ?? '';
    const m = /^((?:@[^/@]+\/)?[^@]+)@npm:([^:]+)(?:::(.*))?$/.exec(resolution);
    if (!m) {
      if (/@(workspace|link|portal|patch):/.test(resolution)) continue;
      throw new Error(`${file}: ${key} resolves to ${resolution}, not an npm package.`);
    }
    const [, name, version, params] = m as unknown as [string, string, string, string | undefined];
    const archiveUrl = new URLSearchParams(params ?? '').get('__archiveUrl');
    urls.push(archiveUrl ?? `${registry}/${name}/-/${name.replace(/^@[^/]+\//, '')}-${version}.tgz`);
  }
  return urls;
}

// ---------------------------------------------------------------------------------------------
// The adapters

/**
 * npm. `aws codeartifact login --tool npm` writes `registry` and `//host/path/:_authToken` to the
 * user config (the sandbox's `npm_config_userconfig`). Writes besides: its cache
 * (`npm_config_cache`, in the sandbox), `_logs` under the cache; nothing global unless told
 * `-g`, which the env moves into the sandbox too (globalconfig, prefix).
 */
export const npm: PackageManager = {
  name: 'npm',
  command: 'npm',
  supports: { awsLogin: true, lockfile: 'package-lock.json', lockfileUrls: 'recorded' },
  async configure(ctx) {
    return { kind: 'aws-login', awsArgs: awsLoginArgs(ctx) };
  },
  install: (pkg) => ['npm', 'install', '--save-dev', pkg],
  resolvedUrls: packageLockUrls,
  env: (sandbox, target) => npmGlobalsInSandbox(sandbox, target),
};

/**
 * pnpm. Reads the npm user config that aws login wrote (`npm_config_userconfig`), plus its own
 * global rc `$XDG_CONFIG_HOME/pnpm/rc` (written by `pnpm config set`). Writes: the content-
 * addressable store (`store-dir`, default `$XDG_DATA_HOME/pnpm/store`), metadata cache
 * (`$XDG_CACHE_HOME/pnpm`), state (`$XDG_STATE_HOME/pnpm/pnpm-state.json`, the update check),
 * global packages and bins under `PNPM_HOME`: all put in the sandbox here.
 */
export const pnpm: PackageManager = {
  name: 'pnpm',
  command: 'pnpm',
  supports: { awsLogin: true, lockfile: 'pnpm-lock.yaml', lockfileUrls: 'recorded' },
  async configure(ctx) {
    return { kind: 'aws-login', awsArgs: awsLoginArgs(ctx) };
  },
  install: (pkg) => ['pnpm', 'add', '-D', pkg],
  resolvedUrls: pnpmLockUrls,
  env: (sandbox, target) => ({
    ...npmGlobalsInSandbox(sandbox, target),
    XDG_CONFIG_HOME: path.join(sandbox.home, '.config'),
    XDG_STATE_HOME: path.join(sandbox.home, '.local', 'state'),
    PNPM_HOME: path.join(sandbox.root, 'pnpm-home'),
    npm_config_store_dir: path.join(sandbox.root, 'pnpm-store'),
    npm_config_cache_dir: path.join(sandbox.root, 'pnpm-cache'),
    npm_config_global_dir: path.join(sandbox.root, 'pnpm-home', 'global'),
    npm_config_global_bin_dir: path.join(sandbox.root, 'pnpm-home'),
    // So that pnpm-lock.yaml records where each tarball came from.
    npm_config_lockfile_include_tarball_url: 'true',
    // A package.json `packageManager` field must not make pnpm fetch another pnpm.
    npm_config_manage_package_manager_versions: 'false',
  }),
};

/**
 * yarn classic (1.22). Reads `registry` and the `_authToken` from the npm user config that aws
 * login wrote (it honours `npm_config_userconfig`), and `$PREFIX/etc/npmrc`. As root it takes
 * `/usr/local/share` for its home (user-home-dir.js), whatever HOME says: `yarn config set`
 * and the self-update check's `lastUpdateCheck` write `/usr/local/share/.yarnrc`, and without
 * XDG_* its cache and global folder would be `/usr/local/share/.cache/yarn` and
 * `/usr/local/share/.config/yarn/global`. So: the adapter never runs `yarn config set`, the
 * update check is off, and cache, global folder, link folder and prefix are in the sandbox.
 * v8-compile-cache's `$TMPDIR/v8-compile-cache-<uid>` is switched off as well.
 *
 * Yarn 1 sends the token for an unscoped package's tarball only with `always-auth` (npm 9+
 * refuses to write the `always-auth` line aws login asks for), so the env sets it as yarn's own
 * config (`YARN_ALWAYS_AUTH`).
 */
export const yarnClassic: PackageManager = {
  name: 'yarn-classic',
  command: 'yarn',
  supports: { awsLogin: true, lockfile: 'yarn.lock', lockfileUrls: 'recorded' },
  async configure(ctx) {
    return { kind: 'aws-login', awsArgs: awsLoginArgs(ctx) };
  },
  install: (pkg) => ['yarn', 'add', '-D', pkg, '--non-interactive', '--no-progress'],
  resolvedUrls: yarnClassicLockUrls,
  env: (sandbox, target) => ({
    ...npmGlobalsInSandbox(sandbox, target),
    PREFIX: path.join(sandbox.root, 'npm-global'),
    YARN_CACHE_FOLDER: path.join(sandbox.root, 'yarn-cache'),
    YARN_GLOBAL_FOLDER: path.join(sandbox.root, 'yarn-global'),
    YARN_LINK_FOLDER: path.join(sandbox.root, 'yarn-link'),
    YARN_DISABLE_SELF_UPDATE_CHECK: 'true',
    YARN_ALWAYS_AUTH: 'true',
    DISABLE_V8_COMPILE_CACHE: '1',
  }),
};

/** The rc file name yarn berry reads (YARN_RC_FILENAME) and the adapter writes. */
export const BERRY_RC_FILENAME = '.yarnrc.yml';

function berryFolders(sandbox: Sandbox): { cacheFolder: string; globalFolder: string } {
  return { cacheFolder: path.join(sandbox.root, 'yarn-berry', 'cache'), globalFolder: path.join(sandbox.root, 'yarn-berry', 'global') };
}

/**
 * yarn berry (2+; the matrix runs 4). Ignores .npmrc, so `configure` writes the project's
 * `.yarnrc.yml` (the AWS docs' way for Yarn 2+): registry, always-auth, token, plus no telemetry,
 * no global cache, cache and global folder in the sandbox, node_modules linking. Berry reads rc
 * files named YARN_RC_FILENAME from the project up to `/` and from HOME, and writes only with
 * `yarn config set` (`-H`: HOME); its global folder (telemetry, global cache) defaults to
 * `~/.yarn/berry`.
 */
export const yarnBerry: PackageManager = {
  name: 'yarn-berry',
  command: 'yarn',
  supports: { awsLogin: false, lockfile: 'yarn.lock', lockfileUrls: 'derived' },
  async configure(ctx) {
    if (!ctx.registry || !ctx.token) throw new Error('yarn berry is configured by hand: ConfigureContext needs registry and token.');
    const project = ctx.project ?? ctx.sandbox.project;
    const url = new URL(ctx.registry);
    const rc: Record<string, unknown> = {
      npmRegistryServer: ctx.registry,
      npmAlwaysAuth: true,
      npmAuthToken: ctx.token,
      enableTelemetry: false,
      enableGlobalCache: false,
      ...berryFolders(ctx.sandbox),
      nodeLinker: 'node-modules',
      // Berry refuses plain-http registries except these hosts (an emulator on 127.0.0.1).
      ...(url.protocol === 'http:' ? { unsafeHttpWhitelist: [url.hostname] } : {}),
    };
    const file = path.join(project, BERRY_RC_FILENAME);
    await writeFile(file, YAML.stringify(rc));
    return { kind: 'files', files: [file] };
  },
  install: (pkg) => ['yarn', 'add', '-D', pkg],
  resolvedUrls: yarnBerryLockUrls,
  env: (sandbox) => ({
    TMPDIR: sandboxTmp(sandbox),
    YARN_RC_FILENAME: BERRY_RC_FILENAME,
    YARN_GLOBAL_FOLDER: berryFolders(sandbox).globalFolder,
    YARN_ENABLE_TELEMETRY: '0',
    YARN_ENABLE_GLOBAL_CACHE: '0',
    YARN_ENABLE_PROGRESS_BARS: '0',
    YARN_ENABLE_COLORS: '0',
  }),
};

export const PACKAGE_MANAGERS = { npm, pnpm, yarnClassic, yarnBerry } as const;

/** The adapter that drives a toolchain: npm, pnpm, yarn 1 (classic) or yarn 2+ (berry). */
export function adapterFor(spec: Pick<ToolSpec, 'tool' | 'major'>): PackageManager {
  switch (spec.tool) {
    case 'npm':
      return npm;
    case 'pnpm':
      return pnpm;
    case 'yarn':
      return spec.major === 1 ? yarnClassic : yarnBerry;
    default:
      throw new Error(`${spec.tool} is not a package manager.`);
  }
}
