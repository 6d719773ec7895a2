/**
 * The fixture npm registry (tests/support/fixture-registry.ts) against the real npm client: what
 * the emulator's `public:npmjs` external connection will be pointed at must be something
 * npm itself accepts, byte for byte. npm runs in a throwaway environment (own HOME,
 * userconfig, globalconfig and cache); the real ~/.npmrc is never read or written.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { list as listTar } from 'tar';
import { runCli, type CliRun } from '../../helpers/run/cli.ts';
import { startFixtureRegistry, tutorialPackages, type FixtureRegistry } from '../support/fixture-registry.ts';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';

const cleanups: Array<() => Promise<void>> = [];
test.afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function registry(...args: Parameters<typeof startFixtureRegistry>): Promise<FixtureRegistry> {
  const r = await startFixtureRegistry(...args);
  cleanups.push(() => r.close());
  return r;
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface NpmSandbox {
  project: string;
  npm(args: string[]): Promise<CliRun>;
  node(args: string[]): Promise<CliRun>;
}

/** A fresh project dir and an npm environment that knows nothing but the given registry. */
async function npmSandbox(registryUrl: string): Promise<NpmSandbox> {
  const root = await tempDir('fixture-npm-');
  const home = path.join(root, 'home');
  const project = path.join(root, 'project');
  await mkdir(home, { recursive: true });
  await mkdir(project, { recursive: true });
  const userconfig = path.join(root, 'userconfig.npmrc');
  const globalconfig = path.join(root, 'globalconfig.npmrc');
  await writeFile(userconfig, '');
  await writeFile(globalconfig, '');
  await writeFile(
    path.join(project, 'package.json'),
    `${JSON.stringify({ name: 'fixture-consumer', version: '1.0.0', private: true }, null, 2)}\n`,
  );
  // The caller's environment minus anything npm (or a parent `npm run`) would read.
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'NODE_OPTIONS' || k === 'NODE_AUTH_TOKEN') continue;
    env[k] = v;
  }
  Object.assign(env, {
    HOME: home,
    USERPROFILE: home,
    npm_config_userconfig: userconfig,
    npm_config_globalconfig: globalconfig,
    npm_config_cache: path.join(root, 'cache'),
    npm_config_registry: registryUrl,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_progress: 'false',
    // Fail fast: npm retries a failed tarball fetch (EINTEGRITY included) with 10 s+ backoffs.
    npm_config_fetch_retries: '0',
  });
  return {
    project,
    npm: (args) => runCli('npm', args, { env, isolatedEnv: true, cwd: project, timeoutMs: 45_000 }),
    node: (args) => runCli(process.execPath, args, { env, isolatedEnv: true, cwd: project, timeoutMs: 15_000 }),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions walk arbitrary JSON
type Json = any;

async function readJson(file: string): Promise<Json> {
  return JSON.parse(await readFile(file, 'utf8'));
}

async function bodyJson(res: Response): Promise<Json> {
  return res.json();
}

test('packuments: full and abbreviated forms, scoped names both ways, 404 for unknown packages', async () => {
  const r = await registry(tutorialPackages);
  expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

  const full = await fetch(`${r.url}lodash`);
  expect(full.status).toBe(200);
  expect(full.headers.get('content-type')).toBe('application/json');
  const doc = await bodyJson(full);
  expect(doc).toMatchObject({ _id: 'lodash', name: 'lodash', 'dist-tags': { latest: '4.17.21' } });
  expect(Object.keys(doc.versions)).toEqual(['4.17.20', '4.17.21']);
  expect(doc.versions['4.17.21'].dist).toEqual({
    tarball: `${r.url}lodash/-/lodash-4.17.21.tgz`,
    integrity: r.tarballs.get('lodash@4.17.21')!.integrity,
    shasum: r.tarballs.get('lodash@4.17.21')!.shasum,
  });
  expect(doc.versions['4.17.21'].dist.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  expect(doc.versions['4.17.21'].dist.shasum).toMatch(/^[0-9a-f]{40}$/);
  expect(Object.keys(doc.time)).toEqual(expect.arrayContaining(['created', 'modified', '4.17.20', '4.17.21']));
  expect(typeof doc.readme).toBe('string');
  // Deterministic: the same answer twice.
  expect(await bodyJson(await fetch(`${r.url}lodash`))).toEqual(doc);

  const abbreviated = await fetch(`${r.url}@fixture%2Fscoped-pkg`, {
    headers: { accept: `${ABBREVIATED}; q=1.0, application/json; q=0.8, */*` },
  });
  expect(abbreviated.status).toBe(200);
  expect(abbreviated.headers.get('content-type')).toBe(ABBREVIATED);
  const corgi = await bodyJson(abbreviated);
  expect(Object.keys(corgi).sort()).toEqual(['dist-tags', 'modified', 'name', 'versions']);
  expect(corgi.versions['1.0.0']).toEqual({
    name: '@fixture/scoped-pkg',
    version: '1.0.0',
    dependencies: { 'fixture-app-dep-a': '^1.0.0' },
    dist: {
      tarball: `${r.url}@fixture/scoped-pkg/-/scoped-pkg-1.0.0.tgz`,
      integrity: r.tarballs.get('@fixture/scoped-pkg@1.0.0')!.integrity,
      shasum: r.tarballs.get('@fixture/scoped-pkg@1.0.0')!.shasum,
    },
  });

  for (const p of ['@fixture%2fscoped-pkg', '@fixture/scoped-pkg']) {
    const res = await fetch(`${r.url}${p}`);
    expect(res.status, p).toBe(200);
    expect((await bodyJson(res)).name).toBe('@fixture/scoped-pkg');
  }

  const missing = await fetch(`${r.url}no-such-package`);
  expect(missing.status).toBe(404);
  expect(await missing.json()).toEqual({ error: 'Not found' });
  expect((await fetch(`${r.url}lodash/-/lodash-9.9.9.tgz`)).status).toBe(404);

  const tgz = await fetch(`${r.url}@fixture/scoped-pkg/-/scoped-pkg-1.0.0.tgz`);
  expect(tgz.status).toBe(200);
  expect(tgz.headers.get('content-type')).toBe('application/octet-stream');
  expect(Buffer.from(await tgz.arrayBuffer()).equals(r.tarballs.get('@fixture/scoped-pkg@1.0.0')!.bytes)).toBe(true);

  expect(r.requests.map((q) => `${q.method} ${q.path}`)).toContain('GET /@fixture%2Fscoped-pkg');
  expect(r.requests.find((q) => q.path === '/@fixture%2Fscoped-pkg')?.accept).toContain(ABBREVIATED);
});

test('npm installs lodash and a scoped package with its dependency tree from the fixture registry', async () => {
  const r = await registry(tutorialPackages);
  const sandbox = await npmSandbox(r.url);

  const install = await sandbox.npm(['install', 'lodash', '@fixture/scoped-pkg']);
  expect(install.exitCode, install.transcript()).toBe(0);

  const modules = path.join(sandbox.project, 'node_modules');
  expect((await readJson(path.join(modules, 'lodash', 'package.json'))).version).toBe('4.17.21');
  expect((await readJson(path.join(modules, '@fixture', 'scoped-pkg', 'package.json'))).version).toBe('1.0.0');
  expect((await readJson(path.join(modules, 'fixture-app-dep-a', 'package.json'))).version).toBe('1.0.0');
  expect((await readJson(path.join(modules, 'fixture-app-dep-b', 'package.json'))).version).toBe('1.1.0');

  const manifest = await readJson(path.join(sandbox.project, 'package.json'));
  expect(manifest.dependencies).toEqual({ '@fixture/scoped-pkg': '^1.0.0', lodash: '^4.17.21' });

  const lock = await readJson(path.join(sandbox.project, 'package-lock.json'));
  const expected: Record<string, string> = {
    'node_modules/lodash': 'lodash@4.17.21',
    'node_modules/@fixture/scoped-pkg': '@fixture/scoped-pkg@1.0.0',
    'node_modules/fixture-app-dep-a': 'fixture-app-dep-a@1.0.0',
    'node_modules/fixture-app-dep-b': 'fixture-app-dep-b@1.1.0',
  };
  expect(
    Object.keys(lock.packages)
      .filter((k) => k !== '')
      .sort(),
  ).toEqual(Object.keys(expected).sort());
  for (const [key, id] of Object.entries(expected)) {
    const entry = lock.packages[key];
    const at = id.lastIndexOf('@');
    const name = id.slice(0, at);
    const version = id.slice(at + 1);
    const base = name.startsWith('@') ? name.split('/')[1] : name;
    expect(entry.version, key).toBe(version);
    expect(entry.resolved, key).toBe(`${r.url}${name}/-/${base}-${version}.tgz`);
    expect(entry.resolved.startsWith(r.url), key).toBe(true);
    expect(entry.integrity, key).toBe(r.tarballs.get(id)!.integrity);
  }

  const run = await sandbox.node([
    '-e',
    "const l = require('lodash'); console.log(l.VERSION, require('@fixture/scoped-pkg').name, require('fixture-app-dep-b').version)",
  ]);
  expect(run.exitCode, run.transcript()).toBe(0);
  expect(run.stdout.trim()).toBe('4.17.21 @fixture/scoped-pkg 1.1.0');

  // npm asked for every packument (the scoped one with an encoded slash), then the tarballs.
  // (npm 11 asks for the full packument, `Accept: application/json`; older npm for the abbreviated one.)
  const paths = r.requests.map((q) => q.path);
  expect(paths).toEqual(expect.arrayContaining(['/lodash', '/fixture-app-dep-a', '/fixture-app-dep-b']));
  expect(paths.some((p) => /^\/@fixture%2fscoped-pkg$/i.test(p))).toBe(true);
  expect(paths).toContain('/lodash/-/lodash-4.17.21.tgz');
  expect(paths).toContain('/@fixture/scoped-pkg/-/scoped-pkg-1.0.0.tgz');
});

test('tarballs are real, package/-prefixed and byte-for-byte deterministic across instances', async () => {
  const a = await registry(tutorialPackages);
  const b = await registry(tutorialPackages);
  expect(a.url).not.toBe(b.url);
  expect([...a.tarballs.keys()].sort()).toEqual([
    '@fixture/scoped-pkg@1.0.0',
    'fixture-app-dep-a@1.0.0',
    'fixture-app-dep-b@1.0.0',
    'fixture-app-dep-b@1.1.0',
    'lodash@4.17.20',
    'lodash@4.17.21',
  ]);
  for (const [id, ta] of a.tarballs) {
    const tb = b.tarballs.get(id)!;
    expect(tb, id).toBeDefined();
    expect(ta.bytes.equals(tb.bytes), id).toBe(true);
    expect(ta.integrity, id).toBe(tb.integrity);
    expect(ta.shasum, id).toBe(tb.shasum);
    expect(ta.bytes.subarray(0, 2).toString('hex'), `${id} is gzip`).toBe('1f8b');
  }

  // What is served is what is recorded, and the archive holds package/package.json and the files.
  const served = Buffer.from(await (await fetch(`${b.url}lodash/-/lodash-4.17.21.tgz`)).arrayBuffer());
  expect(served.equals(a.tarballs.get('lodash@4.17.21')!.bytes)).toBe(true);
  const dir = await tempDir('fixture-tgz-check-');
  const file = path.join(dir, 'lodash.tgz');
  await writeFile(file, served);
  const entries: Array<{ path: string; mtime: string | undefined; body: string }> = [];
  await listTar({
    file,
    onReadEntry: (entry) => {
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () =>
        entries.push({ path: entry.path, mtime: entry.mtime?.toISOString(), body: Buffer.concat(chunks).toString('utf8') }),
      );
    },
  });
  expect(entries.map((e) => e.path)).toEqual(['package/package.json', 'package/README.md', 'package/index.js']);
  expect(new Set(entries.map((e) => e.mtime))).toEqual(new Set(['2020-01-01T00:00:00.000Z']));
  const pkgJson = JSON.parse(entries[0]!.body);
  expect(pkgJson).toMatchObject({ name: 'lodash', version: '4.17.21', main: 'index.js' });
  expect(pkgJson.dist).toBeUndefined();
  expect(entries[2]!.body).toContain('"4.17.21"');
});

test('npm refuses a tarball whose packument declares the wrong integrity (EINTEGRITY)', async () => {
  const r = await registry(tutorialPackages, { corruptIntegrity: ['fixture-app-dep-b@1.1.0'] });
  const doc = await bodyJson(await fetch(`${r.url}fixture-app-dep-b`));
  const real = r.tarballs.get('fixture-app-dep-b@1.1.0')!;
  expect(doc.versions['1.1.0'].dist.integrity).toMatch(/^sha512-/);
  expect(doc.versions['1.1.0'].dist.integrity).not.toBe(real.integrity);
  expect(doc.versions['1.1.0'].dist.shasum).not.toBe(real.shasum);
  expect(doc.versions['1.0.0'].dist.integrity).toBe(r.tarballs.get('fixture-app-dep-b@1.0.0')!.integrity);

  const sandbox = await npmSandbox(r.url);
  const install = await sandbox.npm(['install', 'fixture-app-dep-a']);
  expect(install.exitCode, install.transcript()).not.toBe(0);
  expect(`${install.stdout}\n${install.stderr}`).toContain('EINTEGRITY');
  expect(r.requests.map((q) => q.path)).toContain('/fixture-app-dep-b/-/fixture-app-dep-b-1.1.0.tgz');
});

test('delayMs and setDelay slow every answer; every request is recorded', async () => {
  const r = await registry(tutorialPackages, { delayMs: 250 });
  let started = performance.now();
  expect((await fetch(`${r.url}lodash`)).status).toBe(200);
  expect(performance.now() - started).toBeGreaterThanOrEqual(240);

  r.setDelay(0);
  started = performance.now();
  expect((await fetch(`${r.url}no-such-package`)).status).toBe(404);
  expect(performance.now() - started).toBeLessThan(240);

  r.setDelay(400);
  started = performance.now();
  expect((await fetch(`${r.url}lodash/-/lodash-4.17.20.tgz`)).status).toBe(200);
  expect(performance.now() - started).toBeGreaterThanOrEqual(390);

  expect(r.requests.map(({ method, path }) => ({ method, path }))).toEqual([
    { method: 'GET', path: '/lodash' },
    { method: 'GET', path: '/no-such-package' },
    { method: 'GET', path: '/lodash/-/lodash-4.17.20.tgz' },
  ]);
});
