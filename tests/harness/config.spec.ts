/**
 * The configuration as a user writes it: durations in milliseconds or with a unit, and a clear
 * error naming the variable and the fix for anything else (never a silent NaN).
 */
import { expect, test } from '@playwright/test';
import { latencyBudgetMs } from '../../helpers/outcome/model.ts';
import { ConfigError, loadConfig } from '../../helpers/run/config.ts';
import { parseDuration } from '../../helpers/run/durations.ts';

test('durations: milliseconds, or a number with ms, s, m or h', () => {
  expect(parseDuration('300000')).toBe(300_000);
  expect(parseDuration('300s')).toBe(300_000);
  expect(parseDuration('5m')).toBe(300_000);
  expect(parseDuration('1.5h')).toBe(5_400_000);
  expect(parseDuration(' 250ms ')).toBe(250);
  for (const bad of ['', 'soon', '5 minutes', '-5m', '0', 'NaN', '5mm', '1e3']) expect(parseDuration(bad), bad).toBeUndefined();
});

test('CONFORMANCE_INSTALL_TIMEOUT_MS and CONFORMANCE_VISIBILITY_LIMIT_MS take durations', () => {
  const config = loadConfig({ CONFORMANCE_INSTALL_TIMEOUT_MS: '5m', CONFORMANCE_VISIBILITY_LIMIT_MS: '90s' });
  expect(config.installTimeoutMs).toBe(300_000);
  expect(config.visibilityLimitMs).toBe(90_000);
  expect(loadConfig({}).installTimeoutMs).toBeUndefined();
});

test('a duration that is not one names the variable, what was given and the fix', () => {
  let caught: unknown;
  try {
    loadConfig({ CONFORMANCE_INSTALL_TIMEOUT_MS: 'five minutes' });
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const message = (caught as Error).message;
  expect(message).toContain('CONFORMANCE_INSTALL_TIMEOUT_MS="five minutes"');
  expect(message).toContain('5m');
});

test('the latency budget takes a duration too, and refuses anything else', () => {
  expect(latencyBudgetMs('emulator', { CONFORMANCE_LATENCY_BUDGET_MS: '90s' })).toBe(90_000);
  expect(latencyBudgetMs('aws', {})).toBe(15 * 60_000);
  expect(() => latencyBudgetMs('emulator', { CONFORMANCE_LATENCY_BUDGET_MS: 'later' })).toThrow(/CONFORMANCE_LATENCY_BUDGET_MS="later"/);
});

test("CONFORMANCE_EMULATOR_ARGS: the emulator target's options, word by word; on another target an error naming both variables", () => {
  expect(loadConfig({ CONFORMANCE_EMULATOR_ARGS: ' --fault  reject-tokens ' }).emulatorArgs).toEqual(['--fault', 'reject-tokens']);
  expect(loadConfig({}).emulatorArgs).toEqual([]);
  expect(() =>
    loadConfig({
      CONFORMANCE_TARGET: 'endpoint',
      CONFORMANCE_ENDPOINT_URL: 'http://127.0.0.1:4566',
      CONFORMANCE_EMULATOR_ARGS: '--fault reject-tokens',
    }),
  ).toThrow(/CONFORMANCE_EMULATOR_ARGS is set but CONFORMANCE_TARGET is endpoint.*unset CONFORMANCE_EMULATOR_ARGS/);
});
