/**
 * The suite can fail, and says where: for each fault the emulator can be told to have, the
 * tutorial run fails at the step a reader would expect, with a plain message, and leaves
 * nothing behind.
 */
import { expect, test } from '@playwright/test';
import { startFixtureRegistry, tutorialPackages, type FixtureRegistry } from '../support/fixture-registry.ts';
import { runNested } from './nested-run.ts';

interface FaultCase {
  fault: string;
  failsAt: string;
  message: RegExp;
  env?: Record<string, string>;
}

const cases: FaultCase[] = [
  { fault: 'error-on=CreateRepository', failsAt: 'create-repository-my-repo', message: /Step 2, .*InternalServerException/s },
  { fault: 'throttle=AssociateExternalConnection', failsAt: 'associate-external-connection', message: /Step 4, .*ThrottlingException/s },
  { fault: 'upstream-unreachable', failsAt: 'npm-install', message: /Step 7, .*npm exited .*(502|Bad Gateway)/s },
  {
    fault: 'upstream-slow=20000',
    failsAt: 'npm-install',
    message: /Step 7, .*did not finish in time/s,
    env: { CONFORMANCE_INSTALL_TIMEOUT_MS: '5000' },
  },
  { fault: 'reject-tokens', failsAt: 'npm-install', message: /Step 7, .*npm exited .*E401/s },
  {
    fault: 'retention-skipped',
    failsAt: 'list-packages',
    message: /Step 8, .*lodash was not listed in my-repo and npm-store within 4 s/s,
    env: { CONFORMANCE_VISIBILITY_LIMIT_MS: '4000' },
  },
  {
    fault: 'never-visible',
    failsAt: 'list-packages',
    message: /Step 8, .*lodash was not listed in my-repo and npm-store within 4 s/s,
    env: { CONFORMANCE_VISIBILITY_LIMIT_MS: '4000' },
  },
];

let registry: FixtureRegistry;
test.beforeAll(async () => {
  registry = await startFixtureRegistry(tutorialPackages);
});
test.afterAll(async () => {
  await registry?.close();
});

for (const c of cases) {
  test(`with the emulator fault ${c.fault}, the run fails at ${c.failsAt} and cleans up`, async ({}, testInfo) => {
    const run = await runNested({
      ...(process.env as Record<string, string>),
      CONFORMANCE_TARGET: 'emulator',
      CONFORMANCE_NPMJS_URL: registry.url,
      CONFORMANCE_EMULATOR_ARGS: `--fault ${c.fault}`,
      ...c.env,
    });
    await testInfo.attach('nested run output', { body: run.output, contentType: 'text/plain' });
    expect(run.exitCode, 'the nested run must fail').not.toBe(0);
    expect(run.summary, 'the nested run must write summary.json').toBeDefined();
    const steps = run.summary!.steps;
    const failed = steps.filter((s) => s.status === 'failed');
    expect(failed.map((s) => s.id)).toEqual([c.failsAt]);
    expect(failed[0]!.error).toMatch(c.message);
    expect(failed[0]!.error).toMatch(/Expected: .+\./);
    // Everything before it passed; everything after it was not run.
    const at = steps.findIndex((s) => s.id === c.failsAt);
    expect(steps.slice(0, at).every((s) => s.status === 'passed')).toBe(true);
    expect(steps.slice(at + 1).every((s) => s.status === 'skipped')).toBe(true);
    expect(run.summary!.verdict).toBe('failed');
    expect(run.summary!.leftovers).toEqual([]);
    expect(run.summary!.cleanup.failed).toEqual([]);
  });
}
