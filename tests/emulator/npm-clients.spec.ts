/**
 * Real npm clients against the emulator's npm data plane, configured the tutorial's way: the
 * real `aws codeartifact login --tool npm` writes the npm config, then the real `npm install`
 * runs through my-repo -> npm-store -> public:npmjs.
 *
 * - One test per npm major (6, 8, 9, 10, 11), each with its own emulator whose public:npmjs is
 *   the deterministic fixture registry. The npm under test comes from helpers/toolchain/toolchains.ts and
 *   is first on PATH, so the `npm config set` that `aws codeartifact login` runs is that npm too.
 * - express@4.21.2, a real tree of about 65 packages, through the emulator's default upstream
 *   (the registry the system npm is configured with) with the system npm.
 *
 * Every command runs in an isolated environment: its own HOME, npm user/global config, npm
 * cache and AWS config files, all in a temp dir. The real ~/.aws and ~/.npmrc are never read.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestInfo } from '@playwright/test';
import { runCli, type CliRun } from '../../helpers/run/cli.ts';
import { startEmulatorProcess, type EmulatorProcess } from '../../helpers/target/emulator-process.ts';
import { startFixtureRegistry, tutorialPackages } from '../support/fixture-registry.ts';
import { ensureNpm } from '../../helpers/toolchain/toolchains.ts';
import { ACCOUNT, type Cleanup, expect, REGION, sdkClient, test, tutorialRepositories, uniqueName } from './fixtures.ts';
import { awsV1Bin } from './aws-cli.ts';

// The aws CLI the user names, else the v1 on PATH (without pyenv's shim: tests/emulator/aws-cli.ts).
const AWS_CLI = process.env.AWS_CLI ?? awsV1Bin();
const NPM_MAJORS = [6, 8, 9, 10, 11] as const;

test.describe.configure({ mode: 'parallel' });

async function emulatorWith(cleanup: Cleanup, args: string[]): Promise<EmulatorProcess> {
  const emulator = await startEmulatorProcess(args);
  cleanup.add(() => emulator.stop());
  return emulator;
}

/** The tutorial's resources on this emulator; returns my-repo's npm endpoint. */
async function tutorialRepositoriesOn(cleanup: Cleanup, emulator: EmulatorProcess, domain: string): Promise<string> {
  return tutorialRepositories(sdkClient(cleanup, emulator.url), domain);
}

interface Sandbox {
  root: string;
  userconfig: string;
  project: string;
  env: Record<string, string>;
  secrets: string[];
  run(command: string, args: string[], options?: { cwd?: string; timeoutMs?: number }): Promise<CliRun>;
}

/**
 * A temp dir with its own HOME (holding the empty npm user config), npm global config, npm
 * cache, empty AWS config files and a fresh project; commands run with nothing else in their
 * environment. `binDir`, when given, goes first on PATH. Every run is attached to the test.
 */
async function sandbox(cleanup: Cleanup, testInfo: TestInfo, binDir?: string): Promise<Sandbox> {
  const root = await mkdtemp(path.join(tmpdir(), 'npm-clients-'));
  cleanup.add(() => rm(root, { recursive: true, force: true }));
  const home = path.join(root, 'home');
  const project = path.join(root, 'project');
  await mkdir(path.join(home, '.aws'), { recursive: true });
  await mkdir(project);
  const userconfig = path.join(home, '.npmrc');
  const globalconfig = path.join(root, 'global.npmrc');
  const awsConfig = path.join(home, '.aws', 'config');
  const awsCredentials = path.join(home, '.aws', 'credentials');
  for (const file of [userconfig, globalconfig, awsConfig, awsCredentials]) await writeFile(file, '');
  // A fresh project, as after `npm init -y`.
  await writeFile(
    path.join(project, 'package.json'),
    `${JSON.stringify({ name: 'npm-client-project', version: '1.0.0', private: true }, null, 2)}\n`,
  );
  const env: Record<string, string> = {
    HOME: home,
    PATH: [...(binDir ? [binDir] : []), process.env.PATH ?? ''].join(path.delimiter),
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: REGION,
    AWS_MAX_ATTEMPTS: '1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: awsConfig,
    AWS_SHARED_CREDENTIALS_FILE: awsCredentials,
    npm_config_userconfig: userconfig,
    npm_config_globalconfig: globalconfig,
    npm_config_cache: path.join(root, 'npm-cache'),
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_progress: 'false',
  };
  const secrets: string[] = [];
  let step = 0;
  return {
    root,
    userconfig,
    project,
    env,
    secrets,
    async run(command, args, options = {}) {
      const run = await runCli(command, args, {
        env,
        isolatedEnv: true,
        secrets,
        cwd: options.cwd ?? project,
        timeoutMs: options.timeoutMs ?? 90_000,
      });
      step += 1;
      await testInfo.attach(`${step}. ${[path.basename(command), ...run.args.slice(0, 2)].join(' ')}`, {
        body: run.transcript(),
        contentType: 'text/plain',
      });
      return run;
    },
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `aws codeartifact login --tool npm` for my-repo, then checks the npm user config: the
 * registry is my-repo's endpoint and an _authToken is set for the endpoint's host and path.
 */
async function login(box: Sandbox, emulator: EmulatorProcess, domain: string, endpoint: string): Promise<void> {
  const run = await box.run(AWS_CLI, [
    'codeartifact',
    'login',
    '--tool',
    'npm',
    '--repository',
    'my-repo',
    '--domain',
    domain,
    '--domain-owner',
    ACCOUNT,
    '--endpoint-url',
    emulator.url,
  ]);
  expect(run.exitCode, `aws codeartifact login exited ${run.exitCode}:\n${run.transcript()}`).toBe(0);
  const npmrc = await readFile(box.userconfig, 'utf8');
  const shown = npmrc.replace(/_authToken=.*/g, '_authToken=***');
  expect(/^registry=(\S+)$/m.exec(npmrc)?.[1], `the registry login wrote to ${box.userconfig}:\n${shown}`).toBe(endpoint);
  const hostPath = endpoint.replace(/^https?:/, '');
  const token = new RegExp(`^${escapeRe(hostPath)}:_authToken=(\\S+)$`, 'm').exec(npmrc)?.[1];
  expect(token, `an _authToken for ${hostPath} in ${box.userconfig}:\n${shown}`).toBeTruthy();
  box.secrets.push(token!);
}

interface LockEntry {
  version?: string;
  resolved?: string;
  dependencies?: Record<string, LockEntry>;
}

interface Lockfile {
  lockfileVersion?: number;
  /** lockfileVersion 2 and 3 (npm 7+): by install path, "" is the project itself. */
  packages?: Record<string, LockEntry>;
  /** lockfileVersion 1 (npm 6), also in 2: by name, nested. */
  dependencies?: Record<string, LockEntry>;
}

/** Every installed package of a lockfile, by install path, with its resolved URL; any lockfile version. */
function lockedPackages(lock: Lockfile): Map<string, LockEntry> {
  const out = new Map<string, LockEntry>();
  if (lock.packages) {
    for (const [where, entry] of Object.entries(lock.packages)) if (where !== '') out.set(where, entry);
    return out;
  }
  const walk = (deps: Record<string, LockEntry>, parent: string) => {
    for (const [name, entry] of Object.entries(deps)) {
      const where = `${parent}node_modules/${name}`;
      out.set(where, entry);
      if (entry.dependencies) walk(entry.dependencies, `${where}/`);
    }
  };
  walk(lock.dependencies ?? {}, '');
  return out;
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/** The lockfile's packages, after checking that every one of them was resolved from `endpoint`. */
async function expectLockedFrom(project: string, endpoint: string): Promise<{ lock: Lockfile; packages: Map<string, LockEntry> }> {
  const lock = await readJson<Lockfile>(path.join(project, 'package-lock.json'));
  const packages = lockedPackages(lock);
  const elsewhere = [...packages]
    .filter(([, e]) => !e.resolved?.startsWith(endpoint))
    .map(([where, e]) => `${where}: ${e.resolved ?? '(no resolved)'}`);
  expect(elsewhere, `lockfile entries not resolved from ${endpoint}`).toEqual([]);
  return { lock, packages };
}

for (const major of NPM_MAJORS) {
  test(`npm ${major}: aws codeartifact login --tool npm, then npm install --save-dev lodash @fixture/scoped-pkg`, async ({
    cleanup,
  }, testInfo) => {
    test.setTimeout(240_000);
    const started = Date.now();
    const toolchain = await ensureNpm(major);
    const toolchainMs = Date.now() - started;
    const box = await sandbox(cleanup, testInfo, toolchain.binDir);

    const version = await box.run('npm', ['--version']);
    expect(version.exitCode, version.transcript()).toBe(0);
    const used = version.stdout.trim();
    testInfo.annotations.push({ type: 'npm version', description: `${used} (${toolchain.bin}; toolchain ready in ${toolchainMs} ms)` });
    expect(used, `npm on PATH is the npm ${major} toolchain`).toBe(toolchain.version);
    expect(used.split('.')[0]).toBe(String(major));

    const fixture = await startFixtureRegistry(tutorialPackages);
    cleanup.add(() => fixture.close());
    const emulator = await emulatorWith(cleanup, ['--npmjs-url', fixture.url]);
    const domain = uniqueName('npm');
    const endpoint = await tutorialRepositoriesOn(cleanup, emulator, domain);
    expect(endpoint.startsWith(emulator.url), `${endpoint} is on the emulator ${emulator.url}`).toBe(true);

    await login(box, emulator, domain, endpoint);
    // login also runs `npm config set //<host><path>:always-auth true`: npm 6 writes it, npm 8
    // accepts and drops it, npm 9 and later refuse it (login ignores that failure). So the line
    // is there exactly when login's npm was npm 6: evidence that login ran the npm under test.
    const alwaysAuth = (await readFile(box.userconfig, 'utf8')).includes(`${endpoint.replace(/^https?:/, '')}:always-auth=true`);
    expect(alwaysAuth, `an always-auth line in the npm config written by npm ${used}`).toBe(major === 6);

    const install = await box.run('npm', ['install', '--save-dev', 'lodash', '@fixture/scoped-pkg', '--fetch-retries=0']);
    testInfo.annotations.push({ type: 'npm install', description: `npm ${used}: ${install.durationMs} ms` });
    expect(
      install.exitCode,
      `npm ${used} install exited ${install.exitCode}:\n${install.transcript()}\n--- emulator stderr ---\n${emulator.stderr()}`,
    ).toBe(0);

    const installed: Record<string, string> = {};
    for (const name of ['lodash', '@fixture/scoped-pkg', 'fixture-app-dep-a', 'fixture-app-dep-b']) {
      const manifest = await readJson<{ version: string }>(path.join(box.project, 'node_modules', name, 'package.json'));
      installed[name] = manifest.version;
    }
    expect(installed).toEqual({
      lodash: '4.17.21',
      '@fixture/scoped-pkg': '1.0.0',
      'fixture-app-dep-a': '1.0.0',
      'fixture-app-dep-b': '1.1.0',
    });
    const lodash = await readFile(path.join(box.project, 'node_modules', 'lodash', 'index.js'), 'utf8');
    expect(lodash).toContain('A fake lodash, served by the fixture npm registry.');

    const pkg = await readJson<{ devDependencies?: Record<string, string>; dependencies?: Record<string, string> }>(
      path.join(box.project, 'package.json'),
    );
    expect(pkg.devDependencies).toEqual({ lodash: '^4.17.21', '@fixture/scoped-pkg': '^1.0.0' });
    expect(pkg.dependencies).toBeUndefined();

    const { lock, packages } = await expectLockedFrom(box.project, endpoint);
    expect(lock.lockfileVersion).toBe(major === 6 ? 1 : major === 8 ? 2 : 3);
    expect([...packages.keys()].sort()).toEqual([
      'node_modules/@fixture/scoped-pkg',
      'node_modules/fixture-app-dep-a',
      'node_modules/fixture-app-dep-b',
      'node_modules/lodash',
    ]);
    expect(packages.get('node_modules/lodash')?.resolved).toBe(`${endpoint}lodash/-/lodash-4.17.21.tgz`);
    expect(packages.get('node_modules/@fixture/scoped-pkg')?.resolved).toBe(`${endpoint}@fixture/scoped-pkg/-/scoped-pkg-1.0.0.tgz`);

    // The tarballs came through the external connection, from the fixture registry.
    const fetched = [...new Set(fixture.requests.filter((r) => r.path.endsWith('.tgz')).map((r) => r.path))];
    expect(fetched).toEqual(
      expect.arrayContaining([
        '/@fixture/scoped-pkg/-/scoped-pkg-1.0.0.tgz',
        '/fixture-app-dep-a/-/fixture-app-dep-a-1.0.0.tgz',
        '/fixture-app-dep-b/-/fixture-app-dep-b-1.1.0.tgz',
        '/lodash/-/lodash-4.17.21.tgz',
      ]),
    );
    testInfo.annotations.push({ type: 'total', description: `npm ${used}: ${Date.now() - started} ms` });
  });
}

test('npm install express@4.21.2 (a real tree) through my-repo and the default public:npmjs, with the system npm', async ({
  cleanup,
}, testInfo) => {
  test.setTimeout(240_000);
  const started = Date.now();
  const box = await sandbox(cleanup, testInfo);
  const version = await box.run('npm', ['--version']);
  expect(version.exitCode, version.transcript()).toBe(0);
  const used = version.stdout.trim();
  testInfo.annotations.push({ type: 'npm version', description: `${used} (system npm)` });

  // No --npmjs-url: the emulator asks `npm config get registry`, the public registry here.
  const emulator = await emulatorWith(cleanup, []);
  const domain = uniqueName('express');
  const endpoint = await tutorialRepositoriesOn(cleanup, emulator, domain);
  await login(box, emulator, domain, endpoint);

  const install = await box.run('npm', ['install', 'express@4.21.2'], { timeoutMs: 200_000 });
  testInfo.annotations.push({ type: 'npm install', description: `npm ${used}: ${install.durationMs} ms` });
  expect(
    install.exitCode,
    `npm ${used} install exited ${install.exitCode}:\n${install.transcript()}\n--- emulator stderr ---\n${emulator.stderr()}`,
  ).toBe(0);

  const express = await readJson<{ version: string }>(path.join(box.project, 'node_modules', 'express', 'package.json'));
  expect(express.version).toBe('4.21.2');
  const pkg = await readJson<{ dependencies?: Record<string, string> }>(path.join(box.project, 'package.json'));
  expect(pkg.dependencies?.express).toBe('^4.21.2');

  const { packages } = await expectLockedFrom(box.project, endpoint);
  testInfo.annotations.push({ type: 'packages', description: `${packages.size} packages in the lockfile` });
  expect(packages.size).toBeGreaterThanOrEqual(50);
  // Everything the lockfile names is on disk.
  for (const where of packages.keys()) expect((await stat(path.join(box.project, where, 'package.json'))).isFile(), where).toBe(true);
  testInfo.annotations.push({ type: 'total', description: `${Date.now() - started} ms` });
});
