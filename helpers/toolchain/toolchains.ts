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
 * Installs are idempotent and safe under concurrency (helpers/toolchain/folders.ts says how);
 * what can be installed is helpers/toolchain/catalogue.ts; the aws CLIs are
 * helpers/toolchain/aws-cli.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../run/cli.ts';
import {
  describeSpec,
  packageTool,
  toolchainDirName,
  type PackageTool,
  type Toolchain,
  type ToolName,
  type ToolSpec,
} from './catalogue.ts';
import {
  discard,
  exists,
  installAtomically,
  MANIFEST,
  MANIFEST_SCHEMA,
  packageDir,
  readInstalled,
  shimText,
  TOOLCHAINS_DIR,
  toToolchain,
  writeAtomically,
  writeShims,
  type Manifest,
} from './folders.ts';

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
