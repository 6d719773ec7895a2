/**
 * `npm run bench:conformance [-- --runs 3]`
 *
 * What the harness costs on top of the tutorial itself: the wall time of a full conformance
 * run of the tutorial scenario (`npx playwright test --project=conformance
 * tests/conformance/tutorial.spec.ts` on the endpoint target), beside the same commands as a
 * plain bash script, against the same separately started emulator (upstream: the fixture
 * registry, so neither side waits on the network), runs interleaved, medians compared.
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

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`--runs '${values.runs}' is not a positive whole number\n`);
  process.exit(2);
}

/** The tutorial's commands, as a reader would paste them, with the run's names and endpoint. */
const SCRIPT = `set -euo pipefail
E="--endpoint-url $ENDPOINT"
D="$DOMAIN"
aws --version
npm --version
aws sts get-caller-identity $E
aws codeartifact create-domain --domain $D $E
aws codeartifact create-repository --domain $D --domain-owner 000000000000 --repository my-repo $E
aws codeartifact create-repository --domain $D --domain-owner 000000000000 --repository npm-store $E
aws codeartifact associate-external-connection --domain $D --domain-owner 000000000000 --repository npm-store --external-connection "public:npmjs" $E
aws codeartifact update-repository --repository my-repo --domain $D --domain-owner 000000000000 --upstreams repositoryName=npm-store $E
aws codeartifact login --tool npm --repository my-repo --domain $D --domain-owner 000000000000 $E
cd "$PROJECT" && npm install --save-dev lodash
aws codeartifact list-packages --domain $D --repository my-repo $E
aws codeartifact delete-repository --domain $D --domain-owner 000000000000 --repository my-repo $E
aws codeartifact delete-repository --domain $D --domain-owner 000000000000 --repository npm-store $E
aws codeartifact delete-domain --domain $D --domain-owner 000000000000 $E
`;

const registry = await startFixtureRegistry(tutorialPackages);
const emulator = await startEmulatorProcess(['--npmjs-url', registry.url]);
const times: { harness: number[]; script: number[] } = { harness: [], script: [] };
try {
  for (let i = 0; i < runs; i++) {
    // The shell script, in a sandbox of its own.
    const dir = mkdtempSync(join(tmpdir(), 'cc-bench-script-'));
    mkdirSync(join(dir, 'project'));
    writeFileSync(join(dir, 'project', 'package.json'), '{"name":"tutorial-project","version":"1.0.0","private":true}\n');
    writeFileSync(join(dir, '.npmrc'), '');
    let started = performance.now();
    const script = await execa('bash', ['-c', SCRIPT], {
      reject: false,
      all: true,
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
        DOMAIN: `bench-script-${i}`,
        PROJECT: join(dir, 'project'),
      },
      extendEnv: false,
    });
    times.script.push(performance.now() - started);
    rmSync(dir, { recursive: true, force: true });
    if (script.exitCode !== 0) throw new Error(`the plain script failed:\n${script.all}`);

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
      `run ${i + 1}: script ${(times.script[i]! / 1000).toFixed(1)} s, harness ${(times.harness[i]! / 1000).toFixed(1)} s\n`,
    );
  }
} finally {
  await emulator.stop();
  await registry.close();
}

const script = median(times.script);
const harness = median(times.harness);
const result = {
  runs,
  machine: '2 shared cores; both sides use the same emulator and fixture registry on 127.0.0.1',
  scriptMs: times.script.map(Math.round),
  harnessMs: times.harness.map(Math.round),
  medianScriptMs: Math.round(script),
  medianHarnessMs: Math.round(harness),
  overhead: Number((harness / script - 1).toFixed(3)),
};
process.stdout.write(
  `\nmedian of ${runs}: plain script ${(script / 1000).toFixed(2)} s, harness ${(harness / 1000).toFixed(2)} s, overhead ${(result.overhead * 100).toFixed(1)} %\n`,
);
mkdirSync(join(ROOT, 'reports', 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'reports', 'bench', 'conformance.json'), `${JSON.stringify(result, null, 2)}\n`);
