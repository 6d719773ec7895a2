/**
 * A toolchain's folder in `.toolchains/`: its manifest, its shims, and the rule that makes
 * installs safe under concurrency (several Playwright workers, or the toolchains script,
 * asking for the same toolchain at once): each installs into its own temporary folder and
 * renames it into place; the rename is atomic, so a toolchain folder that exists is complete,
 * and whoever loses the race discards its copy and uses the winner's. A folder counts as
 * present when its manifest is there and names files that exist: that check reads a few
 * local files and never asks the registry.
 */
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Toolchain, ToolName } from './catalogue.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where toolchains live: `<project>/.toolchains` (git-ignored), or `$CONFORMANCE_TOOLCHAINS_DIR`. */
export const TOOLCHAINS_DIR = path.resolve(process.env.CONFORMANCE_TOOLCHAINS_DIR || path.join(ROOT, '.toolchains'));
export const MANIFEST = 'toolchain.json';
export const MANIFEST_SCHEMA = 1;

export interface Manifest {
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

export async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

export function packageDir(prefix: string, packageName: string): string {
  return path.join(prefix, 'node_modules', ...packageName.split('/'));
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function toToolchain(dir: string, m: Manifest, status: Toolchain['status']): Toolchain {
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
export async function readInstalled(dir: string, tool: ToolName, major: number, node?: number): Promise<Manifest | undefined> {
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
export async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** `exec <runner> <target> "$@"`, or `exec <target> "$@"` for a native binary (runner undefined). */
export function shimText(runner: string | undefined, target: string): string {
  return `#!/bin/sh\nexec ${runner === undefined ? '' : `${runner === 'node' ? 'node' : shellQuote(runner)} `}${shellQuote(target)} "$@"\n`;
}

export async function writeShims(binDir: string, shims: Record<string, string>): Promise<void> {
  await mkdir(binDir, { recursive: true });
  for (const [command, text] of Object.entries(shims)) {
    const shim = path.join(binDir, command);
    await writeFile(shim, text);
    await chmod(shim, 0o755);
  }
}

/** A toolchain folder that exists but is incomplete: move it aside atomically, then drop it. */
export async function discard(dir: string): Promise<void> {
  const trash = `${dir}.broken-${process.pid}-${randomBytes(4).toString('hex')}`;
  await rename(dir, trash).catch(() => {});
  await rm(trash, { recursive: true, force: true });
}

/**
 * Builds a toolchain in a staging folder (`build` gets the staging folder and the final one,
 * which the shims must name), writes its manifest last, and renames it into place.
 */
export async function installAtomically(dir: string, build: (staging: string, final: string) => Promise<Manifest>): Promise<void> {
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
