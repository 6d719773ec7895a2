/**
 * The aws CLIs: v1 from PATH, v2 as Debian's awscli package (installed as root with apt-get,
 * or unpacked without root into `.toolchains/awscli-v2`).
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../run/cli.ts';
import type { ToolName } from './catalogue.ts';
import { discard, exists, installAtomically, MANIFEST, MANIFEST_SCHEMA, shellQuote, TOOLCHAINS_DIR, writeShims } from './folders.ts';

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
