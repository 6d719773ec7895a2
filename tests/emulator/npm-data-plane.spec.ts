/**
 * The emulator's npm data plane against the real npm client and raw HTTP: the registry
 * protocol, token authentication, the upstream search order, retention, package origin
 * controls, integrity checking, the upstream packument cache and blob de-duplication, the
 * named faults, --data-dir persistence, and the default upstream (the real public registry).
 *
 * Every test starts its own emulator process (`npm run emulator`'s entry point) and, except
 * the default-upstream test, its own deterministic fixture npm registry behind `public:npmjs`.
 * npm runs isolated (see npm-helpers.ts). Everything is removed again by the clean-up fixture,
 * also when a test fails.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  DescribeDomainCommand,
  DescribePackageCommand,
  DescribePackageVersionCommand,
  DescribeRepositoryCommand,
  DisassociateExternalConnectionCommand,
  GetPackageVersionAssetCommand,
  ListDomainsCommand,
  ListPackageVersionAssetsCommand,
  ListPackagesCommand,
  ListRepositoriesInDomainCommand,
  PutPackageOriginConfigurationCommand,
  UpdateRepositoryCommand,
  type CodeartifactClient,
} from '@aws-sdk/client-codeartifact';
import {
  ABBREVIATED,
  ACCOUNT,
  REGION,
  authorizationToken,
  expect,
  failed,
  installedVersion,
  lockfile,
  makeDomain,
  npmFor,
  npmVersions,
  ok,
  packageNames,
  pause,
  publishPackage,
  repositoryEndpoint,
  startEmulator,
  startStack,
  tarballText,
  tempDir,
  test,
  type NpmSetup,
} from './npm-helpers.ts';

// The tests are independent (each has its own emulator and registry): let both workers share them.
test.describe.configure({ mode: 'parallel' });

const sha512hex = (bytes: Uint8Array) => createHash('sha512').update(bytes).digest('hex');
const sriOf = (bytes: Uint8Array) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;

interface Manifest {
  name: string;
  version: string;
  dist: { tarball: string; integrity?: string; shasum?: string };
  [field: string]: unknown;
}
interface Packument {
  name: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, Manifest>;
  [field: string]: unknown;
}

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

async function packumentOf(npm: NpmSetup, name: string, accept = 'application/json'): Promise<Packument> {
  const res = await npm.fetch(name, { headers: { accept } });
  expect(res.status, `GET ${name} through ${npm.repository}`).toBe(200);
  return json<Packument>(res);
}

async function tarballThrough(npm: NpmSetup, name: string, version: string): Promise<Buffer> {
  const file = `${name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name}-${version}.tgz`;
  const res = await npm.fetch(`${name}/-/${file}`);
  expect(
    res.status,
    `GET the tarball of ${name}@${version} through ${npm.repository}: ${res.status === 200 ? '' : await res.clone().text()}`,
  ).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** The fixture registry's packument requests (GET /<name>, not tarballs). */
const packumentHits = (requests: { method: string; path: string }[], name: string) =>
  requests.filter((r) => r.method === 'GET' && r.path.split('?')[0] === `/${name}`).length;
const tarballHits = (requests: { method: string; path: string }[], name: string) =>
  requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/${name}/-/`)).length;

/** The fields the public registry keeps in an abbreviated ("corgi") version manifest. */
const INSTALL_FIELDS = new Set([
  'name',
  'version',
  'dist',
  'deprecated',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'bundleDependencies',
  'bundledDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'acceptDependencies',
  'bin',
  'directories',
  'engines',
  'cpu',
  'os',
  'libc',
  '_hasShrinkwrap',
  'hasInstallScript',
  'funding',
  'license',
]);

/** Every tarball URL in a packument must be under the repository endpoint the client used. */
function expectTarballsUnder(packument: Packument, endpoint: string, domain: string, repository: string): void {
  const base = new URL(endpoint);
  const urls = Object.values(packument.versions).map((v) => v.dist.tarball);
  expect(urls.length).toBeGreaterThan(0);
  for (const raw of urls) {
    expect(raw.startsWith(endpoint), `${raw} is not under ${endpoint}`).toBe(true);
    const url = new URL(raw);
    expect([url.protocol, url.hostname, url.port]).toEqual([base.protocol, base.hostname, base.port]);
    expect(url.pathname.startsWith(`/${domain}-${ACCOUNT}/${REGION}/npm/${repository}/`)).toBe(true);
  }
}

/** r -> npm-store -> public:npmjs (the fixture registry): the tutorial's shape. */
async function tutorialDomain(ca: CodeartifactClient, repository = 'app'): Promise<string> {
  return makeDomain(ca, [['npm-store'], [repository, ['npm-store']]], ['npm-store']);
}

// =============================================================================================
// 1. The npm registry protocol.
// =============================================================================================

test.describe('npm registry protocol', () => {
  test('ping, full and abbreviated packuments, tarball URLs under the endpoint, scoped names', async ({ cleanup }) => {
    const { ca, registry } = await startStack(cleanup);
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    expect(npm.endpoint).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${domain}-${ACCOUNT}/${REGION}/npm/app/$`));

    for (const ping of ['-/ping', '-/ping?write=true']) {
      const res = await npm.fetch(ping);
      expect(res.status, ping).toBe(200);
    }

    // Full packument.
    const fullRes = await npm.fetch('lodash', { headers: { accept: 'application/json' } });
    expect(fullRes.status).toBe(200);
    expect(fullRes.headers.get('content-type')).toMatch(/^application\/json/);
    const full = await json<Packument>(fullRes);
    expect(full).toMatchObject({ _id: 'lodash', name: 'lodash', 'dist-tags': { latest: '4.17.21' } });
    expect(Object.keys(full.versions).sort()).toEqual(['4.17.20', '4.17.21']);
    expect(full.time).toEqual(expect.objectContaining({ '4.17.20': expect.any(String), '4.17.21': expect.any(String) }));
    expect(full.readme).toEqual(expect.stringContaining('lodash'));
    expect(full.versions['4.17.21']).toMatchObject({
      name: 'lodash',
      version: '4.17.21',
      description: expect.any(String),
      keywords: ['modules', 'stdlib', 'util'],
      main: 'index.js',
      dist: { integrity: registry!.tarballs.get('lodash@4.17.21')!.integrity, shasum: registry!.tarballs.get('lodash@4.17.21')!.shasum },
    });
    expectTarballsUnder(full, npm.endpoint, domain, 'app');

    // Abbreviated packument, with npm's own Accept header and with the bare media type.
    for (const accept of [ABBREVIATED, `${ABBREVIATED}; q=1.0, application/json; q=0.8, */*`]) {
      const res = await npm.fetch('lodash', { headers: { accept } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type'), accept).toMatch(new RegExp(`^${ABBREVIATED.replace(/[.+]/g, '\\$&')}`));
      const abbreviated = await json<Packument>(res);
      for (const key of Object.keys(abbreviated))
        expect(['name', 'modified', 'dist-tags', 'versions'], `top-level field ${key}`).toContain(key);
      expect(abbreviated).toMatchObject({ name: 'lodash', 'dist-tags': { latest: '4.17.21' }, modified: expect.any(String) });
      expect(Object.keys(abbreviated.versions).sort()).toEqual(['4.17.20', '4.17.21']);
      for (const [version, manifest] of Object.entries(abbreviated.versions)) {
        for (const key of Object.keys(manifest)) expect(INSTALL_FIELDS.has(key), `${version}: '${key}' is not an install field`).toBe(true);
        expect(manifest.dist).toMatchObject({
          tarball: expect.any(String),
          integrity: registry!.tarballs.get(`lodash@${version}`)!.integrity,
        });
      }
      expectTarballsUnder(abbreviated, npm.endpoint, domain, 'app');
    }

    // Every tarball URL answers the upstream's bytes.
    for (const version of ['4.17.20', '4.17.21']) {
      const res = await npm.fetch(full.versions[version]!.dist.tarball);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(registry!.tarballs.get(`lodash@${version}`)!.bytes)).toBe(true);
    }

    // A version manifest by version and by tag.
    expect(await json<Manifest>(await npm.fetch('lodash/4.17.20'))).toMatchObject({ name: 'lodash', version: '4.17.20' });
    expect(await json<Manifest>(await npm.fetch('lodash/latest'))).toMatchObject({ name: 'lodash', version: '4.17.21' });

    // Scoped names: as npm sends them (%2f), with a plain slash, and with %2F.
    const scopedTarball = `${npm.endpoint}@fixture/scoped-pkg/-/scoped-pkg-1.0.0.tgz`;
    for (const spelling of ['@fixture%2fscoped-pkg', '@fixture/scoped-pkg', '@fixture%2Fscoped-pkg']) {
      for (const accept of ['application/json', ABBREVIATED]) {
        const scoped = await packumentOf(npm, spelling, accept);
        expect(scoped.name, spelling).toBe('@fixture/scoped-pkg');
        expect(Object.keys(scoped.versions)).toEqual(['1.0.0']);
        expect(scoped.versions['1.0.0']!.dist.tarball).toBe(scopedTarball);
        expectTarballsUnder(scoped, npm.endpoint, domain, 'app');
      }
    }
    const scopedBytes = await npm.fetch(scopedTarball);
    expect(scopedBytes.status).toBe(200);
    expect(Buffer.from(await scopedBytes.arrayBuffer()).equals(registry!.tarballs.get('@fixture/scoped-pkg@1.0.0')!.bytes)).toBe(true);

    // npm installs the scoped package and its dependency chain, everything resolved from the endpoint.
    const project = await npm.project();
    ok(await npm.npm(['install', '@fixture/scoped-pkg'], { cwd: project }));
    expect(await installedVersion(project, '@fixture/scoped-pkg')).toBe('1.0.0');
    expect(await installedVersion(project, 'fixture-app-dep-a')).toBe('1.0.0');
    expect(await installedVersion(project, 'fixture-app-dep-b')).toBe('1.1.0');
    const lock = await lockfile(project);
    expect(lock.packages['node_modules/@fixture/scoped-pkg']?.resolved).toBe(scopedTarball);
    for (const [where, entry] of Object.entries(lock.packages)) {
      if (where) expect(entry.resolved?.startsWith(npm.endpoint), `${where} resolved from ${entry.resolved}`).toBe(true);
    }

    // A package nobody has.
    const missing = await npm.fetch('no-such-package-anywhere');
    expect(missing.status).toBe(404);
    expect((await json<{ error: string }>(missing)).error).toMatch(/no-such-package-anywhere/);
  });

  test('npm publish, npm view, dist-tags and npm install of the published package', async ({ cleanup }) => {
    test.setTimeout(90_000);
    const { ca } = await startStack(cleanup);
    const domain = await makeDomain(ca, [['app']]);
    const publisher = await npmFor(ca, cleanup, domain, 'app');

    expect(ok(await publisher.npm(['ping'])).stderr).toMatch(/PONG/);
    const first = ok(await publishPackage(publisher, { name: 'conformance-hello', version: '1.0.0', marker: 'hello one' }));
    expect(first.stdout).toContain('+ conformance-hello@1.0.0');
    ok(await publishPackage(publisher, { name: 'conformance-hello', version: '1.1.0', marker: 'hello two' }));

    const view = ok(await publisher.npm(['view', 'conformance-hello']));
    expect(view.stdout).toContain('conformance-hello@1.1.0');
    expect(view.stdout).toContain(`${publisher.endpoint}conformance-hello/-/conformance-hello-1.1.0.tgz`);
    expect(view.stdout).toMatch(/latest: 1\.1\.0/);
    const viewJson = JSON.parse(ok(await publisher.npm(['view', 'conformance-hello', '--json'])).stdout) as {
      versions: string[];
      'dist-tags': object;
    };
    expect(viewJson.versions).toEqual(['1.0.0', '1.1.0']);
    expect(viewJson['dist-tags']).toEqual({ latest: '1.1.0' });
    expect(ok(await publisher.npm(['view', 'conformance-hello@1.0.0', 'version'])).stdout.trim()).toBe('1.0.0');

    // dist-tags: ls, add, and what add changed.
    expect(ok(await publisher.npm(['dist-tag', 'ls', 'conformance-hello'])).stdout.trim()).toBe('latest: 1.1.0');
    expect(ok(await publisher.npm(['dist-tag', 'add', 'conformance-hello@1.0.0', 'stable'])).stdout).toContain(
      '+stable: conformance-hello@1.0.0',
    );
    expect(
      ok(await publisher.npm(['dist-tag', 'ls', 'conformance-hello']))
        .stdout.trim()
        .split('\n')
        .sort(),
    ).toEqual(['latest: 1.1.0', 'stable: 1.0.0']);
    const tags = await publisher.fetch('-/package/conformance-hello/dist-tags');
    expect(await tags.json()).toEqual({ latest: '1.1.0', stable: '1.0.0' });
    expect(ok(await publisher.npm(['view', 'conformance-hello@stable', 'version'])).stdout.trim()).toBe('1.0.0');
    // A tag can only point at a version the repository has.
    const badTag = await publisher.npm(['dist-tag', 'add', 'conformance-hello@9.9.9', 'nope']);
    failed(badTag);

    // Another project, another npm cache, installs it from the repository.
    const consumer = await npmFor(ca, cleanup, domain, 'app');
    const project = await consumer.project();
    ok(await consumer.npm(['install', 'conformance-hello'], { cwd: project }));
    expect(await installedVersion(project, 'conformance-hello')).toBe('1.1.0');
    expect(await readFile(path.join(project, 'node_modules', 'conformance-hello', 'index.js'), 'utf8')).toContain('hello two');
    expect((await lockfile(project)).packages['node_modules/conformance-hello']?.resolved).toBe(
      `${consumer.endpoint}conformance-hello/-/conformance-hello-1.1.0.tgz`,
    );
    ok(await consumer.npm(['install', 'conformance-hello@stable'], { cwd: project }));
    expect(await installedVersion(project, 'conformance-hello')).toBe('1.0.0');

    // Publishing a version again fails clearly: npm itself refuses once it sees the version...
    const again = failed(await publishPackage(publisher, { name: 'conformance-hello', version: '1.1.0', marker: 'hello impostor' }));
    expect(again.stderr).toMatch(/cannot publish over|409|already exists/i);
    // ...and the registry refuses the PUT when a client does not look first.
    const bytes = Buffer.from('not really a tarball, but bytes with an integrity');
    const put = await publisher.fetch('conformance-hello', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        _id: 'conformance-hello',
        name: 'conformance-hello',
        'dist-tags': { latest: '1.1.0' },
        versions: { '1.1.0': { name: 'conformance-hello', version: '1.1.0', dist: { integrity: sriOf(bytes) } } },
        _attachments: {
          'conformance-hello-1.1.0.tgz': { content_type: 'application/octet-stream', data: bytes.toString('base64'), length: bytes.length },
        },
      }),
    });
    expect(put.status).toBe(409);
    expect((await json<{ error: string }>(put)).error).toMatch(/conformance-hello@1\.1\.0.*already exists/);
    // The original is what is still served.
    expect(tarballText(await tarballThrough(publisher, 'conformance-hello', '1.1.0'))).toContain('hello two');

    // dist-tag rm.
    expect(ok(await publisher.npm(['dist-tag', 'rm', 'conformance-hello', 'stable'])).stdout).toContain('-stable: conformance-hello@1.0.0');
    expect(ok(await publisher.npm(['dist-tag', 'ls', 'conformance-hello'])).stdout.trim()).toBe('latest: 1.1.0');
  });

  test('npm commands CodeArtifact documents as supported: ci, outdated, deprecate', async ({ cleanup }) => {
    // AWS, "npm command support": bugs, ci, deprecate, dist-tag, docs, doctor, install, outdated,
    // ping, publish, update and view are verified to work against a CodeArtifact repository.
    test.setTimeout(90_000);
    const { ca } = await startStack(cleanup);
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    ok(await publishPackage(npm, { name: 'aging-pkg', version: '1.0.0' }));
    ok(await publishPackage(npm, { name: 'aging-pkg', version: '1.1.0' }));
    const project = await npm.project();
    ok(await npm.npm(['install', 'aging-pkg@1.0.0', 'lodash@4.17.20'], { cwd: project }));

    // npm outdated exits 1 when something is outdated; what matters is what it found.
    const outdated = await npm.npm(['outdated', '--json'], { cwd: project });
    expect(outdated.exitCode, outdated.describe).toBe(1);
    expect(JSON.parse(outdated.stdout)).toMatchObject({
      'aging-pkg': { current: '1.0.0', wanted: '1.1.0', latest: '1.1.0' },
      lodash: { current: '4.17.20', wanted: '4.17.21', latest: '4.17.21' },
    });

    // npm ci from the lockfile, with an empty cache.
    const clean = await npmFor(ca, cleanup, domain, 'app');
    ok(await clean.npm(['ci'], { cwd: project }));
    expect(await installedVersion(project, 'aging-pkg')).toBe('1.0.0');
    expect(await installedVersion(project, 'lodash')).toBe('4.17.20');

    // npm deprecate PUTs the packument back with `deprecated` set on the version (no attachment).
    ok(await npm.npm(['deprecate', 'aging-pkg@1.0.0', 'use 1.1.0']));
    expect(ok(await npm.npm(['view', 'aging-pkg@1.0.0', 'deprecated'])).stdout.trim()).toBe('use 1.1.0');
    const abbreviated = await packumentOf(npm, 'aging-pkg', ABBREVIATED);
    expect(abbreviated.versions['1.0.0']?.deprecated).toBe('use 1.1.0');
    expect(abbreviated.versions['1.1.0']?.deprecated).toBeUndefined();
    expect(Object.keys(abbreviated.versions)).toEqual(['1.0.0', '1.1.0']);
  });

  test('unsupported npm commands fail clearly and the emulator keeps serving', async ({ cleanup }) => {
    test.setTimeout(90_000);
    const { ca } = await startStack(cleanup);
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    ok(await publishPackage(npm, { name: 'kept-pkg', version: '1.0.0' }));
    ok(await publishPackage(npm, { name: 'kept-pkg', version: '1.0.1' }));
    const project = await npm.project();
    ok(await npm.npm(['install', 'lodash', 'kept-pkg'], { cwd: project }));

    /** A raw request: the status is a client error other than auth, and the body's error names the command. */
    const expectUnsupported = async (res: Response, command: RegExp) => {
      const text = await res.text();
      expect(res.status, `${res.url}: ${text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${res.url}: ${text}`).toBeLessThan(500);
      expect([401, 403]).not.toContain(res.status);
      expect((JSON.parse(text) as { error?: string }).error, res.url).toMatch(command);
    };

    // npm search
    const search = failed(await npm.npm(['search', 'x']));
    expect(search.stderr).toMatch(/does not support npm search/);
    await expectUnsupported(await npm.fetch('-/v1/search?text=x&size=20'), /npm search/);

    // npm whoami
    const whoami = failed(await npm.npm(['whoami']));
    expect(whoami.stderr).toMatch(/does not support npm whoami/);
    await expectUnsupported(await npm.fetch('-/whoami'), /npm whoami/);

    // npm audit, with a lockfile
    await readFile(path.join(project, 'package-lock.json'));
    const audit = failed(await npm.npm(['audit'], { cwd: project }));
    expect(audit.stdout + audit.stderr).toMatch(/does not support npm audit/);
    for (const endpoint of ['-/npm/v1/security/advisories/bulk', '-/npm/v1/security/audits/quick']) {
      await expectUnsupported(
        await npm.fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ lodash: ['4.17.21'] }),
        }),
        /npm audit/,
      );
    }

    // npm unpublish
    const unpublish = failed(await npm.npm(['unpublish', 'kept-pkg@1.0.0', '--force']));
    expect(unpublish.stderr).toMatch(/does not support npm unpublish/);
    await expectUnsupported(await npm.fetch('kept-pkg/-rev/1-0123456789abcdef', { method: 'DELETE' }), /npm unpublish/);
    expect(Object.keys((await packumentOf(npm, 'kept-pkg')).versions)).toEqual(['1.0.0', '1.0.1']);

    // npm login / adduser: the CouchDB user document (legacy login and adduser)...
    await expectUnsupported(
      await npm.fetch('-/user/org.couchdb.user:someone', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ _id: 'org.couchdb.user:someone', name: 'someone', password: 'secret', type: 'user', roles: [] }),
      }),
      /npm login/,
    );
    // ...and npm login itself fails (non-interactive: no stdin), rather than hanging.
    const login = await npm.npm(['login'], { timeoutMs: 20_000 });
    failed(login);
    // npm >= 9 logs in with `auth-type=web` first: POST -/v1/login. That is npm login too.
    const webLogin = await npm.fetch('-/v1/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const webLoginBody = (await webLogin.json()) as { error?: string };
    expect(webLogin.status).toBeGreaterThanOrEqual(400);
    expect(webLogin.status).toBeLessThan(500);
    expect
      .soft(webLoginBody.error, 'POST -/v1/login is what `npm login` sends first; its error should name npm login')
      .toMatch(/npm login/);

    // Still serving.
    expect((await npm.fetch('-/ping')).status).toBe(200);
    const fresh = await npmFor(ca, cleanup, domain, 'app');
    const again = await fresh.project();
    ok(await fresh.npm(['install', 'kept-pkg@1.0.0', 'lodash@4.17.20'], { cwd: again }));
    expect(await installedVersion(again, 'kept-pkg')).toBe('1.0.0');
  });
});

// =============================================================================================
// 2. Authentication.
// =============================================================================================

/**
 * A token in the emulator's format (emulator/core/tokens.ts): base64url of the JSON claims
 * {v:1, domain, owner, region, did (the domain's incarnation), exp (epoch ms), n}, a dot, and
 * base64url HMAC-SHA256 of that payload string under the emulator's key.
 */
function forgeToken(key: Buffer, claims: { domain: string; owner: string; region: string; did?: string; exp: number }): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, ...claims, n: randomBytes(9).toString('base64url') })).toString('base64url');
  return `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
}

test.describe('token authentication', () => {
  test('missing, malformed, foreign and tampered tokens get 401 with the challenge; Basic aws:<token> works', async ({ cleanup }) => {
    const { ca } = await startStack(cleanup);
    const domain = await tutorialDomain(ca);
    const other = await makeDomain(ca, [['elsewhere']]);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    const challenge = `Bearer realm="${domain}/app", Basic realm="${domain}/app"`;

    const expect401 = async (label: string, auth: string | null) => {
      const res = await npm.fetch('lodash', { auth });
      const text = await res.text();
      expect(res.status, `${label}: ${text}`).toBe(401);
      expect(res.headers.get('www-authenticate'), label).toBe(challenge);
      expect((JSON.parse(text) as { error?: string }).error, label).toEqual(expect.any(String));
      return (JSON.parse(text) as { error: string }).error;
    };

    expect((await npm.fetch('lodash')).status).toBe(200);
    await expect401('no Authorization header', null);
    await expect401('an empty Bearer', 'Bearer ');
    await expect401('a malformed token', 'Bearer not-a-codeartifact-token');
    await expect401('a token with a dot but no MAC', 'Bearer abc.def');
    await expect401('an unknown scheme', `Token ${npm.token}`);
    const foreign = await expect401('a token for another domain', `Bearer ${await authorizationToken(ca, other)}`);
    expect(foreign).toContain(other);
    // Tampering: change the claims but keep the MAC, or change the MAC.
    const [payload, mac] = npm.token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const widened = Buffer.from(JSON.stringify({ ...claims, exp: Number(claims.exp) + 365 * 24 * 3600 * 1000 })).toString('base64url');
    await expect401('claims changed, old MAC', `Bearer ${widened}.${mac}`);
    await expect401('MAC changed', `Bearer ${payload}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`);
    await expect401('Basic with a user other than aws', `Basic ${Buffer.from(`npm:${npm.token}`).toString('base64')}`);

    // Basic aws:<token>, as some clients (and npm with _auth) send it.
    const basic = await npm.fetch('lodash', { auth: `Basic ${Buffer.from(`aws:${npm.token}`).toString('base64')}` });
    expect(basic.status).toBe(200);
    expect((await json<Packument>(basic)).name).toBe('lodash');

    // npm with no token in its config fails with E401 and names the realm's fix.
    const anonymous = await npmFor(ca, cleanup, domain, 'app', { token: 'not-a-token' });
    const project = await anonymous.project();
    const denied = failed(await anonymous.npm(['install', 'lodash'], { cwd: project }));
    expect(denied.stderr).toMatch(/E401|401/);
  });

  test('an expired token gets 401; a token forged with the same key but a future expiry is accepted', async ({ cleanup }) => {
    const dataDir = await tempDir(cleanup, 'emulator-data');
    const { ca } = await startStack(cleanup, { args: ['--data-dir', dataDir] });
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    // GetAuthorizationToken's durationSeconds is at least 15 minutes, so the only way to get an
    // expired token without waiting that long is to make one: the emulator seals tokens with the
    // key it keeps in <data-dir>/token.key, in the format of emulator/core/tokens.ts.
    const key = await readFile(path.join(dataDir, 'token.key'));
    // The incarnation of the domain a token opens is only in a real token's claims.
    const { did } = JSON.parse(Buffer.from(npm.token.split('.')[0]!, 'base64url').toString('utf8')) as { did?: string };
    const claims = { domain, owner: ACCOUNT, region: REGION, ...(did ? { did } : {}) };

    const valid = forgeToken(key, { ...claims, exp: Date.now() + 10 * 60_000 });
    expect((await npm.fetch('lodash', { auth: `Bearer ${valid}` })).status, 'the forged token format is right').toBe(200);

    const expired = forgeToken(key, { ...claims, exp: Date.now() - 60_000 });
    const res = await npm.fetch('lodash', { auth: `Bearer ${expired}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="${domain}/app", Basic realm="${domain}/app"`);
    expect((await json<{ error: string }>(res)).error).toMatch(/expired/i);

    // The same through npm.
    const stale = await npmFor(ca, cleanup, domain, 'app', { token: expired });
    const denied = failed(await stale.npm(['view', 'lodash', 'version']));
    expect(denied.stderr).toMatch(/E401|401/);
  });

  test('the reject-tokens fault, switched on and off at run time, rejects valid tokens with 401', async ({ cleanup }) => {
    const { ca, emulator } = await startStack(cleanup, { args: ['--fault-admin'] });
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    const admin = `${emulator.url}/-/emulator/faults`;
    expect((await npm.fetch('lodash')).status).toBe(200);

    expect((await fetch(admin, { method: 'PUT', body: JSON.stringify({ name: 'reject-tokens' }) })).status).toBe(200);
    const rejected = await npm.fetch('lodash');
    expect(rejected.status).toBe(401);
    expect(rejected.headers.get('www-authenticate')).toBe(`Bearer realm="${domain}/app", Basic realm="${domain}/app"`);
    expect((await json<{ error: string }>(rejected)).error).toMatch(/reject-tokens/);

    expect((await fetch(`${admin}?name=reject-tokens`, { method: 'DELETE' })).status).toBe(200);
    expect((await npm.fetch('lodash')).status).toBe(200);
  });
});

// =============================================================================================
// 3. The upstream search order.
// =============================================================================================

test('upstreams are searched depth-first, pre-order, in list order; the first hit wins; the packument is the union', async ({
  cleanup,
}) => {
  test.setTimeout(120_000);
  const { ca } = await startStack(cleanup);
  // root -> [up-a, up-b], up-a -> [up-c, up-d], up-d -> [up-e]: search order root, up-a, up-c, up-d, up-e, up-b.
  const domain = await makeDomain(ca, [
    ['up-e'],
    ['up-d', ['up-e']],
    ['up-c'],
    ['up-a', ['up-c', 'up-d']],
    ['up-b'],
    ['root', ['up-a', 'up-b']],
  ]);
  const upstreams = ['up-a', 'up-b', 'up-c', 'up-d', 'up-e'];
  const npm = await npmFor(ca, cleanup, domain, 'root', { alsoAuthFor: upstreams });
  const pkg = 'order-probe';
  // A published package blocks upstreams in its repository by default, which would stop the
  // search there; allow both ways everywhere so that only the graph's order decides.
  for (const repository of upstreams) {
    await ca.send(
      new PutPackageOriginConfigurationCommand({
        domain,
        repository,
        format: 'npm',
        package: pkg,
        restrictions: { publish: 'ALLOW', upstream: 'ALLOW' },
      }),
    );
  }
  // Each version is published in two repositories; the tarball says which one it came from.
  const placement: Record<string, string[]> = {
    '1.0.0': ['up-e', 'up-b'], // deeper E before the later sibling B
    '2.0.0': ['up-c', 'up-d'], // first upstream in the list before the second
    '3.0.0': ['up-a', 'up-c'], // a repository before its own upstreams
    '4.0.0': ['up-d', 'up-e'], // and again one level down
    '5.0.0': ['up-b'], // only in the last one searched
  };
  const winner: Record<string, string> = { '1.0.0': 'up-e', '2.0.0': 'up-c', '3.0.0': 'up-a', '4.0.0': 'up-d', '5.0.0': 'up-b' };
  const endpoints: Record<string, string> = {};
  for (const repository of upstreams) endpoints[repository] = await repositoryEndpoint(ca, domain, repository);
  for (const [version, repositories] of Object.entries(placement)) {
    for (const repository of repositories) {
      ok(await publishPackage(npm, { name: pkg, version, marker: `served from ${repository}` }, { registry: endpoints[repository]! }));
    }
  }
  const published = async (repository: string) => npmVersions(ca, domain, repository, pkg);
  expect(await published('up-d')).toEqual(['2.0.0', '4.0.0']);
  expect(await published('root')).toEqual([]);

  // The emulator's 404 names the repositories it searched, in order.
  const nowhere = await npm.fetch('not-in-any-repository');
  expect(nowhere.status).toBe(404);
  expect((await json<{ error: string }>(nowhere)).error).toContain('root, up-a, up-c, up-d, up-e, up-b');

  // The union of versions, each with the winner's integrity.
  const packument = await packumentOf(npm, pkg);
  expect(Object.keys(packument.versions).sort()).toEqual(['1.0.0', '2.0.0', '3.0.0', '4.0.0', '5.0.0']);
  for (const [version, repository] of Object.entries(winner)) {
    const own = await fetch(`${endpoints[repository]}${pkg}`, { headers: { authorization: `Bearer ${npm.token}` } }).then((r) =>
      json<Packument>(r),
    );
    expect(packument.versions[version]!.dist.integrity, `${version} should come from ${repository}`).toBe(
      own.versions[version]!.dist.integrity,
    );
  }
  // The tarballs root serves are the winners'.
  for (const [version, repository] of Object.entries(winner)) {
    const text = tarballText(await tarballThrough(npm, pkg, version));
    expect(text, `${pkg}@${version}`).toContain(`served from ${repository}`);
    for (const loser of placement[version]!.filter((r) => r !== repository)) expect(text).not.toContain(`served from ${loser}`);
  }
  // Fetching retained each version in root, recording where it entered the domain, and in no
  // repository in between.
  expect(await published('root')).toEqual(['1.0.0', '2.0.0', '3.0.0', '4.0.0', '5.0.0']);
  for (const [version, repository] of Object.entries(winner)) {
    const described = await ca.send(
      new DescribePackageVersionCommand({ domain, repository: 'root', format: 'npm', package: pkg, packageVersion: version }),
    );
    expect(described.packageVersion?.origin, version).toEqual({ domainEntryPoint: { repositoryName: repository }, originType: 'INTERNAL' });
  }
  expect(await published('up-a')).toEqual(['3.0.0']);
  expect(await published('up-d')).toEqual(['2.0.0', '4.0.0']);

  // And npm agrees.
  const consumer = await npmFor(ca, cleanup, domain, 'root');
  const project = await consumer.project();
  ok(await consumer.npm(['install', `${pkg}@1.0.0`], { cwd: project }));
  expect(await readFile(path.join(project, 'node_modules', pkg, 'index.js'), 'utf8')).toContain('served from up-e');
});

test("npm dist-tags are merged across upstreams; on a clash the upstream repository's tag wins", async ({ cleanup }) => {
  test.setTimeout(90_000);
  // AWS, "npm tag handling", "npm tags and upstream repositories": tags of R and its upstream U
  // are merged; "When the same tag is present on the same package in both the upstream and
  // downstream repository, CodeArtifact uses the tag that is present in the upstream repository",
  // so that right after publishing 1.0.2 to R, `npm install` from R still gets U's latest.
  const { ca } = await startStack(cleanup);
  const domain = await makeDomain(ca, [['upstream-u'], ['downstream-r', ['upstream-u']]]);
  const npm = await npmFor(ca, cleanup, domain, 'downstream-r', { alsoAuthFor: ['upstream-u'] });
  const upstream = await repositoryEndpoint(ca, domain, 'upstream-u');
  const pkg = 'web-helper';
  // Let R see U's versions of a package it also publishes (the docs' example predates origin controls).
  await ca.send(
    new PutPackageOriginConfigurationCommand({
      domain,
      repository: 'downstream-r',
      format: 'npm',
      package: pkg,
      restrictions: { publish: 'ALLOW', upstream: 'ALLOW' },
    }),
  );
  const tagsThroughR = async () => json<Record<string, string>>(await npm.fetch(`-/package/${pkg}/dist-tags`));

  ok(await publishPackage(npm, { name: pkg, version: '1.0.0' }));
  ok(await publishPackage(npm, { name: pkg, version: '1.0.1' }, { registry: upstream, args: ['--tag', 'alpha'] }));
  expect(await tagsThroughR()).toEqual({ latest: '1.0.0', alpha: '1.0.1' });
  expect(
    ok(await npm.npm(['dist-tag', 'ls', pkg]))
      .stdout.trim()
      .split('\n')
      .sort(),
  ).toEqual(['alpha: 1.0.1', 'latest: 1.0.0']);

  ok(await npm.npm(['dist-tag', 'add', `${pkg}@1.0.1`, 'latest', '--registry', upstream]));
  expect.soft(await tagsThroughR(), "latest in both R (1.0.0) and U (1.0.1): U's wins").toEqual({ latest: '1.0.1', alpha: '1.0.1' });
  expect.soft((await packumentOf(npm, pkg))['dist-tags'].latest).toBe('1.0.1');

  ok(await publishPackage(npm, { name: pkg, version: '1.0.2' }));
  expect.soft((await tagsThroughR()).latest, "after publishing 1.0.2 to R, latest through R is still U's 1.0.1").toBe('1.0.1');
  const project = await npm.project();
  ok(await npm.npm(['install', pkg], { cwd: project }));
  expect.soft(await installedVersion(project, pkg), 'npm install web-helper from R').toBe('1.0.1');
  ok(await npm.npm(['install', `${pkg}@1.0.2`], { cwd: project }));
  expect(await installedVersion(project, pkg)).toBe('1.0.2');
});

// =============================================================================================
// 4. Retention.
// =============================================================================================

test('a version fetched through r -> A -> npm-store is kept in r and npm-store, not A, and outlives the upstream', async ({ cleanup }) => {
  test.setTimeout(90_000);
  const { ca, registry } = await startStack(cleanup);
  const domain = await makeDomain(ca, [['npm-store'], ['mid', ['npm-store']], ['app', ['mid']]], ['npm-store']);
  const npm = await npmFor(ca, cleanup, domain, 'app');
  const project = await npm.project();
  ok(await npm.npm(['install', 'lodash'], { cwd: project }));
  expect(await installedVersion(project, 'lodash')).toBe('4.17.21');
  expect((await lockfile(project)).packages['node_modules/lodash']?.resolved).toBe(`${npm.endpoint}lodash/-/lodash-4.17.21.tgz`);

  expect(await npmVersions(ca, domain, 'app', 'lodash')).toEqual(['4.17.21']);
  expect(await npmVersions(ca, domain, 'npm-store', 'lodash')).toEqual(['4.17.21']);
  expect(await packageNames(ca, domain, 'mid')).not.toContain('lodash');
  expect(await npmVersions(ca, domain, 'mid', 'lodash')).toEqual([]);
  for (const repository of ['app', 'npm-store']) {
    const described = await ca.send(
      new DescribePackageVersionCommand({ domain, repository, format: 'npm', package: 'lodash', packageVersion: '4.17.21' }),
    );
    expect(described.packageVersion?.origin).toEqual({
      domainEntryPoint: { externalConnectionName: 'public:npmjs' },
      originType: 'EXTERNAL',
    });
  }
  const tarballFetches = tarballHits(registry!.requests, 'lodash');
  expect(tarballFetches).toBe(1);

  const freshInstall = async () => {
    const fresh = await npmFor(ca, cleanup, domain, 'app');
    const dir = await fresh.project();
    ok(await fresh.npm(['install', 'lodash'], { cwd: dir }));
    expect(await installedVersion(dir, 'lodash')).toBe('4.17.21');
    expect((await lockfile(dir)).packages['node_modules/lodash']?.resolved).toBe(`${fresh.endpoint}lodash/-/lodash-4.17.21.tgz`);
    return fresh;
  };

  // Without its upstream, app still has it.
  await ca.send(new UpdateRepositoryCommand({ domain, repository: 'app', upstreams: [] }));
  await freshInstall();
  // Without the external connection and without the public registry at all.
  await ca.send(new DisassociateExternalConnectionCommand({ domain, repository: 'npm-store', externalConnection: 'public:npmjs' }));
  await registry!.close();
  const last = await freshInstall();
  expect(tarballHits(registry!.requests, 'lodash')).toBe(tarballFetches);
  // What was never fetched is gone with the upstream.
  failed(await last.npm(['install', 'lodash@4.17.20'], { cwd: await last.project() }));
});

// =============================================================================================
// 5. Package origin controls.
// =============================================================================================

test.describe('package origin controls', () => {
  test('a package published first is publish ALLOW / upstream BLOCK: the upstream newer version is not served until allowed', async ({
    cleanup,
  }) => {
    test.setTimeout(90_000);
    const { ca } = await startStack(cleanup);
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    const name = 'fixture-app-dep-b'; // upstream has 1.0.0 and 1.1.0
    // npm will not move `latest` below the 1.1.0 it sees upstream by itself: tag this one explicitly.
    ok(await publishPackage(npm, { name, version: '1.0.5', marker: 'internal 1.0.5' }, { args: ['--tag', 'internal'] }));
    const id = { domain, repository: 'app', format: 'npm' as const, package: name };
    expect((await ca.send(new DescribePackageCommand(id))).package?.originConfiguration).toEqual({
      restrictions: { publish: 'ALLOW', upstream: 'BLOCK' },
    });

    expect(Object.keys((await packumentOf(npm, name)).versions)).toEqual(['1.0.5']);
    expect(ok(await npm.npm(['view', name, 'version'])).stdout.trim()).toBe('1.0.5');
    const project = await npm.project();
    const blocked = failed(await npm.npm(['install', `${name}@1.1.0`], { cwd: project }));
    expect(blocked.stderr).toMatch(/ETARGET|No matching version|404/);
    ok(await npm.npm(['install', `${name}@^1.0.0`], { cwd: project }));
    expect(await installedVersion(project, name)).toBe('1.0.5');
    expect((await npm.fetch(`${name}/-/${name}-1.1.0.tgz`)).status).toBe(404);
    expect(await packageNames(ca, domain, 'npm-store')).not.toContain(name);

    await ca.send(new PutPackageOriginConfigurationCommand({ ...id, restrictions: { publish: 'ALLOW', upstream: 'ALLOW' } }));
    expect(Object.keys((await packumentOf(npm, name)).versions).sort()).toEqual(['1.0.0', '1.0.5', '1.1.0']);
    const fresh = await npmFor(ca, cleanup, domain, 'app');
    const after = await fresh.project();
    ok(await fresh.npm(['install', `${name}@1.1.0`], { cwd: after }));
    expect(await installedVersion(after, name)).toBe('1.1.0');
    expect(await npmVersions(ca, domain, 'app', name)).toEqual(['1.0.5', '1.1.0']);
    expect(await npmVersions(ca, domain, 'npm-store', name)).toEqual(['1.1.0']);
  });

  test('a package ingested first is publish BLOCK / upstream ALLOW: npm publish fails with 403 until allowed', async ({ cleanup }) => {
    test.setTimeout(90_000);
    const { ca } = await startStack(cleanup);
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    ok(await npm.npm(['install', 'lodash'], { cwd: await npm.project() }));
    const id = { domain, repository: 'app', format: 'npm' as const, package: 'lodash' };
    expect((await ca.send(new DescribePackageCommand(id))).package?.originConfiguration).toEqual({
      restrictions: { publish: 'BLOCK', upstream: 'ALLOW' },
    });
    expect((await ca.send(new DescribePackageCommand({ ...id, repository: 'npm-store' }))).package?.originConfiguration).toEqual({
      restrictions: { publish: 'BLOCK', upstream: 'ALLOW' },
    });

    const denied = failed(await publishPackage(npm, { name: 'lodash', version: '9.9.9', marker: 'internal lodash' }));
    expect(denied.stderr).toMatch(/E403|403 Forbidden/);
    expect(denied.stderr).toMatch(/origin configuration|blocked/i);
    expect(Object.keys((await packumentOf(npm, 'lodash')).versions)).not.toContain('9.9.9');
    expect(await npmVersions(ca, domain, 'app', 'lodash')).toEqual(['4.17.21']);

    await ca.send(new PutPackageOriginConfigurationCommand({ ...id, restrictions: { publish: 'ALLOW', upstream: 'ALLOW' } }));
    ok(await publishPackage(npm, { name: 'lodash', version: '9.9.9', marker: 'internal lodash' }));
    expect(ok(await npm.npm(['view', 'lodash@9.9.9', 'version'])).stdout.trim()).toBe('9.9.9');
    expect(await npmVersions(ca, domain, 'app', 'lodash')).toEqual(['4.17.21', '9.9.9']);
  });
});

// =============================================================================================
// 6. Integrity.
// =============================================================================================

test('a tarball that does not match its declared integrity is refused and nothing is stored', async ({ cleanup }) => {
  test.setTimeout(90_000);
  const { ca } = await startStack(cleanup, { fixture: { corruptIntegrity: ['lodash@4.17.21'] } });
  const domain = await tutorialDomain(ca);
  const npm = await npmFor(ca, cleanup, domain, 'app');

  const install = failed(await npm.npm(['install', 'lodash@4.17.21'], { cwd: await npm.project() }));
  expect(install.stderr).toMatch(/integrity/i);
  for (const repository of ['app', 'npm-store']) {
    const viaRepo = repository === 'app' ? npm : await npmFor(ca, cleanup, domain, repository);
    const res = await viaRepo.fetch('lodash/-/lodash-4.17.21.tgz');
    const text = await res.text();
    expect(res.status, `${repository}: ${text}`).toBeGreaterThanOrEqual(400);
    expect((JSON.parse(text) as { error: string }).error).toMatch(/integrity/i);
  }

  const nothingStored = async () => {
    for (const repository of ['app', 'npm-store']) {
      expect(await packageNames(ca, domain, repository), repository).not.toContain('lodash');
      expect(await npmVersions(ca, domain, repository, 'lodash'), repository).toEqual([]);
      await expect(
        ca.send(
          new GetPackageVersionAssetCommand({
            domain,
            repository,
            format: 'npm',
            package: 'lodash',
            packageVersion: '4.17.21',
            asset: 'package.tgz',
          }),
        ),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    }
  };
  await nothingStored();
  await pause(1500);
  await nothingStored();

  // The intact version next to it installs, and only it is kept.
  const project = await npm.project();
  ok(await npm.npm(['install', 'lodash@4.17.20'], { cwd: project }));
  expect(await installedVersion(project, 'lodash')).toBe('4.17.20');
  expect(await npmVersions(ca, domain, 'app', 'lodash')).toEqual(['4.17.20']);
  expect(await npmVersions(ca, domain, 'npm-store', 'lodash')).toEqual(['4.17.20']);
});

// =============================================================================================
// 7. The upstream packument cache and blob de-duplication.
// =============================================================================================

test.describe('upstream cache and blob storage', () => {
  test('within the TTL the public registry is asked for a packument once', async ({ cleanup }) => {
    test.setTimeout(90_000);
    const { ca, registry } = await startStack(cleanup);
    const domain = await tutorialDomain(ca);
    for (let i = 0; i < 2; i++) {
      const npm = await npmFor(ca, cleanup, domain, 'app'); // a fresh npm cache each time
      ok(await npm.npm(['install', 'lodash'], { cwd: await npm.project() }));
      await packumentOf(npm, 'lodash');
    }
    expect(packumentHits(registry!.requests, 'lodash')).toBe(1);
  });

  test('with --upstream-ttl 0 the public registry is asked every time', async ({ cleanup }) => {
    test.setTimeout(90_000);
    const { ca, registry } = await startStack(cleanup, { args: ['--upstream-ttl', '0'] });
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    await packumentOf(npm, 'lodash');
    await packumentOf(npm, 'lodash');
    expect(packumentHits(registry!.requests, 'lodash')).toBe(2);
    let before = packumentHits(registry!.requests, 'lodash');
    for (let i = 0; i < 2; i++) {
      const fresh = await npmFor(ca, cleanup, domain, 'app');
      ok(await fresh.npm(['install', 'lodash'], { cwd: await fresh.project() }));
      const now = packumentHits(registry!.requests, 'lodash');
      expect(now, `install ${i + 1} asked the public registry again`).toBeGreaterThan(before);
      before = now;
    }
  });

  test('a tarball retained by several repositories is stored once, named by its sha512', async ({ cleanup }) => {
    test.setTimeout(90_000);
    const dataDir = await tempDir(cleanup, 'emulator-data');
    const { ca, registry } = await startStack(cleanup, { args: ['--data-dir', dataDir] });
    const domain = await makeDomain(ca, [['npm-store'], ['team-one', ['npm-store']], ['team-two', ['npm-store']]], ['npm-store']);
    for (const repository of ['team-one', 'team-two']) {
      const npm = await npmFor(ca, cleanup, domain, repository);
      ok(await npm.npm(['install', 'lodash@4.17.21'], { cwd: await npm.project() }));
    }
    for (const repository of ['team-one', 'team-two', 'npm-store']) {
      expect(await npmVersions(ca, domain, repository, 'lodash'), repository).toEqual(['4.17.21']);
    }
    const bytes = registry!.tarballs.get('lodash@4.17.21')!.bytes;
    expect(await readdir(path.join(dataDir, 'blobs'))).toEqual([sha512hex(bytes)]);
    expect((await readFile(path.join(dataDir, 'blobs', sha512hex(bytes)))).equals(bytes)).toBe(true);
    expect(tarballHits(registry!.requests, 'lodash')).toBe(1);
  });
});

// =============================================================================================
// 8. Faults.
// =============================================================================================

test.describe('faults', () => {
  test('upstream-unreachable: install fails naming the external connection and the registry', async ({ cleanup }) => {
    const { ca, registry } = await startStack(cleanup, { args: ['--fault', 'upstream-unreachable'] });
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    const install = failed(await npm.npm(['install', 'lodash'], { cwd: await npm.project() }));
    expect(install.stderr).toMatch(/external connection/i);
    expect(install.stderr).toMatch(/cannot reach|unreachable/i);
    const res = await npm.fetch('lodash');
    expect(res.status).toBeGreaterThanOrEqual(500);
    const { error } = await json<{ error: string }>(res);
    expect(error).toMatch(/external connection/i);
    expect(error).toContain(registry!.url);
    expect(registry!.requests).toEqual([]);
  });

  test('upstream-slow=1500: an install through the external connection takes at least 1.5 s', async ({ cleanup }) => {
    const { ca } = await startStack(cleanup, { args: ['--fault', 'upstream-slow=1500'] });
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    let started = Date.now();
    await packumentOf(npm, 'fixture-app-dep-b');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    started = Date.now();
    const install = ok(await npm.npm(['install', 'lodash'], { cwd: await npm.project() }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(install.ms).toBeGreaterThanOrEqual(1500);
  });

  test('retention-skipped: the install succeeds but nothing is retained', async ({ cleanup }) => {
    const { ca, registry } = await startStack(cleanup, { args: ['--fault', 'retention-skipped'] });
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    const project = await npm.project();
    ok(await npm.npm(['install', 'lodash'], { cwd: project }));
    expect(await installedVersion(project, 'lodash')).toBe('4.17.21');
    await pause(500);
    for (const repository of ['app', 'npm-store']) {
      expect(await packageNames(ca, domain, repository), repository).toEqual([]);
      expect(await npmVersions(ca, domain, repository, 'lodash'), repository).toEqual([]);
    }
    // Not kept, so every download goes to the public registry again.
    const before = tarballHits(registry!.requests, 'lodash');
    await tarballThrough(npm, 'lodash', '4.17.21');
    expect(tarballHits(registry!.requests, 'lodash')).toBe(before + 1);
  });

  test('never-visible: retained versions are served but never listed', async ({ cleanup }) => {
    const { ca, registry } = await startStack(cleanup, { args: ['--fault', 'never-visible'] });
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    ok(await npm.npm(['install', 'lodash'], { cwd: await npm.project() }));
    await pause(500);
    for (const repository of ['app', 'npm-store']) {
      expect(await packageNames(ca, domain, repository), repository).toEqual([]);
      await expect(ca.send(new DescribePackageCommand({ domain, repository, format: 'npm', package: 'lodash' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    }
    // It is retained all the same: served again without asking the public registry.
    const before = tarballHits(registry!.requests, 'lodash');
    await tarballThrough(npm, 'lodash', '4.17.21');
    expect(tarballHits(registry!.requests, 'lodash')).toBe(before);
    // Published versions are not affected.
    ok(await publishPackage(npm, { name: 'visible-pkg', version: '1.0.0' }));
    expect(await packageNames(ca, domain, 'app')).toEqual(['visible-pkg']);
  });

  test('error-on=ListPackages answers 500 InternalServerException; throttle=DescribeDomain answers 429 ThrottlingException', async ({
    cleanup,
  }) => {
    const { ca } = await startEmulator(cleanup, ['--fault', 'error-on=ListPackages', '--fault', 'throttle=DescribeDomain']);
    const domain = await makeDomain(ca, [['app']]);
    await expect(ca.send(new ListPackagesCommand({ domain, repository: 'app' }))).rejects.toMatchObject({
      name: 'InternalServerException',
      $metadata: { httpStatusCode: 500 },
    });
    await expect(ca.send(new DescribeDomainCommand({ domain }))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 429 },
    });
    // Only the named operations.
    expect((await ca.send(new ListRepositoriesInDomainCommand({ domain }))).repositories?.map((r) => r.name)).toEqual(['app']);
    expect((await ca.send(new ListDomainsCommand({}))).domains?.map((d) => d.name)).toContain(domain);
    expect((await ca.send(new DescribeRepositoryCommand({ domain, repository: 'app' }))).repository?.name).toBe('app');
  });

  test('reject-tokens: the npm endpoint rejects every token with 401, the control plane is unaffected', async ({ cleanup }) => {
    const { ca } = await startStack(cleanup, { args: ['--fault', 'reject-tokens'] });
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    expect(npm.token).toEqual(expect.any(String));
    for (const target of ['-/ping', 'lodash']) {
      const res = await npm.fetch(target);
      expect(res.status, target).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="${domain}/app", Basic realm="${domain}/app"`);
    }
    const install = failed(await npm.npm(['install', 'lodash'], { cwd: await npm.project() }));
    expect(install.stderr).toMatch(/E401|401/);
  });

  test('the fault admin endpoint exists only with --fault-admin', async ({ cleanup }) => {
    const plain = await startEmulator(cleanup, []);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(`${plain.emulator.url}/-/emulator/faults`, {
        method,
        ...(method === 'PUT' ? { body: JSON.stringify({ name: 'reject-tokens' }) } : {}),
      });
      expect(res.status, method).toBe(403);
      expect(res.headers.get('x-amzn-errortype'), method).toBe('MissingAuthenticationTokenException');
    }

    const { emulator, ca } = await startEmulator(cleanup, ['--fault-admin']);
    const admin = `${emulator.url}/-/emulator/faults`;
    const listed = await fetch(admin);
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({ active: {}, known: expect.objectContaining({ 'reject-tokens': expect.any(String) }) });
    const domain = await makeDomain(ca, [['app']]);
    const on = await fetch(admin, { method: 'PUT', body: JSON.stringify({ name: 'error-on', arg: 'ListPackages' }) });
    expect(await on.json()).toMatchObject({ active: { 'error-on': 'ListPackages' } });
    await expect(ca.send(new ListPackagesCommand({ domain, repository: 'app' }))).rejects.toMatchObject({
      name: 'InternalServerException',
    });
    expect((await fetch(admin, { method: 'PUT', body: JSON.stringify({ name: 'no-such-fault' }) })).status).toBe(400);
    expect((await fetch(admin, { method: 'DELETE' })).status).toBe(200);
    expect((await ca.send(new ListPackagesCommand({ domain, repository: 'app' }))).packages).toEqual([]);
  });
});

// =============================================================================================
// 9. --data-dir.
// =============================================================================================

test('with --data-dir, state, tarballs and issued tokens survive a restart', async ({ cleanup }) => {
  test.setTimeout(90_000);
  const dataDir = await tempDir(cleanup, 'emulator-data');
  const first = await startStack(cleanup, { args: ['--data-dir', dataDir] });
  const registry = first.registry!;
  const domain = await tutorialDomain(first.ca);
  const before = await npmFor(first.ca, cleanup, domain, 'app');
  ok(await publishPackage(before, { name: 'persisted-pkg', version: '1.0.0', marker: 'made before the restart' }));
  ok(await before.npm(['install', 'lodash'], { cwd: await before.project() }));
  const publishedBytes = await tarballThrough(before, 'persisted-pkg', '1.0.0');
  const oldToken = before.token;

  expect(await first.emulator.stop()).toBe(0);
  await registry.close(); // nothing may come from upstream after the restart

  const { emulator, ca } = await startEmulator(cleanup, ['--data-dir', dataDir, '--npmjs-url', registry.url]);
  expect(emulator.url).not.toBe(first.emulator.url);
  expect((await ca.send(new DescribeDomainCommand({ domain }))).domain).toMatchObject({ name: domain, repositoryCount: 2 });
  expect((await ca.send(new ListRepositoriesInDomainCommand({ domain }))).repositories?.map((r) => r.name).sort()).toEqual([
    'app',
    'npm-store',
  ]);
  expect((await ca.send(new DescribeRepositoryCommand({ domain, repository: 'app' }))).repository?.upstreams).toEqual([
    { repositoryName: 'npm-store' },
  ]);
  expect((await ca.send(new DescribeRepositoryCommand({ domain, repository: 'npm-store' }))).repository?.externalConnections).toEqual([
    expect.objectContaining({ externalConnectionName: 'public:npmjs', packageFormat: 'npm' }),
  ]);
  expect(await npmVersions(ca, domain, 'app', 'persisted-pkg')).toEqual(['1.0.0']);
  expect(await npmVersions(ca, domain, 'app', 'lodash')).toEqual(['4.17.21']);
  expect(await npmVersions(ca, domain, 'npm-store', 'lodash')).toEqual(['4.17.21']);
  const assets = await ca.send(
    new ListPackageVersionAssetsCommand({ domain, repository: 'app', format: 'npm', package: 'persisted-pkg', packageVersion: '1.0.0' }),
  );
  expect(assets.assets?.[0]?.hashes?.['SHA-512']).toBe(sha512hex(publishedBytes));

  // The token issued before the restart, against the new endpoint.
  const after = await npmFor(ca, cleanup, domain, 'app', { token: oldToken });
  expect(after.endpoint).not.toBe(before.endpoint);
  expect((await after.fetch('-/ping')).status).toBe(200);
  expect((await tarballThrough(after, 'persisted-pkg', '1.0.0')).equals(publishedBytes)).toBe(true);
  expect((await tarballThrough(after, 'lodash', '4.17.21')).equals(registry.tarballs.get('lodash@4.17.21')!.bytes)).toBe(true);
  const project = await after.project();
  ok(await after.npm(['install', 'persisted-pkg', 'lodash@4.17.21'], { cwd: project }));
  expect(await readFile(path.join(project, 'node_modules', 'persisted-pkg', 'index.js'), 'utf8')).toContain('made before the restart');
  expect(await installedVersion(project, 'lodash')).toBe('4.17.21');
});

// =============================================================================================
// 10. The default upstream: the public registry npm on this machine is configured with.
// =============================================================================================

test('without --npmjs-url, public:npmjs is the registry npm is configured with', async ({ cleanup }) => {
  test.setTimeout(120_000);
  const { ca } = await startStack(cleanup, { fixture: false });
  const domain = await tutorialDomain(ca);
  const npm = await npmFor(ca, cleanup, domain, 'app');
  const project = await npm.project();
  ok(await npm.npm(['install', 'is-number@7.0.0'], { cwd: project, timeoutMs: 90_000 }));
  expect(await installedVersion(project, 'is-number')).toBe('7.0.0');
  const entry = (await lockfile(project)).packages['node_modules/is-number'];
  expect(entry?.resolved).toBe(`${npm.endpoint}is-number/-/is-number-7.0.0.tgz`);

  expect(await npmVersions(ca, domain, 'app', 'is-number')).toEqual(['7.0.0']);
  expect(await npmVersions(ca, domain, 'npm-store', 'is-number')).toEqual(['7.0.0']);
  const assets = await ca.send(
    new ListPackageVersionAssetsCommand({ domain, repository: 'app', format: 'npm', package: 'is-number', packageVersion: '7.0.0' }),
  );
  const sha512 = assets.assets?.[0]?.hashes?.['SHA-512'];
  expect(entry?.integrity).toBe(`sha512-${Buffer.from(sha512!, 'hex').toString('base64')}`);
});
