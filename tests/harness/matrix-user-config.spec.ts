/**
 * The matrix leaves the user's own npm, pnpm, yarn and AWS config files exactly as they were:
 * one cell per package manager (npm, pnpm, yarn 1 and yarn 4, on both aws CLI majors and
 * three Node versions) runs as `npm run matrix` runs them, and every watched file is compared
 * byte for byte before and after.
 */
import { snapshotUserConfig } from '../../helpers/toolchain/user-config.ts';
import { expect, test } from './fixtures.ts';
import { runNested } from './nested-run.ts';

const CELLS = ['awscli1-npm11-node20', 'awscli2-pnpm9-node20', 'awscli2-yarn1-node22', 'awscli1-yarn4-node20'];

test('the user config files are unchanged after the matrix', async ({ scratch }, testInfo) => {
  const before = await snapshotUserConfig();
  const run = await runNested(
    { ...(process.env as Record<string, string>) },
    [],
    CELLS.map((c) => `matrix:${c}`),
    scratch.dir('cc-nested-reports-'),
  );
  await testInfo.attach('nested matrix output', { body: run.output, contentType: 'text/plain' });
  expect(run.exitCode, 'the matrix cells pass').toBe(0);
  expect(run.summary?.runs.filter((r) => r.project.startsWith('matrix:')).length).toBe(CELLS.length);
  expect(await snapshotUserConfig()).toEqual(before);
});
