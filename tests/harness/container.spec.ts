/**
 * The emulator's container, for real: the image is built here without any image registry (both
 * the FROM-scratch image and emulator/Dockerfile on a local base), runs on the host network and
 * reaches the fixture registry, the runtime choice says what it chose and why, and no container
 * outlives its run: Ctrl-C and a failing run remove theirs, SIGKILL leaves it to `npm run sweep`.
 * The tutorial itself runs in the container in the conformance-container projects.
 */
import {
  AssociateExternalConnectionCommand,
  CodeartifactClient,
  CreateDomainCommand,
  CreateRepositoryCommand,
  GetAuthorizationTokenCommand,
  GetRepositoryEndpointCommand,
} from '@aws-sdk/client-codeartifact';
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../helpers/run/config.ts';
import {
  DOCKERFILE_IMAGE,
  EMULATOR_IMAGE,
  containerEngine,
  dockerCli,
  emulatorContainersOf,
  startEmulatorContainer,
  type EmulatorContainer,
} from '../../helpers/target/emulator-container.ts';
import { startFixtureRegistry, tutorialPackages, type FixtureRegistry } from '../support/fixture-registry.ts';
import { expect, test } from './fixtures.ts';
import { ROOT, readSummary, startNestedRun } from './nested-run.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const env = () => ({ ...(process.env as Record<string, string>), CONFORMANCE_TARGET: 'emulator' });
const freshRunId = (what: string) => `${what}${Date.now().toString(36)}`.slice(0, 20);

let registry: FixtureRegistry;
test.beforeAll(async () => {
  const engine = await containerEngine();
  test.skip(
    !engine.ok,
    `no container engine answers (${engine.ok ? '' : engine.reason}): start one (dockerd --bridge=none --iptables=false) to run these`,
  );
  registry = await startFixtureRegistry(tutorialPackages);
});
test.afterAll(async () => {
  await registry?.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function inImage(image: string, script: string): Promise<string> {
  const r = await execa(dockerCli()!, ['run', '--rm', '--network', 'host', '--entrypoint', 'node', image, '-e', script]);
  return r.stdout.trim();
}

/** The tutorial's resources on an emulator, then lodash's packument through my-repo: upstream npm-store, public:npmjs. */
async function lodashThroughMyRepo(url: string): Promise<{ status: number; latest: string | undefined }> {
  const client = new CodeartifactClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
  try {
    await client.send(new CreateDomainCommand({ domain: 'my-domain' }));
    await client.send(new CreateRepositoryCommand({ domain: 'my-domain', repository: 'npm-store' }));
    await client.send(
      new AssociateExternalConnectionCommand({ domain: 'my-domain', repository: 'npm-store', externalConnection: 'public:npmjs' }),
    );
    await client.send(
      new CreateRepositoryCommand({ domain: 'my-domain', repository: 'my-repo', upstreams: [{ repositoryName: 'npm-store' }] }),
    );
    const { authorizationToken } = await client.send(new GetAuthorizationTokenCommand({ domain: 'my-domain' }));
    const { repositoryEndpoint } = await client.send(
      new GetRepositoryEndpointCommand({ domain: 'my-domain', repository: 'my-repo', format: 'npm' }),
    );
    const res = await fetch(`${repositoryEndpoint}lodash`, { headers: { authorization: `Bearer ${authorizationToken}` } });
    const body = res.status === 200 ? ((await res.json()) as { 'dist-tags'?: { latest?: string } }) : undefined;
    return { status: res.status, latest: body?.['dist-tags']?.latest };
  } finally {
    client.destroy();
  }
}

test('npm run emulator:image builds the image without any registry, with only what the emulator needs', async ({}, testInfo) => {
  const build = await execa('npm', ['run', 'emulator:image'], { cwd: ROOT, reject: false, all: true });
  await testInfo.attach('npm run emulator:image', { body: String(build.all), contentType: 'text/plain' });
  expect(build.exitCode, String(build.all)).toBe(0);
  const size = Number(/: ([\d.]+) MB in/.exec(String(build.all))?.[1]);
  expect(size, 'image size in MB: Node, its libraries and the emulator').toBeLessThan(200);
  const contents = JSON.parse(
    await inImage(
      EMULATOR_IMAGE,
      `const fs=require('fs');console.log(JSON.stringify({app:fs.readdirSync('/app').sort(),modules:fs.readdirSync('/app/node_modules'),npm:fs.existsSync('/usr/local/bin/npm'),tmp:(fs.statSync('/tmp').mode&0o7777).toString(8)}))`,
    ),
  ) as { app: string[]; modules: string[]; npm: boolean; tmp: string };
  expect(contents.app).toEqual(['emulator', 'node_modules', 'package-lock.json', 'package.json']);
  expect(contents.modules, 'production dependencies').toEqual(expect.arrayContaining(['tsx', 'zod', 'semver', '@smithy']));
  for (const dev of ['@playwright', 'typescript', 'testcontainers', 'verdaccio', '@aws-sdk'])
    expect(contents.modules, 'no dev dependencies').not.toContain(dev);
  expect(contents.npm, 'no npm in the image').toBe(false);
  expect(contents.tmp, 'a writable /tmp').toBe('1777');
});

for (const image of [EMULATOR_IMAGE, DOCKERFILE_IMAGE]) {
  test(`${image}: on the host network, the emulator in its container fetches the tutorial's packages from the fixture registry`, async ({}, testInfo) => {
    if (image === DOCKERFILE_IMAGE) {
      // emulator/Dockerfile, as registry users build it, here on the local Node 20 base.
      test.setTimeout(600_000);
      const build = await execa('npm', ['run', 'emulator:image', '--', '--dockerfile'], { cwd: ROOT, reject: false, all: true });
      await testInfo.attach('npm run emulator:image -- --dockerfile', { body: String(build.all), contentType: 'text/plain' });
      expect(build.exitCode, String(build.all)).toBe(0);
    }
    let container: EmulatorContainer | undefined;
    const runId = freshRunId('probe');
    try {
      container = await startEmulatorContainer(['--npmjs-url', registry.url], { runId, image });
      expect(container.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await lodashThroughMyRepo(container.url)).toEqual({
        status: 200,
        latest: tutorialPackages.find((p) => p.name === 'lodash')!.distTags!.latest,
      });
    } finally {
      await container?.stop();
    }
    expect(await emulatorContainersOf(runId), 'stop() removes the container').toEqual([]);
  });
}

test('CONFORMANCE_EMULATOR_RUNTIME: checked by the config; auto and container say which runtime and why; container without an engine has no verdict', async ({
  scratch,
}) => {
  expect(() => loadConfig({ CONFORMANCE_EMULATOR_RUNTIME: 'docker' })).toThrow(ConfigError);
  expect(() => loadConfig({ CONFORMANCE_EMULATOR_RUNTIME: 'docker' })).toThrow(/CONFORMANCE_EMULATOR_RUNTIME="docker".*auto \(default/);
  expect(() =>
    loadConfig({
      CONFORMANCE_EMULATOR_RUNTIME: 'container',
      CONFORMANCE_TARGET: 'endpoint',
      CONFORMANCE_ENDPOINT_URL: 'http://127.0.0.1:1',
    }),
  ).toThrow(/CONFORMANCE_EMULATOR_RUNTIME=container .* CONFORMANCE_TARGET is endpoint/);
  expect(loadConfig({}).emulatorRuntime).toBe('auto');

  // A small program that opens the target the way a run does and reports what it got.
  const dir = scratch.dir('cc-runtime-');
  const probe = join(dir, 'probe.mts');
  writeFileSync(
    probe,
    `import { loadConfig } from ${JSON.stringify(join(ROOT, 'helpers/run/config.ts'))};
import { openTarget } from ${JSON.stringify(join(ROOT, 'helpers/target/targets.ts'))};
try {
  const target = await openTarget(loadConfig(), ['--npmjs-url', ${JSON.stringify(registry.url)}]);
  await target.stop();
  console.log(JSON.stringify({ description: target.description }));
} catch (err) {
  console.log(JSON.stringify({ error: err.name, message: err.message }));
}
`,
  );
  const open = async (extra: Record<string, string>) => {
    const r = await execa('npx', ['tsx', probe], { cwd: ROOT, env: { ...env(), ...extra }, reject: false, all: true });
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { description?: string; error?: string; message?: string };
  };
  // A daemon that does not answer: testcontainers is pointed at a socket nobody listens on.
  const noEngine = { DOCKER_HOST: `unix://${join(dir, 'no-daemon.sock')}` };

  const [auto, autoWithout, containerWithout] = await Promise.all([
    open({ CONFORMANCE_EMULATOR_RUNTIME: 'auto' }),
    open({ CONFORMANCE_EMULATOR_RUNTIME: 'auto', ...noEngine }),
    open({ CONFORMANCE_EMULATOR_RUNTIME: 'container', ...noEngine }),
  ]);
  expect(auto.description).toMatch(
    /^the project's emulator in a container \(image codeartifact-emulator:conformance, host network, Ryuk off: the harness removes its own containers\) at http:\/\/127\.0\.0\.1:\d+; CONFORMANCE_EMULATOR_RUNTIME=auto: engine .* answers, image codeartifact-emulator:conformance /,
  );
  expect(autoWithout.description).toMatch(
    /^the project's emulator, a local process at http:\/\/127\.0\.0\.1:\d+; CONFORMANCE_EMULATOR_RUNTIME=auto, and no container engine answers/,
  );
  expect(containerWithout.error, JSON.stringify(containerWithout)).toBe('InfrastructureError');
  expect(containerWithout.message).toMatch(
    /^CONFORMANCE_EMULATOR_RUNTIME=container, but the emulator cannot run in a container: no container engine answers/,
  );
  expect(containerWithout.message).toMatch(
    /\nFix: Start a container engine .*dockerd --bridge=none --iptables=false.*CONFORMANCE_EMULATOR_RUNTIME=process/,
  );
});

test('a failing container run and a Ctrl-C remove their containers; after SIGKILL, npm run sweep removes them and keeps a live run', async ({
  scratch,
}, testInfo) => {
  test.setTimeout(600_000);
  const runEnv = (runId: string, extra: Record<string, string> = {}) => ({
    ...env(),
    CONFORMANCE_RUN_ID: runId,
    CONFORMANCE_NPMJS_URL: registry.url,
    ...extra,
  });
  const started = (runId: string) =>
    until(
      `a container of run ${runId}`,
      async () => ((await emulatorContainersOf(runId)).some((c) => c.state === 'running') ? true : undefined),
      180_000,
    );

  // A run that fails: the emulator refuses create-domain. Its container goes with it.
  const failing = freshRunId('fail');
  const failed = startNestedRun(
    runEnv(failing, { CONFORMANCE_EMULATOR_ARGS: '--fault error-on=CreateDomain' }),
    ['tests/conformance/tutorial.spec.ts'],
    ['conformance-container'],
    scratch.dir('cc-nested-reports-'),
  );
  const failedResult = await failed.process;
  await testInfo.attach('failing run', { body: String(failedResult.all), contentType: 'text/plain' });
  expect(failedResult.exitCode, 'the run fails').not.toBe(0);
  const summary = readSummary(failed.reportsDir);
  expect(summary?.targetDescription ?? summary?.runs?.[0]?.targetDescription, 'the run says where the emulator ran').toMatch(
    /^the project's emulator in a container/,
  );
  expect(await emulatorContainersOf(failing), 'containers left by the failing run').toEqual([]);

  // Ctrl-C in the middle of the tutorial: the run undoes what it created and stops its container.
  const interrupted = freshRunId('intr');
  const ctrlC = startNestedRun(
    runEnv(interrupted),
    ['tests/conformance/tutorial.spec.ts'],
    ['conformance-container'],
    scratch.dir('cc-nested-reports-'),
  );
  let output = '';
  ctrlC.process.all!.on('data', (d: Buffer) => (output += d.toString()));
  await started(interrupted);
  await until('the first step', async () => (/✓.*\[conformance-container\]/.test(output) ? true : undefined), 180_000);
  process.kill(-ctrlC.process.pid!, 'SIGINT');
  const ctrlCResult = await ctrlC.process;
  await testInfo.attach('interrupted run', { body: String(ctrlCResult.all), contentType: 'text/plain' });
  expect(ctrlCResult.exitCode, 'an interrupted run does not pass').not.toBe(0);
  expect(await emulatorContainersOf(interrupted), 'containers left after Ctrl-C').toEqual([]);

  // SIGKILL: nothing in the run can act, so its container stays until a sweep.
  const killed = freshRunId('kill');
  const kill9 = startNestedRun(
    runEnv(killed),
    ['tests/conformance/tutorial.spec.ts'],
    ['conformance-container'],
    scratch.dir('cc-nested-reports-'),
  );
  await started(killed);
  process.kill(-kill9.process.pid!, 'SIGKILL');
  await kill9.process;
  expect((await emulatorContainersOf(killed)).length, 'SIGKILL leaves the container to the sweep').toBeGreaterThan(0);

  // A run that is still going (this test's process owns it) must survive the sweep.
  const liveRun = freshRunId('live');
  const live = await startEmulatorContainer(['--npmjs-url', registry.url], { runId: liveRun });
  try {
    const sweep = await execa('npm', ['run', 'sweep'], {
      cwd: ROOT,
      env: { ...env(), CONFORMANCE_TARGET: 'emulator' },
      reject: false,
      all: true,
    });
    await testInfo.attach('npm run sweep', { body: String(sweep.all), contentType: 'text/plain' });
    expect(sweep.exitCode, String(sweep.all)).toBe(0);
    expect(String(sweep.all)).toMatch(
      new RegExp(`^ {2}removed emulator container [0-9a-f]{12} \\(run ${killed}, running\\): its run is gone$`, 'm'),
    );
    expect(String(sweep.all)).toContain(`kept emulator container ${live.id.slice(0, 12)}`);
    expect(await emulatorContainersOf(killed), 'containers of the killed run after the sweep').toEqual([]);
    expect(await emulatorContainersOf(liveRun), 'the live run keeps its container').toHaveLength(1);
  } finally {
    await live.stop();
  }
});
