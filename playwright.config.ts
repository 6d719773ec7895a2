import { defineConfig } from '@playwright/test';

/**
 * Projects by target and tool cell. For now: the emulator's contract tests, and the
 * tutorial's steps that the emulator's control plane can already answer.
 */
export default defineConfig({
  timeout: 60_000,
  workers: 2,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  outputDir: 'test-results',
  reporter: [
    ['list'],
    ['html', { outputFolder: 'reports/html', open: 'never' }],
    ['junit', { outputFile: 'reports/junit.xml' }],
    ['./helpers/reporters/summary-line.ts'],
  ],
  projects: [
    { name: 'emulator-contract', testDir: 'tests/emulator' },
    { name: 'conformance', testDir: 'tests/conformance' },
  ],
});
