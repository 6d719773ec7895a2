/**
 * The emulator's npm data plane, package origin controls: publish and upstream restrictions as
 * a package is published or ingested first, and changed through the control plane.
 *
 * Every test starts its own emulator process (`npm run emulator`'s entry point) and, unless it
 * says otherwise, its own deterministic fixture npm registry behind `public:npmjs`. npm runs
 * isolated (see npm-helpers.ts). Everything is removed again by the clean-up fixture, also
 * when a test fails. (Once part of npm-data-plane.spec.ts, split by subject.)
 */
import { DescribePackageCommand, PutPackageOriginConfigurationCommand } from '@aws-sdk/client-codeartifact';
import { expect, test } from './fixtures.ts';
import {
  failed,
  installedVersion,
  npmFor,
  npmVersions,
  ok,
  packageNames,
  publishPackage,
  startStack,
  packumentOf,
  tutorialDomain,
} from './npm-helpers.ts';

// The tests are independent (each has its own emulator and registry): let both workers share them.
test.describe.configure({ mode: 'parallel' });

// ---------------------------------------------------------------------------------------------
// Package origin controls.
// ---------------------------------------------------------------------------------------------

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
