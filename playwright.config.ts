import { defineConfig } from '@playwright/test';

/**
 * Projects by target and tool cell; reporters. All logic lives in helpers/.
 * One run id for the whole run: workers inherit it from this process's environment.
 */
// Node 20 is this project's runtime by design; the SDK's notice about Node 22 is noise in every test.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.CONFORMANCE_RUN_ID ??= `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const reports = process.env.CONFORMANCE_REPORTS_DIR ?? 'reports';

export default defineConfig({
  timeout: 60_000,
  workers: 2,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  // A nested run (the harness's own tests run the suite) keeps its output beside its reports.
  outputDir: process.env.CONFORMANCE_REPORTS_DIR ? `${reports}/test-results` : 'test-results',
  reporter: [
    ['list'],
    ['html', { outputFolder: `${reports}/html`, open: 'never' }],
    ['junit', { outputFile: `${reports}/junit.xml` }],
    ['./helpers/reporters/summary-json.ts'],
    ['./helpers/reporters/summary-line.ts'],
  ],
  projects: [
    { name: 'emulator-contract', testDir: 'tests/emulator' },
    // The tutorial with the aws CLI the user names (AWS_CLI, default `aws` on PATH)...
    { name: 'conformance', testDir: 'tests/conformance', metadata: { awsCli: process.env.AWS_CLI ?? 'aws' } },
    // ...and always also with aws CLI v2 from Debian, so `npm test` covers both majors.
    { name: 'conformance-aws-cli-v2', testDir: 'tests/conformance', metadata: { awsCli: '/usr/bin/aws' } },
    // The harness's own behaviour: it fails where it should, cleans up, keeps secrets.
    { name: 'harness', testDir: 'tests/harness', timeout: 300_000 },
  ],
});
