/**
 * Package-manager toolchains for the tests, installed on demand into the git-ignored
 * `.toolchains/` folder of the project: `.toolchains/<tool>-<major>/`.
 *
 * Each toolchain is a registry package installed with the system npm
 * (`npm install --prefix <dir> <package>@<major>`) plus a `bin/` folder of shell shims, so that
 * putting `binDir` first on PATH makes the tool's commands resolve to that version, including
 * for programs that run them from PATH (`aws codeartifact login --tool npm` runs
 * `npm config set ...`).
 *
 * Installs are idempotent and safe under concurrency (several Playwright workers asking for
 * the same toolchain at once): each installs into its own temporary folder and renames it into
 * place; the rename is atomic, so a toolchain folder that exists is complete, and whoever
 * loses the race discards its copy and uses the winner's.
 *
 * Today: npm. More tools (pnpm, yarn, Node versions) are added as entries of TOOLS.
 */
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where toolchains live: `<project>/.toolchains` (git-ignored). */
export const TOOLCHAINS_DIR = path.join(ROOT, '.toolchains');

export interface Toolchain {
  /** The exact version installed, from the package's package.json. */
  version: string;
  /** The tool's main executable: a shim in `binDir` (runnable directly or as a command from PATH). */
  bin: string;
  /** Put this first on PATH so that the tool's commands resolve to this version. */
  binDir: string;
}

/** A tool installed from the npm registry and run with the system Node. */
interface PackageTool {
  /** The registry package to install. */
  packageName: string;
  /** The executable that `Toolchain.bin` names; one of `commands`. */
  main: string;
  /** The commands to shim, each with its JavaScript entry point relative to the package folder. */
  commands: Record<string, string>;
}

const TOOLS = {
  npm: {
    packageName: 'npm',
    main: 'npm',
    commands: { npm: 'bin/npm-cli.js', npx: 'bin/npx-cli.js' },
  },
} as const satisfies Record<string, PackageTool>;

export type ToolName = keyof typeof TOOLS;

/** In-process memo, so that concurrent calls in one worker share a single install. */
const pending = new Map<string, Promise<Toolchain>>();

/** `npm@<major>` in `.toolchains/npm-<major>/`, installed when missing. npm 6-11 run on Node 20. */
export function ensureNpm(major: number): Promise<Toolchain> {
  return ensureTool('npm', major);
}

export function ensureTool(tool: ToolName, major: number): Promise<Toolchain> {
  if (!Number.isInteger(major) || major < 1 || major > 999) return Promise.reject(new Error(`${tool}: ${major} is not a major version number.`));
  const key = `${tool}-${major}`;
  let install = pending.get(key);
  if (!install) {
    install = ensurePackageTool(TOOLS[tool], key, String(major));
    install.catch(() => pending.delete(key));
    pending.set(key, install);
  }
  return install;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

function packageDir(prefix: string, tool: PackageTool): string {
  return path.join(prefix, 'node_modules', ...tool.packageName.split('/'));
}

function describe(prefix: string, tool: PackageTool, version: string): Toolchain {
  const binDir = path.join(prefix, 'bin');
  return { version, bin: path.join(binDir, tool.main), binDir };
}

/** The toolchain in `prefix` if it is complete (package installed, every shim present). */
async function installed(prefix: string, tool: PackageTool): Promise<Toolchain | undefined> {
  try {
    const manifest = JSON.parse(await readFile(path.join(packageDir(prefix, tool), 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof manifest.version !== 'string') return undefined;
    for (const command of Object.keys(tool.commands)) {
      if (!(await exists(path.join(prefix, 'bin', command)))) return undefined;
    }
    return describe(prefix, tool, manifest.version);
  } catch {
    return undefined;
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function ensurePackageTool(tool: PackageTool, dirName: string, range: string): Promise<Toolchain> {
  const prefix = path.join(TOOLCHAINS_DIR, dirName);
  const ready = await installed(prefix, tool);
  if (ready) return ready;
  await mkdir(TOOLCHAINS_DIR, { recursive: true });
  if (await exists(prefix)) {
    // A folder only ever appears here whole (renamed into place), so check again: another
    // process may have finished since the first look.
    const now = await installed(prefix, tool);
    if (now) return now;
    // Incomplete (an install from before this scheme, or damaged by hand): move it aside atomically, then drop it.
    const trash = `${prefix}.broken-${process.pid}-${randomBytes(4).toString('hex')}`;
    await rename(prefix, trash).catch(() => {});
    await rm(trash, { recursive: true, force: true });
  }

  const staging = path.join(TOOLCHAINS_DIR, `.staging-${dirName}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(staging, { recursive: true });
    await writeFile(path.join(staging, 'package.json'), `${JSON.stringify({ name: `toolchain-${dirName}`, private: true }, null, 2)}\n`);
    const spec = `${tool.packageName}@${range}`;
    const run = await runCli('npm', ['install', '--prefix', staging, spec, '--no-audit', '--no-fund', '--ignore-scripts'], {
      timeoutMs: 300_000,
    });
    if (run.exitCode !== 0) throw new Error(`Installing ${spec} into ${staging} failed:\n${run.transcript()}`);
    // The shims name the final folder, where the package will be after the rename.
    const binDir = path.join(staging, 'bin');
    await mkdir(binDir);
    for (const [command, entry] of Object.entries(tool.commands)) {
      const target = path.join(packageDir(prefix, tool), entry);
      const shim = path.join(binDir, command);
      await writeFile(shim, `#!/bin/sh\nexec node ${shellQuote(target)} "$@"\n`);
      await chmod(shim, 0o755);
    }
    if (!(await installed(staging, tool))) throw new Error(`Installing ${spec} into ${staging} left no ${tool.packageName} package behind.`);
    try {
      await rename(staging, prefix);
    } catch (err) {
      // Someone else finished first: theirs is complete (renamed into place whole), ours goes.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const done = await installed(prefix, tool);
  if (!done) throw new Error(`${prefix} is not a complete ${tool.packageName} toolchain after installing it.`);
  return done;
}
