/**
 * A run's own little world: HOME, npm user config and cache, AWS config and credentials
 * files, and a fresh project folder, all in one temporary directory. The user's real
 * ~/.npmrc, ~/.aws and package-manager config are never read or written.
 *
 * It holds a working token (home/.npmrc, npm's debug log), so it must not outlive the run:
 * it is removed on close, on any exit of the process (also after SIGINT or SIGTERM), and,
 * after a SIGKILL, by `npm run sweep`, which finds it under `<state folder>/sandboxes/` with
 * its owner (pid, host, start time) in `owner.json`.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir, thisProcess, type RunOwner } from './owner.ts';

export interface Sandbox {
  root: string;
  home: string;
  npmrc: string;
  npmCache: string;
  awsConfig: string;
  awsCredentials: string;
  project: string;
  /** An environment that sees only the sandbox: start CLIs from this, not process.env. */
  env(extra?: Record<string, string>): Record<string, string>;
  dispose(): void;
}

/** Variables from the caller's environment that a sandboxed CLI may still see. */
const PASSED_THROUGH = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TERM', 'TMPDIR', 'SYSTEMROOT', 'PYENV_ROOT', 'PYENV_VERSION'];

export const sandboxesDir = (): string => join(stateDir(), 'sandboxes');
export const OWNER_FILE = 'owner.json';

/** A sandbox folder on disk and its owner, if it recorded one; for sweep. */
export interface SandboxOnDisk {
  root: string;
  owner: RunOwner | undefined;
  /** Last change, epoch ms: a sandbox without an owner is judged by its age. */
  modifiedAt: number;
}

export function sandboxesOnDisk(): SandboxOnDisk[] {
  let names: string[];
  try {
    names = readdirSync(sandboxesDir());
  } catch {
    return [];
  }
  return names.map((name) => {
    const root = join(sandboxesDir(), name);
    let owner: RunOwner | undefined;
    try {
      owner = JSON.parse(readFileSync(join(root, OWNER_FILE), 'utf8')) as RunOwner;
    } catch {
      owner = undefined;
    }
    let modifiedAt = 0;
    try {
      modifiedAt = statSync(root).mtimeMs;
    } catch {
      // gone meanwhile
    }
    return { root, owner, modifiedAt };
  });
}

/** Sandboxes this process still has: removed on exit whatever ends the process. */
const live = new Set<string>();
let exitHook = false;
function removeOnExit(root: string): void {
  live.add(root);
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const dir of live) rmSync(dir, { recursive: true, force: true });
  });
}

export function createSandbox(label: string): Sandbox {
  mkdirSync(sandboxesDir(), { recursive: true, mode: 0o700 });
  const root = mkdtempSync(join(sandboxesDir(), `cc-${label.replace(/[^a-z0-9-]/gi, '-')}-`));
  // The owner first: a sandbox sweep finds is never without one for longer than this call.
  writeFileSync(join(root, OWNER_FILE), JSON.stringify(thisProcess()), { mode: 0o600 });
  removeOnExit(root);
  const home = join(root, 'home');
  const sandbox: Sandbox = {
    root,
    home,
    npmrc: join(home, '.npmrc'),
    npmCache: join(root, 'npm-cache'),
    awsConfig: join(home, '.aws', 'config'),
    awsCredentials: join(home, '.aws', 'credentials'),
    project: join(root, 'project'),
    env(extra = {}) {
      const base: Record<string, string> = {};
      for (const name of PASSED_THROUGH) {
        const value = process.env[name];
        if (value !== undefined) base[name] = value;
      }
      return {
        ...base,
        HOME: home,
        USERPROFILE: home,
        XDG_CONFIG_HOME: join(home, '.config'),
        XDG_CACHE_HOME: join(root, 'cache'),
        XDG_DATA_HOME: join(home, '.local', 'share'),
        npm_config_userconfig: sandbox.npmrc,
        npm_config_cache: sandbox.npmCache,
        npm_config_update_notifier: 'false',
        AWS_CONFIG_FILE: sandbox.awsConfig,
        AWS_SHARED_CREDENTIALS_FILE: sandbox.awsCredentials,
        ...extra,
      };
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
      if (!existsSync(root)) live.delete(root);
    },
  };
  mkdirSync(join(home, '.aws'), { recursive: true });
  mkdirSync(sandbox.project, { recursive: true });
  writeFileSync(sandbox.npmrc, '');
  writeFileSync(sandbox.awsConfig, '');
  writeFileSync(sandbox.awsCredentials, '');
  // A fresh project, as the tutorial's reader has after `npm init -y`.
  writeFileSync(
    join(sandbox.project, 'package.json'),
    `${JSON.stringify({ name: 'tutorial-project', version: '1.0.0', private: true }, null, 2)}\n`,
  );
  return sandbox;
}
