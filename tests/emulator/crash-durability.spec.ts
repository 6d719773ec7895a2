/**
 * kill -9 of a --data-dir emulator during bursts of concurrent writes, three times (the full
 * run is `npm run crash:durability`, 20 kills): every acknowledged write survives, every
 * restart succeeds.
 */
import { expect, test } from '@playwright/test';
import { crashDurability } from './robustness/crash.ts';

test('kill -9 during bursts of writes loses no acknowledged write and never prevents a restart (3 kills)', async () => {
  test.setTimeout(300_000);
  const report = await crashDurability({ kills: 3, burst: 24, killAfterMs: { min: 300, max: 2500 } });
  expect(report.failures).toEqual([]);
  expect(report.restarts).toBe(3);
  expect(report.lost).toEqual([]);
  const acknowledged = report.acknowledged.repositories + report.acknowledged.tags + report.acknowledged.publishes;
  // The kills came among writes, not after them: something was acknowledged and something was cut off.
  expect(acknowledged).toBeGreaterThan(20);
  expect(report.unanswered).toBeGreaterThan(0);
});
