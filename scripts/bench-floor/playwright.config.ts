/**
 * The benchmark's middle line (scripts/bench-conformance.ts): Playwright alone, with nothing of
 * the harness, running the tutorial's commands as one serial test each. What it costs above the
 * bare script is Playwright's own start-up; what the harness costs above it is the harness's.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({ testDir: '.', reporter: [['line']], workers: 1, timeout: 300_000 });
