/**
 * Mutation testing through the fault proxy, a few mutations for real (the whole catalogue is
 * `npm run mutation`): a clean run passes through the proxy; a printed-output regression, a
 * state regression, a data-plane fault and a clean-up that does nothing each fail the suite
 * at their step with a message naming what is wrong; one a reader would not notice passes.
 */
import { expect, test } from '@playwright/test';
import { mutations, runMutations } from '../support/mutations.ts';

test('the catalogue has at least 20 mutations over every kind and every part of the tutorial', () => {
  const noticed = mutations.filter((m) => m.failsAt);
  expect(noticed.length).toBeGreaterThanOrEqual(20);
  const steps = new Set(noticed.map((m) => m.failsAt));
  for (const step of [
    'prerequisite-caller-identity',
    'create-domain',
    'create-repository-my-repo',
    'create-repository-npm-store',
    'associate-external-connection',
    'update-repository-upstreams',
    'login',
    'npm-install',
    'list-packages',
    'cleanup-delete-my-repo',
    'cleanup-delete-domain',
  ]) {
    expect(steps, step).toContain(step);
  }
  expect(new Set(mutations.map((m) => m.id)).size).toBe(mutations.length);
});

test('a few mutations for real: each caught at its step, and a clean run through the proxy passes', async ({}, testInfo) => {
  test.setTimeout(1_200_000);
  const only = ['update-repository-prints-no-upstream', 'tarball-corrupted', 'delete-domain-does-nothing'];
  const lines: string[] = [];
  // One at a time: two nested runs started together inside a Playwright worker failed early, before any rule fired
  // (seen twice; `npm run mutation`, which starts them apart, does not show it).
  const report = await runMutations({ only, cleanRuns: 1, parallel: 1, log: (l) => lines.push(l) });
  await testInfo.attach('mutation log', { body: lines.join('\n'), contentType: 'text/plain' });
  await testInfo.attach('mutation report', { body: JSON.stringify(report, null, 2), contentType: 'application/json' });
  expect(report.cleanRuns.map((r) => r.passed)).toEqual([true]);
  for (const r of report.results) expect(r, `${r.id}: ${r.message ?? 'passed'}`).toMatchObject({ caught: true });
  expect(report.results.filter((r) => r.hits === 0).map((r) => r.id)).toEqual([]);
});
