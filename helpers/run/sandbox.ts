/**
 * A run's own little world: HOME, npm user config and cache, AWS config and credentials
 * files, and a fresh project folder, all in one temporary directory. The user's real
 * ~/.npmrc, ~/.aws and package-manager config are never read or written.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

export function createSandbox(label: string): Sandbox {
  const root = mkdtempSync(join(tmpdir(), `cc-${label.replace(/[^a-z0-9-]/gi, '-')}-`));
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
