/**
 * The fuzz suite, bounded for the test run: about 1,000 property-based requests over both
 * planes (fewer if 45 s pass first), seeded (FUZZ_SEED to replay; the seed is printed and
 * annotated), against an emulator whose public:npmjs is a local fixture registry. No answer
 * may be a 5xx, no connection may drop, and the tutorial's calls must work afterwards.
 * `npm run fuzz` is the full run (10,000 requests, plus the 50 MB refusal and peak RSS).
 */
import { expect, test } from '@playwright/test';
import { startEmulatorProcess } from '../../helpers/target/emulator-process.ts';
import { startFixtureRegistry, tutorialPackages } from '../support/fixture-registry.ts';
import { fuzzEmulator, tutorialStillWorks } from './robustness/fuzz.ts';
import { Wire } from './robustness/wire.ts';

test('fuzzing both planes gets no 5xx and no dropped connection, and the tutorial works afterwards', async () => {
  test.setTimeout(120_000);
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
  test.info().annotations.push({ type: 'fuzz seed', description: String(seed) });
  process.stdout.write(`fuzz seed ${seed} (FUZZ_SEED=${seed} replays it)\n`);
  const registry = await startFixtureRegistry(tutorialPackages);
  const emulator = await startEmulatorProcess(['--npmjs-url', registry.url]);
  const wire = new Wire(emulator.url);
  try {
    const report = await fuzzEmulator(wire, { count: 1000, seed, timeLimitMs: 45_000, pid: emulator.child.pid });
    const context = `seed ${seed}: ${JSON.stringify({ requests: report.requests, byStatus: report.byStatus, counterexample: report.counterexample, serverErrors: report.serverErrors.slice(0, 3), connectionErrors: report.connectionErrors.slice(0, 3) })}`;
    expect(report.serverErrors, context).toEqual([]);
    expect(report.connectionErrors, context).toEqual([]);
    expect(report.requests, context).toBeGreaterThanOrEqual(200);
    // The requests reached the handlers, not only the front door.
    expect(Object.keys(report.byStatus).length, context).toBeGreaterThanOrEqual(4);
    await tutorialStillWorks(wire);
    expect(emulator.stderr()).not.toContain('unexpected failure');
  } finally {
    await wire.close();
    await emulator.stop();
    await registry.close();
  }
});
