/**
 * The emulator's npm data plane, the registry protocol, against the real npm client and raw
 * HTTP: ping, packuments (full and abbreviated), tarballs, scoped names, publish, view,
 * dist-tags, the npm commands CodeArtifact supports and the ones it does not.
 *
 * Every test starts its own emulator process (`npm run emulator`'s entry point) and, unless it
 * says otherwise, its own deterministic fixture npm registry behind `public:npmjs`. npm runs
 * isolated (see npm-helpers.ts). Everything is removed again by the clean-up fixture, also
 * when a test fails. (Once part of npm-data-plane.spec.ts, split by subject.)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './fixtures.ts';
import {
  ABBREVIATED,
  ACCOUNT,
  REGION,
  failed,
  installedVersion,
  lockfile,
  makeDomain,
  npmFor,
  ok,
  publishPackage,
  startStack,
  tarballText,
  type Manifest,
  type Packument,
  json,
  packumentOf,
  tarballThrough,
  tutorialDomain,
  sriOf,
} from './npm-helpers.ts';

// The tests are independent (each has its own emulator and registry): let both workers share them.
test.describe.configure({ mode: 'parallel' });

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

// ---------------------------------------------------------------------------------------------
// The npm registry protocol.
// ---------------------------------------------------------------------------------------------

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
    expect(Object.keys(full.versions['4.17.21']!).sort()).toEqual([
      '_id',
      'description',
      'dist',
      'keywords',
      'license',
      'main',
      'name',
      'version',
    ]);
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
      // The fixture's lodash has name, version, description, main, license, keywords, _id and
      // dist (the full packument above): what an install needs is kept, the rest dropped.
      for (const version of ['4.17.20', '4.17.21']) {
        const tarball = registry!.tarballs.get(`lodash@${version}`)!;
        expect(abbreviated.versions[version]).toEqual({
          name: 'lodash',
          version,
          license: 'MIT',
          dist: { tarball: expect.any(String), shasum: tarball.shasum, integrity: tarball.integrity },
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
