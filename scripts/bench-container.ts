/**
 * `npm run bench:container [-- --starts 5] [--runs 1] [--skip-cold] [--skip-builds] [--runtimes container,process]`
 *
 * The emulator in a container beside the emulator as a local process:
 *  - image build time, cold (no image, no staging folder, no layer cache; npm's own cache is
 *    kept, as on any machine that ran npm ci) and warm (nothing changed), for the FROM-scratch
 *    image and for emulator/Dockerfile on the local base;
 *  - image sizes;
 *  - start-to-ready: from the start call to the ready line (median of --starts);
 *  - a full conformance run of the tutorial scenario (`npx playwright test --project=conformance
 *    tests/conformance/tutorial.spec.ts`) with CONFORMANCE_EMULATOR_RUNTIME=container and
 *    =process, runs interleaved, public:npmjs on the fixture registry so neither waits on the
 *    network (median of --runs).
 * Results go to reports/bench/container.json.
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './bench-measure.ts';
import {
  DOCKERFILE_IMAGE,
  EMULATOR_IMAGE,
  LOCAL_BASE_IMAGE,
  buildEmulatorImage,
  containerEngine,
  dockerCli,
  startEmulatorContainer,
  type EmulatorContainer,
} from '../helpers/target/emulator-container.ts';
import { startEmulatorProcess, type EmulatorProcess } from '../helpers/target/emulator-process.ts';
import { startFixtureRegistry, tutorialPackages } from '../tests/support/fixture-registry.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function fail(message: string): never {
  process.stderr.write(`bench:container: ${message}\n`);
  process.exit(2);
}

let values: { starts?: string; runs?: string; 'skip-cold'?: boolean; 'skip-builds'?: boolean; runtimes?: string };
try {
  ({ values } = parseArgs({
    options: {
      starts: { type: 'string', default: '5' },
      runs: { type: 'string', default: '1' },
      'skip-cold': { type: 'boolean' },
      'skip-builds': { type: 'boolean' },
      runtimes: { type: 'string', default: 'container,process' },
    },
    strict: true,
  }));
} catch (err) {
  fail(
    `${(err as Error).message}\nusage: npm run bench:container -- [--starts 5] [--runs 1] [--skip-cold] [--skip-builds] [--runtimes container,process]`,
  );
}
const runtimes = values.runtimes!.split(',').filter(Boolean);
if (runtimes.length === 0 || runtimes.some((r) => r !== 'container' && r !== 'process'))
  fail(`--runtimes '${values.runtimes}' is not a list of container and process`);
const starts = Number(values.starts);
const runs = Number(values.runs);
if (!Number.isInteger(starts) || starts < 1) fail(`--starts '${values.starts}' is not a positive whole number`);
if (!Number.isInteger(runs) || runs < 0) fail(`--runs '${values.runs}' is not a whole number (0 skips the conformance runs)`);
const engine = await containerEngine();
if (!engine.ok) fail(`no container engine answers (${engine.reason}); start one (dockerd --bridge=none --iptables=false) first`);
const docker = dockerCli()!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const log = (line: string) => process.stdout.write(`${line}\n`);

const result: Record<string, unknown> = {
  machine: '2 shared cores, loaded by other work; medians; one engine (docker from Debian, no bridge, host network)',
};

// ---- image builds
async function removeImages(images: string[]): Promise<void> {
  await execa(docker, ['rmi', '-f', ...images], { reject: false });
  rmSync(join(ROOT, '.cache', 'emulator-image', 'scratch'), { recursive: true, force: true });
  rmSync(join(ROOT, '.cache', 'emulator-image', 'base'), { recursive: true, force: true });
}
const builds: Record<string, { coldMs?: number; warmMs: number; sizeMB: number }> = {};
for (const variant of values['skip-builds'] ? [] : (['scratch', 'dockerfile'] as const)) {
  const image = variant === 'scratch' ? EMULATOR_IMAGE : DOCKERFILE_IMAGE;
  let coldMs: number | undefined;
  if (!values['skip-cold']) {
    await removeImages(variant === 'scratch' ? [image] : [image, LOCAL_BASE_IMAGE]);
    coldMs = (await buildEmulatorImage({ variant })).buildMs;
  }
  const warm = await buildEmulatorImage({ variant });
  builds[image] = { ...(coldMs !== undefined ? { coldMs } : {}), warmMs: warm.buildMs, sizeMB: Number((warm.sizeBytes / 1e6).toFixed(1)) };
  log(`${image}: build ${coldMs !== undefined ? `cold ${s(coldMs)}, ` : ''}warm ${s(warm.buildMs)}; size ${builds[image]!.sizeMB} MB`);
}
result.builds = builds;

// ---- start-to-ready, interleaved
const registry = await startFixtureRegistry(tutorialPackages);
const ready: { container: number[]; process: number[] } = { container: [], process: [] };
try {
  for (let i = 0; i < starts; i++) {
    let t = performance.now();
    const c: EmulatorContainer = await startEmulatorContainer(['--npmjs-url', registry.url], { runId: `bench${i}` });
    ready.container.push(performance.now() - t);
    await c.stop();
    t = performance.now();
    const p: EmulatorProcess = await startEmulatorProcess(['--npmjs-url', registry.url]);
    ready.process.push(performance.now() - t);
    await p.stop();
  }
  result.startToReadyMs = {
    container: ready.container.map(Math.round),
    process: ready.process.map(Math.round),
    medianContainer: Math.round(median(ready.container)),
    medianProcess: Math.round(median(ready.process)),
  };
  log(`start-to-ready, median of ${starts}: container ${s(median(ready.container))}, process ${s(median(ready.process))}`);

  // ---- full conformance runs, interleaved
  const full: { container: number[]; process: number[] } = { container: [], process: [] };
  const failures: string[] = [];
  for (let i = 0; i < runs; i++) {
    for (const runtime of runtimes as ('container' | 'process')[]) {
      const reports = mkdtempSync(join(tmpdir(), 'cc-bench-container-'));
      const t = performance.now();
      const run = await execa('npx', ['playwright', 'test', '--project=conformance', 'tests/conformance/tutorial.spec.ts'], {
        cwd: ROOT,
        reject: false,
        all: true,
        env: {
          CONFORMANCE_TARGET: 'emulator',
          CONFORMANCE_EMULATOR_RUNTIME: runtime,
          CONFORMANCE_NPMJS_URL: registry.url,
          CONFORMANCE_REPORTS_DIR: reports,
          CI: '',
        },
      });
      rmSync(reports, { recursive: true, force: true });
      // A failed run's time says nothing about the runtime: it is left out, and said.
      if (run.exitCode !== 0) {
        const why =
          String(run.all)
            .split('\n')
            .find((l) => /Error:/.test(l))
            ?.trim() ?? `exit ${run.exitCode}`;
        failures.push(`run ${i + 1}, ${runtime}: ${why}`);
        log(`conformance run ${i + 1}, ${runtime}: FAILED (${why})`);
        continue;
      }
      full[runtime].push(performance.now() - t);
      log(`conformance run ${i + 1}, ${runtime}: ${s(full[runtime].at(-1)!)}`);
    }
  }
  if (runs > 0) {
    result.conformanceRunMs = {
      container: full.container.map(Math.round),
      process: full.process.map(Math.round),
      medianContainer: Math.round(median(full.container)),
      medianProcess: Math.round(median(full.process)),
      failures,
    };
    log(
      `full conformance run (tutorial scenario), median of ${runs}: container ${s(median(full.container))}, process ${s(median(full.process))}`,
    );
  }
} finally {
  await registry.close();
}

mkdirSync(join(ROOT, 'reports', 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'reports', 'bench', 'container.json'), `${JSON.stringify(result, null, 2)}\n`);
log('written to reports/bench/container.json');
