/**
 * The user's own package-manager and AWS configuration, fingerprinted, so that tests can prove
 * a run left every file byte for byte as it was (and absent files absent). The list is every
 * config file npm, pnpm, yarn 1, yarn berry and the aws CLI read or write outside a project,
 * as found by tracing their writes as root.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { STANDARD_TOOLCHAINS } from './catalogue.ts';
import { TOOLCHAINS_DIR } from './folders.ts';

/**
 * Every config file npm, pnpm, yarn 1, yarn berry and the aws CLI read or write outside a
 * project, as the real user (root here) has them: user config, global config (per Node
 * prefix: the system's and each Node toolchain's), yarn 1's root home `/usr/local/share`.
 */
function watchedFiles(): string[] {
  const home = homedir();
  const xdgConfig = process.env.XDG_CONFIG_HOME || path.join(home, '.config');
  const nodePrefixes = ['/usr', '/usr/local', path.dirname(path.dirname(process.execPath))];
  for (const spec of STANDARD_TOOLCHAINS.filter((s) => s.tool === 'node')) {
    nodePrefixes.push(path.join(TOOLCHAINS_DIR, `node-${spec.major}`, 'node_modules', `node-${process.platform}-${process.arch}`));
  }
  return [
    ...new Set([
      path.join(home, '.npmrc'),
      path.join(home, '.yarnrc'),
      path.join(home, '.yarnrc.yml'),
      path.join(home, '.pnpmrc'),
      path.join(xdgConfig, 'pnpm', 'rc'),
      path.join(xdgConfig, 'yarn', 'config'),
      path.join(home, '.config', 'pnpm', 'rc'),
      path.join(home, '.local', 'state', 'pnpm', 'pnpm-state.json'),
      path.join(home, '.yarn', 'berry', 'telemetry.json'),
      path.join(home, '.aws', 'config'),
      path.join(home, '.aws', 'credentials'),
      '/usr/local/share/.yarnrc',
      '/usr/local/share/.npmrc',
      '/usr/local/share/.yarnrc.yml',
      '/etc/npmrc',
      '/etc/yarnrc',
      ...nodePrefixes.map((prefix) => path.join(prefix, 'etc', 'npmrc')),
    ]),
  ];
}

/** Folders whose mere appearance would mean a tool wrote outside the sandbox (yarn 1's root home, global stores). */
function watchedFolders(): string[] {
  const home = homedir();
  return [
    '/usr/local/share/.cache/yarn',
    '/usr/local/share/.config/yarn',
    path.join(home, '.config', 'yarn'),
    path.join(home, '.yarn', 'berry'),
    path.join(home, '.local', 'share', 'pnpm'),
    path.join(home, '.cache', 'pnpm'),
    path.join(home, '.cache', 'yarn'),
  ];
}

async function fingerprint(file: string): Promise<string> {
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
  return bytes === undefined ? '(absent)' : `${bytes.length} bytes sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function folderFingerprint(dir: string): Promise<string> {
  const stat = await lstat(dir).catch(() => undefined);
  if (!stat) return '(absent)';
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return `${entries.length} entries, mtime ${stat.mtimeMs}`;
}

export async function snapshotUserConfig(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of watchedFiles()) out[file] = await fingerprint(file);
  for (const dir of watchedFolders()) out[`${dir}/`] = await folderFingerprint(dir);
  return out;
}
