/**
 * The emulator's npm data plane under its named faults: upstream-unreachable, upstream-slow,
 * retention-skipped, never-visible, error-on, throttle, reject-tokens, and the fault admin
 * endpoint.
 *
 * Every test starts its own emulator process (`npm run emulator`'s entry point) and, unless it
 * says otherwise, its own deterministic fixture npm registry behind `public:npmjs`. npm runs
 * isolated (see npm-helpers.ts). Everything is removed again by the clean-up fixture, also
 * when a test fails. (Once part of npm-data-plane.spec.ts, split by subject.)
 */
import {
  DescribeDomainCommand,
  DescribePackageCommand,
  DescribeRepositoryCommand,
  ListDomainsCommand,
  ListPackagesCommand,
  ListRepositoriesInDomainCommand,
} from '@aws-sdk/client-codeartifact';
import { expect, test } from './fixtures.ts';
import {
  failed,
  installedVersion,
  makeDomain,
  npmFor,
  npmVersions,
  ok,
  packageNames,
  pause,
  publishPackage,
  startEmulator,
  startStack,
  json,
  packumentOf,
  tarballThrough,
  tarballHits,
  tutorialDomain,
} from './npm-helpers.ts';

// The tests are independent (each has its own emulator and registry): let both workers share them.
test.describe.configure({ mode: 'parallel' });

// ---------------------------------------------------------------------------------------------
// Faults.
// ---------------------------------------------------------------------------------------------

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
