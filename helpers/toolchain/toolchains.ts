/**
 * The toolchain manager: package managers, Node versions and the aws CLI v2 for the tests and
 * the CLI-version matrix, installed on demand into the git-ignored `.toolchains/` folder.
 *
 * Layout (`.toolchains/`):
 * - `<tool>-<major>/`: a registry package installed with the system npm
 *   (`npm install --prefix <dir> <package>@<range> --ignore-scripts`), a `bin/` folder of shell
 *   shims named like the tool's commands, and `toolchain.json` (the manifest, written last).
 *   Package managers' shims there run the tool with the `node` first on PATH (the system's 20).
 *     npm-6 ... npm-11   npm@N                      shims npm, npx
 *     pnpm-8 ... pnpm-10 pnpm@N                     shims pnpm, pnpx
 *     yarn-1             yarn@1.22 (classic)        shims yarn, yarnpkg
 *     yarn-4             @yarnpkg/cli-dist@4 (berry: the `yarn` package has only 1.x) shims yarn, yarnpkg
 *     node-18, node-22   node-<platform>-<arch>@N   shim node (the real binary from the registry)
 * - `<tool>-<major>-node<N>/`: only shims and a manifest: the tool of `<tool>-<major>/` run by
 *   the Node of `node-<N>/`, plus a `node` shim for that Node, so that everything the tool
 *   starts from PATH (lifecycle scripts, `aws codeartifact login`'s `npm config set`) runs on it.
 * - `awscli-v2/`: Debian's awscli unpacked without root (see ensureAwsCliV2).
 *
 * Putting `binDir` first on PATH makes the tool's commands resolve to that version, including
 * for programs that run them from PATH (`aws codeartifact login --tool npm` runs `npm config set`).
 *
 * Installs are idempotent and safe under concurrency (several Playwright workers, or the
 * toolchains script, asking for the same toolchain at once): each installs into its own
 * temporary folder and renames it into place; the rename is atomic, so a toolchain folder that
 * exists is complete, and whoever loses the race discards its copy and uses the winner's. A
 * folder counts as present when its manifest is there and names files that exist: that check
 * reads a few local files and never asks the registry.
 */
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../run/cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where toolchains live: `<project>/.toolchains` (git-ignored), or `$CONFORMANCE_TOOLCHAINS_DIR`. */
export const TOOLCHAINS_DIR = path.resolve(process.env.CONFORMANCE_TOOLCHAINS_DIR || path.join(ROOT, '.toolchains'));
const MANIFEST = 'toolchain.json';
const MANIFEST_SCHEMA = 1;

export type ToolName = 'npm' | 'pnpm' | 'yarn' | 'node';

export interface ToolSpec {
  tool: ToolName;
  /** The major version: npm 6-11, pnpm 8-10, yarn 1 (classic, 1.22) or 4 (berry), node 18/22. */
  major: number;
  /** Run the tool with this Node major (from `.toolchains/node-<N>/`) instead of the `node` on PATH. Not for `tool: 'node'`. */
  node?: number;
}

export interface Toolchain {
  tool: ToolName;
  major: number;
  /** The exact version installed, from the package's package.json. */
  version: string;
  /** The tool's main executable: a shim in `binDir` (runnable directly or as a command from PATH). */
  bin: string;
  /** Put this first on PATH so that the tool's commands resolve to this version. */
  binDir: string;
  /** The toolchain's folder in `.toolchains/`. */
  dir: string;
  /** The registry package installed, e.g. `@yarnpkg/cli-dist`. */
  packageName: string;
  /** The Node the shims exec: a Node toolchain's, or undefined for the `node` first on PATH. */
  node?: { major: number; version: string; bin: string };
  /** Whether this call installed it (`installed`) or found it in place (`present`). */
  status: 'installed' | 'present';
}

/** A tool installed from the npm registry. */
interface PackageTool {
  /** The registry package to install. */
  packageName: string;
  /** The range given to npm install. */
  range: string;
  /** The executable that `Toolchain.bin` names; one of `commands`. */
  main: string;
  /** The commands to shim, each with its entry point relative to the package folder. */
  commands: Record<string, string>;
  /** Entry points are native binaries (Node itself), exec'd directly rather than by a Node. */
  native?: boolean;
}

/** What `tool@major` installs, for any major (MATRIX_MAJORS lists the ones in use). */
function packageTool(tool: ToolName, major: number): PackageTool {
  switch (tool) {
    case 'npm':
      return { packageName: 'npm', range: String(major), main: 'npm', commands: { npm: 'bin/npm-cli.js', npx: 'bin/npx-cli.js' } };
    case 'pnpm':
      return { packageName: 'pnpm', range: String(major), main: 'pnpm', commands: { pnpm: 'bin/pnpm.cjs', pnpx: 'bin/pnpx.cjs' } };
    case 'yarn':
      // Classic is the `yarn` package (1.x only); berry (2+) ships as @yarnpkg/cli-dist, one bundled bin/yarn.js.
      return major === 1
        ? { packageName: 'yarn', range: '1.22', main: 'yarn', commands: { yarn: 'bin/yarn.js', yarnpkg: 'bin/yarn.js' } }
        : {
            packageName: '@yarnpkg/cli-dist',
            range: String(major),
            main: 'yarn',
            commands: { yarn: 'bin/yarn.js', yarnpkg: 'bin/yarn.js' },
          };
    case 'node':
      // The `node` package (node@N) fetches this same platform package from its preinstall script,
      // so it only works with install scripts enabled; the platform package needs none.
      return {
        packageName: `node-${process.platform}-${process.arch}`,
        range: String(major),
        main: 'node',
        commands: { node: 'bin/node' },
        native: true,
      };
    default:
      throw new Error(`Unknown tool ${String(tool)}.`);
  }
}

/**
 * The majors of each tool the CLI-version matrix covers: adding a version (npm 12) is adding
 * its number here; `packageTool` knows how to install any major.
 */
export const MATRIX_MAJORS = {
  npm: [6, 7, 8, 9, 10, 11],
  pnpm: [8, 9, 10],
  /** 1 is classic (yarn@1.22), 2 and later berry (@yarnpkg/cli-dist). */
  yarn: [1, 4],
  node: [18, 22],
} as const satisfies Record<ToolName, readonly number[]>;

/** Every toolchain `npm run toolchains` installs: each major of MATRIX_MAJORS, and the package managers the tests run on another Node. */
export const STANDARD_TOOLCHAINS: readonly ToolSpec[] = [
  ...(Object.entries(MATRIX_MAJORS) as Array<[ToolName, readonly number[]]>).flatMap(([tool, majors]) =>
    majors.map((major) => ({ tool, major })),
  ),
  // Package managers on another Node (as tests/emulator/package-managers.spec.ts runs them).
  { tool: 'pnpm', major: 10, node: 22 },
  { tool: 'npm', major: 10, node: 18 },
];

/** `.toolchains/<dir>` of a spec: `npm-11`, `yarn-4`, `pnpm-10-node22`. */
export function toolchainDirName(spec: ToolSpec): string {
  return `${spec.tool}-${spec.major}${spec.node !== undefined ? `-node${spec.node}` : ''}`;
}

/** Human-readable: `npm 11`, `yarn 4 (berry)`, `pnpm 10 on node 22`. */
export function describeSpec(spec: ToolSpec): string {
  const flavour = spec.tool === 'yarn' ? (spec.major === 1 ? ' (classic)' : ' (berry)') : '';
  return `${spec.tool} ${spec.major}${flavour}${spec.node !== undefined ? ` on node ${spec.node}` : ''}`;
}

interface Manifest {
  schema: number;
  tool: ToolName;
  major: number;
  packageName: string;
  /** What npm install was given. */
  spec: string;
  version: string;
  main: string;
  /** Command -> the absolute path its shim execs (a JS entry, or the Node binary). */
  commands: Record<string, string>;
  node?: { major: number; version: string; bin: string };
  installedAt: string;
  installMs: number;
  /** A folder from before manifests (shims and package only), adopted in place. */
  adopted?: boolean;
}

/** In-process memo, so that concurrent calls in one process share a single install. */
const pending = new Map<string, Promise<Toolchain>>();

/** `npm@<major>` in `.toolchains/npm-<major>/`, installed when missing. npm 6-11 run on Node 20. */
export function ensureNpm(major: number): Promise<Toolchain> {
  return ensureTool({ tool: 'npm', major });
}

/** The toolchain of `spec`, installed when missing. `ensureTool('npm', 11)` is `ensureTool({ tool: 'npm', major: 11 })`. */
export function ensureTool(spec: ToolSpec): Promise<Toolchain>;
export function ensureTool(tool: ToolName, major: number): Promise<Toolchain>;
export function ensureTool(specOrTool: ToolSpec | ToolName, maybeMajor?: number): Promise<Toolchain> {
  const spec: ToolSpec = typeof specOrTool === 'string' ? { tool: specOrTool, major: maybeMajor ?? NaN } : specOrTool;
  const key = toolchainDirName(spec);
  let install = pending.get(key);
  if (!install) {
    install = ensureSpec(spec);
    install.catch(() => pending.delete(key));
    pending.set(key, install);
  }
  return install;
}

function validMajor(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 999;
}

async function ensureSpec(spec: ToolSpec): Promise<Toolchain> {
  if (!['npm', 'pnpm', 'yarn', 'node'].includes(spec.tool)) throw new Error(`Unknown tool ${String(spec.tool)}.`);
  if (!validMajor(spec.major)) throw new Error(`${spec.tool}: ${spec.major} is not a major version number.`);
  if (spec.node === undefined) return ensurePackageTool(spec.tool, spec.major);
  if (spec.tool === 'node') throw new Error('A Node toolchain cannot run on another Node.');
  if (!validMajor(spec.node)) throw new Error(`node: ${spec.node} is not a major version number.`);
  return ensureOnNode(spec.tool, spec.major, spec.node);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

function packageDir(prefix: string, packageName: string): string {
  return path.join(prefix, 'node_modules', ...packageName.split('/'));
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function toToolchain(dir: string, m: Manifest, status: Toolchain['status']): Toolchain {
  const binDir = path.join(dir, 'bin');
  return {
    tool: m.tool,
    major: m.major,
    version: m.version,
    bin: path.join(binDir, m.main),
    binDir,
    dir,
    packageName: m.packageName,
    ...(m.node ? { node: m.node } : {}),
    status,
  };
}

/**
 * The toolchain in `dir` if it is complete: its manifest names this tool and major, and every
 * shim and every file a shim execs exists. Local files only.
 */
async function readInstalled(dir: string, tool: ToolName, major: number, node?: number): Promise<Manifest | undefined> {
  try {
    const m = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as Manifest;
    if (m.schema !== MANIFEST_SCHEMA || m.tool !== tool || m.major !== major || typeof m.version !== 'string') return undefined;
    if ((m.node?.major ?? undefined) !== node) return undefined;
    for (const [command, target] of Object.entries(m.commands)) {
      if (!(await exists(path.join(dir, 'bin', command))) || !(await exists(target))) return undefined;
    }
    if (m.node && !(await exists(m.node.bin))) return undefined;
    return m;
  } catch {
    return undefined;
  }
}

/** Writes `file` whole or not at all (write a temporary file beside it, then rename). */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/**
 * A folder from before manifests (`.toolchains/npm-N/` made by the first ensureNpm: package
 * and `bin/` shims running `node <entry>`): if complete, write its manifest in place rather
 * than reinstall, since another process may be running npm out of it right now.
 */
async function adoptLegacy(dir: string, tool: ToolName, major: number, def: PackageTool): Promise<Manifest | undefined> {
  if (def.native) return undefined;
  try {
    const pkg = JSON.parse(await readFile(path.join(packageDir(dir, def.packageName), 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof pkg.version !== 'string' || pkg.version.split('.')[0] !== String(major)) return undefined;
    const commands: Record<string, string> = {};
    for (const [command, entry] of Object.entries(def.commands)) {
      const target = path.join(packageDir(dir, def.packageName), entry);
      const shim = await readFile(path.join(dir, 'bin', command), 'utf8');
      if (shim !== shimText('node', target)) return undefined;
      commands[command] = target;
    }
    const m: Manifest = {
      schema: MANIFEST_SCHEMA,
      tool,
      major,
      packageName: def.packageName,
      spec: `${def.packageName}@${def.range}`,
      version: pkg.version,
      main: def.main,
      commands,
      installedAt: new Date().toISOString(),
      installMs: 0,
      adopted: true,
    };
    await writeAtomically(path.join(dir, MANIFEST), `${JSON.stringify(m, null, 2)}\n`);
    return m;
  } catch {
    return undefined;
  }
}

/** `exec <runner> <target> "$@"`, or `exec <target> "$@"` for a native binary (runner undefined). */
function shimText(runner: string | undefined, target: string): string {
  return `#!/bin/sh\nexec ${runner === undefined ? '' : `${runner === 'node' ? 'node' : shellQuote(runner)} `}${shellQuote(target)} "$@"\n`;
}

async function writeShims(binDir: string, shims: Record<string, string>): Promise<void> {
  await mkdir(binDir, { recursive: true });
  for (const [command, text] of Object.entries(shims)) {
    const shim = path.join(binDir, command);
    await writeFile(shim, text);
    await chmod(shim, 0o755);
  }
}

/** A toolchain folder that exists but is incomplete: move it aside atomically, then drop it. */
async function discard(dir: string): Promise<void> {
  const trash = `${dir}.broken-${process.pid}-${randomBytes(4).toString('hex')}`;
  await rename(dir, trash).catch(() => {});
  await rm(trash, { recursive: true, force: true });
}

/**
 * Builds a toolchain in a staging folder (`build` gets the staging folder and the final one,
 * which the shims must name), writes its manifest last, and renames it into place.
 */
async function installAtomically(dir: string, build: (staging: string, final: string) => Promise<Manifest>): Promise<void> {
  await mkdir(TOOLCHAINS_DIR, { recursive: true });
  const staging = path.join(TOOLCHAINS_DIR, `.staging-${path.basename(dir)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(staging, { recursive: true });
    const manifest = await build(staging, dir);
    await writeFile(path.join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    try {
      await rename(staging, dir);
    } catch (err) {
      // Someone else finished first: theirs is complete (renamed into place whole), ours goes.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function ensurePackageTool(tool: ToolName, major: number): Promise<Toolchain> {
  const def = packageTool(tool, major);
  const dir = path.join(TOOLCHAINS_DIR, toolchainDirName({ tool, major }));
  const ready = await readInstalled(dir, tool, major);
  if (ready) return toToolchain(dir, ready, 'present');
  if (await exists(dir)) {
    // A folder only ever appears here whole (renamed into place), so look again: another
    // process may have finished since the first look; or it is one from before manifests.
    const now = (await readInstalled(dir, tool, major)) ?? (await adoptLegacy(dir, tool, major, def));
    if (now) return toToolchain(dir, now, 'present');
    await discard(dir);
  }

  const spec = `${def.packageName}@${def.range}`;
  await installAtomically(dir, async (staging, final) => {
    const started = Date.now();
    await writeFile(
      path.join(staging, 'package.json'),
      `${JSON.stringify({ name: `toolchain-${path.basename(final)}`, private: true }, null, 2)}\n`,
    );
    const run = await runCli(
      'npm',
      ['install', '--prefix', staging, spec, '--no-audit', '--no-fund', '--ignore-scripts', '--no-update-notifier'],
      {
        timeoutMs: 300_000,
      },
    );
    if (run.exitCode !== 0) throw new Error(`Installing ${spec} into ${staging} failed:\n${run.transcript()}`);
    const pkg = JSON.parse(await readFile(path.join(packageDir(staging, def.packageName), 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    if (typeof pkg.version !== 'string') throw new Error(`Installing ${spec} into ${staging} left no ${def.packageName} package behind.`);
    const version = pkg.version.replace(/^v/, '');
    const commands: Record<string, string> = {};
    const shims: Record<string, string> = {};
    for (const [command, entry] of Object.entries(def.commands)) {
      if (!(await exists(path.join(packageDir(staging, def.packageName), entry)))) throw new Error(`${spec} ${version} has no ${entry}.`);
      // The shims name the final folder, where the package will be after the rename.
      const target = path.join(packageDir(final, def.packageName), entry);
      commands[command] = target;
      shims[command] = shimText(def.native ? undefined : 'node', target);
    }
    await writeShims(path.join(staging, 'bin'), shims);
    if (def.native) {
      // A binary from the registry: prove it runs here before calling the toolchain complete.
      const probe = await runCli(path.join(packageDir(staging, def.packageName), def.commands[def.main]!), ['--version'], {
        timeoutMs: 30_000,
      });
      if (probe.exitCode !== 0 || probe.stdout.trim().replace(/^v/, '') !== version) {
        throw new Error(`${spec}: the installed binary does not run as ${version} here:\n${probe.transcript()}`);
      }
    }
    return {
      schema: MANIFEST_SCHEMA,
      tool,
      major,
      packageName: def.packageName,
      spec,
      version,
      main: def.main,
      commands,
      installedAt: new Date().toISOString(),
      installMs: Date.now() - started,
    };
  });
  const done = await readInstalled(dir, tool, major);
  if (!done) throw new Error(`${dir} is not a complete ${spec} toolchain after installing it.`);
  return toToolchain(dir, done, 'installed');
}

/** `<tool>-<major>-node<N>/`: shims running the package of `<tool>-<major>/` with the Node of `node-<N>/`. */
async function ensureOnNode(tool: ToolName, major: number, nodeMajor: number): Promise<Toolchain> {
  const dir = path.join(TOOLCHAINS_DIR, toolchainDirName({ tool, major, node: nodeMajor }));
  const ready = await readInstalled(dir, tool, major, nodeMajor);
  if (ready) return toToolchain(dir, ready, 'present');
  const [base, node] = await Promise.all([ensureTool({ tool, major }), ensureTool({ tool: 'node', major: nodeMajor })]);
  if (await exists(dir)) {
    const now = await readInstalled(dir, tool, major, nodeMajor);
    if (now) return toToolchain(dir, now, 'present');
    await discard(dir);
  }
  const baseManifest = (await readInstalled(base.dir, tool, major))!;
  const nodeBin = (await readInstalled(node.dir, 'node', nodeMajor))!.commands.node!;
  await installAtomically(dir, async (staging) => {
    const shims: Record<string, string> = { node: shimText(undefined, nodeBin) };
    const commands: Record<string, string> = { node: nodeBin };
    for (const [command, target] of Object.entries(baseManifest.commands)) {
      shims[command] = shimText(nodeBin, target);
      commands[command] = target;
    }
    await writeShims(path.join(staging, 'bin'), shims);
    return {
      schema: MANIFEST_SCHEMA,
      tool,
      major,
      packageName: baseManifest.packageName,
      spec: baseManifest.spec,
      version: baseManifest.version,
      main: baseManifest.main,
      commands,
      node: { major: nodeMajor, version: node.version, bin: nodeBin },
      installedAt: new Date().toISOString(),
      installMs: 0,
    };
  });
  const done = await readInstalled(dir, tool, major, nodeMajor);
  if (!done) throw new Error(`${dir} is not a complete ${describeSpec({ tool, major, node: nodeMajor })} toolchain after installing it.`);
  return toToolchain(dir, done, 'installed');
}

// ---------------------------------------------------------------------------------------------
// aws CLI v1 and v2

export interface AwsCli {
  /** The executable to run. */
  bin: string;
  /** As `--version` reports it, e.g. `1.45.11`. */
  version: string;
  /** The whole `--version` line. */
  line: string;
}

export interface AwsClis {
  /** `aws` on PATH, if it reports aws-cli/1.x. */
  v1?: AwsCli;
  /** `/usr/bin/aws` (Debian's awscli package), else `.toolchains/awscli-v2/bin/aws` (unpacked without root). */
  v2?: AwsCli;
}

/** Debian's awscli, where `apt-get install -y awscli` puts it. */
export const DEBIAN_AWS_CLI = '/usr/bin/aws';
/** Debian's awscli unpacked without root by ensureAwsCliV2. */
export const UNPACKED_AWS_CLI_DIR = path.join(TOOLCHAINS_DIR, 'awscli-v2');

async function awsVersion(bin: string): Promise<AwsCli | undefined> {
  const run = await runCli(bin, ['--version'], { timeoutMs: 60_000, env: { AWS_PAGER: '' } }).catch(() => undefined);
  if (!run || run.exitCode !== 0) return undefined;
  const line = `${run.stdout}${run.stderr}`.trim().split('\n')[0] ?? '';
  const version = /aws-cli\/(\S+)/.exec(line)?.[1];
  return version ? { bin, version, line } : undefined;
}

/** The aws CLIs this machine has. Runs `--version` of each candidate; installs nothing. */
export async function findAwsClis(): Promise<AwsClis> {
  const [onPath, debian, unpacked] = await Promise.all([
    awsVersion('aws'),
    exists(DEBIAN_AWS_CLI).then((yes) => (yes ? awsVersion(DEBIAN_AWS_CLI) : undefined)),
    exists(path.join(UNPACKED_AWS_CLI_DIR, MANIFEST)).then((yes) =>
      yes ? awsVersion(path.join(UNPACKED_AWS_CLI_DIR, 'bin', 'aws')) : undefined,
    ),
  ]);
  const out: AwsClis = {};
  if (onPath?.version.startsWith('1.')) out.v1 = onPath;
  const v2 = [debian, unpacked].find((cli) => cli?.version.startsWith('2.'));
  if (v2) out.v2 = v2;
  return out;
}

export interface AwsCliV2 extends AwsCli {
  status: 'installed' | 'present';
  /** How it got here: Debian's package installed as root, or unpacked into `.toolchains/awscli-v2`. */
  method: 'apt' | 'unpack';
}

export interface EnsureAwsCliV2Options {
  /**
   * `auto` (default): present if found; else `apt` when running as root, `unpack` otherwise.
   * `unpack` forces the rootless route even as root (to test it).
   */
  method?: 'auto' | 'apt' | 'unpack';
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * aws CLI v2: `/usr/bin/aws` from Debian's awscli package, installed when missing.
 * - As root: `apt-get install -y awscli` (`apt-get update` first only if that fails).
 * - Otherwise: Debian's awscli and the Python packages it needs are downloaded with
 *   `apt-get download` (no root needed, but the apt lists must be there) and unpacked with
 *   `dpkg-deb -x` into `.toolchains/awscli-v2/root`; `bin/aws` runs them with the system's
 *   `/usr/bin/python3 -S` (the Debian Python they are built for; `-S` so that only the unpacked
 *   packages are importable, which proves the set is complete).
 */
export async function ensureAwsCliV2(options: EnsureAwsCliV2Options = {}): Promise<AwsCliV2> {
  const method = options.method ?? 'auto';
  if (method !== 'unpack') {
    const debian = (await exists(DEBIAN_AWS_CLI)) ? await awsVersion(DEBIAN_AWS_CLI) : undefined;
    if (debian?.version.startsWith('2.')) return { ...debian, status: 'present', method: 'apt' };
  }
  if (method !== 'apt') {
    const unpacked = await unpackedAwsCli();
    if (unpacked) return { ...unpacked, status: 'present', method: 'unpack' };
  }
  if (method === 'apt' || (method === 'auto' && isRoot())) return aptInstallAwsCli();
  return unpackAwsCli();
}

async function aptInstallAwsCli(): Promise<AwsCliV2> {
  if (!isRoot()) throw new Error('apt-get install needs root; use the unpack method.');
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => runCli('apt-get', ['install', '-y', '--no-install-recommends', 'awscli'], { env, timeoutMs: 600_000 });
  let run = await install();
  if (run.exitCode !== 0) {
    const update = await runCli('apt-get', ['update'], { env, timeoutMs: 600_000 });
    if (update.exitCode !== 0)
      throw new Error(`apt-get install awscli failed, and so did apt-get update:\n${run.transcript()}\n${update.transcript()}`);
    run = await install();
    if (run.exitCode !== 0) throw new Error(`apt-get install awscli failed (also after apt-get update):\n${run.transcript()}`);
  }
  const cli = await awsVersion(DEBIAN_AWS_CLI);
  if (!cli?.version.startsWith('2.'))
    throw new Error(`After apt-get install awscli, ${DEBIAN_AWS_CLI} --version says ${cli?.line ?? 'nothing'}, not aws-cli/2.x.`);
  return { ...cli, status: 'installed', method: 'apt' };
}

async function unpackedAwsCli(): Promise<AwsCli | undefined> {
  try {
    const m = JSON.parse(await readFile(path.join(UNPACKED_AWS_CLI_DIR, MANIFEST), 'utf8')) as { schema?: number; version?: string };
    if (m.schema !== MANIFEST_SCHEMA || typeof m.version !== 'string') return undefined;
    const bin = path.join(UNPACKED_AWS_CLI_DIR, 'bin', 'aws');
    if (!(await exists(bin))) return undefined;
    return { bin, version: m.version, line: `aws-cli/${m.version}` };
  } catch {
    return undefined;
  }
}

/** awscli and, recursively, the Python packages (python3-*, docutils-common) it depends on. */
async function awsCliDebPackages(): Promise<string[]> {
  const run = await runCli('apt-cache', [
    'depends',
    '--recurse',
    '--no-recommends',
    '--no-suggests',
    '--no-conflicts',
    '--no-breaks',
    '--no-replaces',
    '--no-enhances',
    '--no-pre-depends',
    'awscli',
  ]);
  const names = new Set(
    run.stdout
      .split('\n')
      .filter((l) => l && !l.startsWith(' ') && !l.startsWith('<'))
      .map((l) => l.trim()),
  );
  if (run.exitCode !== 0 || !names.has('awscli')) {
    throw new Error(
      `apt-cache knows no awscli package (the apt lists under /var/lib/apt/lists are missing or old, and only root can refresh them):\n${run.transcript()}`,
    );
  }
  // The interpreter itself (python3, python3.11, its -minimal and libpython) stays the system's.
  return [...names]
    .filter((n) => n === 'awscli' || n === 'docutils-common' || (/^python3-/.test(n) && !/^python3-minimal$/.test(n)))
    .sort();
}

async function unpackAwsCli(): Promise<AwsCliV2> {
  const python = '/usr/bin/python3';
  if (!(await exists(python)))
    throw new Error(`Unpacking Debian's awscli needs the system's ${python} (its C extensions are built for it), and there is none.`);
  const dir = UNPACKED_AWS_CLI_DIR;
  if (await exists(dir)) await discard(dir);
  await installAtomically(dir, async (staging, final) => {
    const started = Date.now();
    const packages = await awsCliDebPackages();
    const debs = path.join(staging, 'debs');
    await mkdir(debs);
    const download = await runCli('apt-get', ['download', ...packages], { cwd: debs, timeoutMs: 600_000 });
    if (download.exitCode !== 0) throw new Error(`apt-get download failed:\n${download.transcript()}`);
    const root = path.join(staging, 'root');
    for (const deb of (await readdir(debs)).filter((f) => f.endsWith('.deb')).sort()) {
      const x = await runCli('dpkg-deb', ['-x', path.join(debs, deb), root], { timeoutMs: 120_000 });
      if (x.exitCode !== 0) throw new Error(`dpkg-deb -x ${deb} failed:\n${x.transcript()}`);
    }
    await rm(debs, { recursive: true, force: true });
    const sitePackages = 'usr/lib/python3/dist-packages';
    const probe = await runCli(python, ['-S', path.join(root, 'usr/bin/aws'), '--version'], {
      env: { PYTHONPATH: path.join(root, sitePackages), AWS_PAGER: '' },
      isolatedEnv: true,
      timeoutMs: 60_000,
    });
    const version = /aws-cli\/(\S+)/.exec(probe.stdout + probe.stderr)?.[1] ?? '';
    if (probe.exitCode !== 0 || !version.startsWith('2.')) {
      throw new Error(`The unpacked awscli does not run with ${python} -S and only its unpacked Python packages:\n${probe.transcript()}`);
    }
    const finalRoot = path.join(final, 'root');
    await writeShims(path.join(staging, 'bin'), {
      aws: `#!/bin/sh\nPYTHONPATH=${shellQuote(path.join(finalRoot, sitePackages))} exec ${python} -S ${shellQuote(path.join(finalRoot, 'usr/bin/aws'))} "$@"\n`,
    });
    return {
      schema: MANIFEST_SCHEMA,
      tool: 'awscli' as ToolName,
      major: 2,
      packageName: 'awscli (Debian)',
      spec: packages.join(' '),
      version,
      main: 'aws',
      commands: { aws: path.join(finalRoot, 'usr/bin/aws') },
      installedAt: new Date().toISOString(),
      installMs: Date.now() - started,
    };
  });
  const cli = await awsVersion(path.join(dir, 'bin', 'aws'));
  if (!cli?.version.startsWith('2.')) throw new Error(`${dir}/bin/aws does not run after unpacking.`);
  return { ...cli, status: 'installed', method: 'unpack' };
}
