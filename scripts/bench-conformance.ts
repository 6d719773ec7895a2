/**
 * `npm run bench:conformance [-- --runs 3]`
 *
 * What the harness costs on top of the tutorial itself: the wall time of a full conformance
 * run of the tutorial scenario (`npx playwright test --project=conformance
 * tests/conformance/tutorial.spec.ts` on the endpoint target), beside the same commands as a
 * plain bash script, against the same separately started emulator (upstream: the fixture
 * registry, so neither side waits on the network), runs interleaved, medians compared.
 *
 * A third line in between: the same commands as a bare Playwright spec, one test each, with
 * nothing of the harness (scripts/bench-floor/). It splits the overhead into Playwright's own
 * start-up (bare Playwright against the script) and the harness's (harness against bare Playwright).
 * Results go to reports/bench/conformance.json.
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './bench-measure.ts';
import { startEmulatorProcess } from '../helpers/target/emulator-process.ts';
import { startFixtureRegistry, tutorialPackages } from '../tests/support/fixture-registry.ts';
import { TUTORIAL_SCRIPT } from './bench-conformance-script.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`--runs '${values.runs}' is not a positive whole number\n`);
  process.exit(2);
}

const registry = await startFixtureRegistry(tutorialPackages);
const emulator = await startEmulatorProcess(['--npmjs-url', registry.url]);
const times: { harness: number[]; playwright: number[]; script: number[] } = { harness: [], playwright: [], script: [] };
try {
  for (let i = 0; i < runs; i++) {
    // The shell script, in a sandbox of its own.
    let sandbox = commandSandbox(`bench-script-${i}`);
    let started = performance.now();
    const script = await execa('bash', ['-c', TUTORIAL_SCRIPT], { reject: false, all: true, env: sandbox.env, extendEnv: false });
    times.script.push(performance.now() - started);
    sandbox.dispose();
    if (script.exitCode !== 0) throw new Error(`the plain script failed:\n${script.all}`);

    // The same commands as a bare Playwright spec, in a sandbox of its own.
    sandbox = commandSandbox(`bench-playwright-${i}`);
    started = performance.now();
    const bare = await execa('npx', ['playwright', 'test', '--config', 'scripts/bench-floor/playwright.config.ts'], {
      cwd: ROOT,
      reject: false,
      all: true,
      env: sandbox.env,
      extendEnv: false,
    });
    times.playwright.push(performance.now() - started);
    sandbox.dispose();
    if (bare.exitCode !== 0) throw new Error(`the bare Playwright run failed:\n${bare.all}`);

    // The harness, exactly as a user starts it.
    const reports = mkdtempSync(join(tmpdir(), 'cc-bench-harness-'));
    started = performance.now();
    const harness = await execa('npx', ['playwright', 'test', '--project=conformance', 'tests/conformance/tutorial.spec.ts'], {
      cwd: ROOT,
      reject: false,
      all: true,
      env: { CONFORMANCE_TARGET: 'endpoint', CONFORMANCE_ENDPOINT_URL: emulator.url, CONFORMANCE_REPORTS_DIR: reports },
    });
    times.harness.push(performance.now() - started);
    rmSync(reports, { recursive: true, force: true });
    if (harness.exitCode !== 0) throw new Error(`the harness run failed:\n${harness.all}`);
    process.stdout.write(
      `run ${i + 1}: script ${(times.script[i]! / 1000).toFixed(1)} s, bare Playwright ${(times.playwright[i]! / 1000).toFixed(1)} s, harness ${(times.harness[i]! / 1000).toFixed(1)} s\n`,
    );
  }
} finally {
  await emulator.stop();
  await registry.close();
}

const script = median(times.script);
const playwright = median(times.playwright);
const harness = median(times.harness);
const result = {
  runs,
  machine: '2 shared cores; all three use the same emulator and fixture registry on 127.0.0.1',
  scriptMs: times.script.map(Math.round),
  playwrightMs: times.playwright.map(Math.round),
  harnessMs: times.harness.map(Math.round),
  medianScriptMs: Math.round(script),
  medianPlaywrightMs: Math.round(playwright),
  medianHarnessMs: Math.round(harness),
  /** The measure: the harness against the bare script. */
  ratio: Number((harness / script).toFixed(3)),
  overhead: Number((harness / script - 1).toFixed(3)),
  /** Playwright's own start-up: bare Playwright against the bare script. */
  playwrightRatio: Number((playwright / script).toFixed(3)),
  /** The harness's own cost: the harness against bare Playwright. */
  harnessOverPlaywrightRatio: Number((harness / playwright).toFixed(3)),
};
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
process.stdout.write(
  `\nmedian of ${runs}: plain script ${s(script)}, bare Playwright ${s(playwright)}, harness ${s(harness)}\n` +
    `harness / script ${result.ratio.toFixed(2)}x (Playwright alone ${result.playwrightRatio.toFixed(2)}x; harness / bare Playwright ${result.harnessOverPlaywrightRatio.toFixed(2)}x)\n`,
);
mkdirSync(join(ROOT, 'reports', 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'reports', 'bench', 'conformance.json'), `${JSON.stringify(result, null, 2)}\n`);

/** A throwaway HOME, npm and aws configuration and project for the commands, and their environment. */
function commandSandbox(domain: string): { env: Record<string, string>; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cc-bench-'));
  mkdirSync(join(dir, 'project'));
  writeFileSync(join(dir, 'project', 'package.json'), '{"name":"tutorial-project","version":"1.0.0","private":true}\n');
  writeFileSync(join(dir, '.npmrc'), '');
  return {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      npm_config_userconfig: join(dir, '.npmrc'),
      npm_config_cache: join(dir, 'cache'),
      npm_config_update_notifier: 'false',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
      AWS_PAGER: '',
      AWS_CONFIG_FILE: join(dir, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
      ENDPOINT: emulator.url,
      DOMAIN: domain,
      PROJECT: join(dir, 'project'),
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
