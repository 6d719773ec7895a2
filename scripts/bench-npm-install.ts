/**
 * `npm run bench:npm-install [-- --runs <n>] [--duration <s>] [--concurrency <n>] [--tarball-rounds <n>]`
 *
 * The same WARM `npm install` of a fixed tree (express@4.21.2 + lodash@4.17.21, no lockfile)
 * through three registries, in one run:
 *   (a) the emulator: my-repo -> upstream npm-store -> external connection public:npmjs,
 *       set up through the AWS SDK, with the token and endpoint the tutorial's `login` uses;
 *   (b) Verdaccio 6.8.0, a caching proxy of the same public registry (installed on first use
 *       into the git-ignored .cache/bench/, so the project's default install does not carry it);
 *   (c) the public registry itself (`npm config get registry`), as a reference.
 * "Warm" means the proxy already holds every packument and tarball of the tree (one untimed
 * install through each proxy first), while npm itself starts every run with a fresh, empty
 * cache, so each timed run downloads every packument and tarball from the registry under test.
 * Timed runs are interleaved emulator, verdaccio, direct, emulator, ... and the median of each
 * target is reported.
 *
 * Then tarball GETs per second for the two proxies: the tarball URLs of the installed lockfile
 * (the same paths, rewritten to each proxy's registry URL) are fetched with undici at a fixed
 * concurrency for a fixed time, rounds alternating emulator, verdaccio, ...; the better round
 * of each is reported with its p99 latency.
 *
 * Only the two 127.0.0.1 servers are loaded. The public registry sees the two warm-up
 * installs' fetches (made by the proxies) and the `--runs` direct installs, nothing more: both
 * proxies are told to keep upstream packuments for an hour, so no timed run refreshes them.
 * Results go to reports/bench/npm-install.json.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AssociateExternalConnectionCommand,
  CodeartifactClient,
  CreateDomainCommand,
  CreateRepositoryCommand,
  GetAuthorizationTokenCommand,
  GetRepositoryEndpointCommand,
} from '@aws-sdk/client-codeartifact';
import { Pool } from 'undici';
import { median, percentile, processCpuSeconds } from './bench-measure.ts';
import { startEmulatorProcess, type EmulatorProcess } from '../helpers/target/emulator-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPORT_DIR = `${ROOT}reports/bench`;
const REPORT_FILE = `${REPORT_DIR}/npm-install.json`;
const VERDACCIO_VERSION = '6.8.0';
const VERDACCIO_PREFIX = `${ROOT}.cache/bench/verdaccio-${VERDACCIO_VERSION}`;
const VERDACCIO_BIN = `${VERDACCIO_PREFIX}/node_modules/verdaccio/bin/verdaccio`;

/**
 * Verdaccio is the baseline of this benchmark only: it comes in here, on first use, rather than
 * with `npm ci`, which stays what the README's two commands need.
 */
async function ensureVerdaccio(): Promise<void> {
  if (existsSync(VERDACCIO_BIN)) return;
  console.log(`installing Verdaccio ${VERDACCIO_VERSION} into ${VERDACCIO_PREFIX.slice(ROOT.length)} (first use)`);
  await mkdir(VERDACCIO_PREFIX, { recursive: true });
  await writeFile(path.join(VERDACCIO_PREFIX, 'package.json'), '{"private":true}\n');
  const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `verdaccio@${VERDACCIO_VERSION}`], {
    cwd: VERDACCIO_PREFIX,
    stdio: 'inherit',
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0 || !existsSync(VERDACCIO_BIN)) {
    throw new Error(
      `npm install verdaccio@${VERDACCIO_VERSION} in ${VERDACCIO_PREFIX} failed (exit ${code}); the benchmark needs it as its baseline.`,
    );
  }
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const DOMAIN = 'my-domain';
const REPOSITORY = 'my-repo';
const STORE = 'npm-store';

/** The fixed tree: exact pins, so every target resolves the same packages. */
const TREE: Record<string, string> = { express: '4.21.2', lodash: '4.17.21' };

/** How long both proxies keep an upstream packument: far longer than the whole run. */
const UPSTREAM_TTL_MS = 3_600_000;
/** Per-request ceiling of the tarball load: a stuck server cannot hold a loop for long. */
const REQUEST_TIMEOUT_MS = 5_000;
/** Every VERIFY_EVERY-th tarball a loop receives is hashed and checked against the lockfile's integrity. */
const VERIFY_EVERY = 25;
/** One npm install may not take longer than this. */
const INSTALL_TIMEOUT_MS = 300_000;

type TargetName = 'emulator' | 'verdaccio' | 'direct';
type ProxyName = Exclude<TargetName, 'direct'>;

interface Options {
  runs: number;
  durationS: number;
  warmupS: number;
  concurrency: number;
  tarballRounds: number;
}

interface Target {
  name: TargetName;
  /** Registry URL npm is pointed at, with a trailing slash. */
  registry: string;
  /** The isolated user config npm runs with. */
  npmrc: string;
  /** Server process whose CPU time is recorded; undefined for the public registry. */
  pid: number | undefined;
  /** Headers a plain HTTP client needs for tarball GETs. */
  headers: Record<string, string>;
}

interface InstallRun {
  round: number;
  target: TargetName;
  seconds: number;
  packages: number;
  /** CPU seconds the server process used during the install (Linux /proc; null elsewhere or for direct). */
  serverCpuS: number | null;
}

interface TarballRound {
  round: number;
  target: ProxyName;
  gets: number;
  errors: number;
  seconds: number;
  getsPerSec: number;
  megabytesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  verified: number;
  serverCpuS: number | null;
  serverCpuUsPerGet: number | null;
  errorSamples: string[];
}

// ---------------------------------------------------------------------------------------
// Child processes and clean-up
// ---------------------------------------------------------------------------------------

/** Everything this run started or created, so that an error or a signal can undo it. */
const owned: { emulator?: EmulatorProcess; verdaccio?: VerdaccioProcess; npm?: ChildProcess; tmp?: string } = {};

async function cleanUp(): Promise<void> {
  const { emulator, verdaccio, npm, tmp } = owned;
  owned.emulator = undefined;
  owned.verdaccio = undefined;
  owned.npm = undefined;
  owned.tmp = undefined;
  await Promise.allSettled([stopChild(npm), emulator?.stop(), verdaccio?.stop()]);
  if (tmp) await rm(tmp, { recursive: true, force: true, maxRetries: 3 });
}

/** SIGTERM, then SIGKILL after `graceMs` (npm keeps running on SIGTERM mid-install); resolves when it has exited. */
async function stopChild(child: ChildProcess | undefined, graceMs = 2_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

interface VerdaccioProcess {
  url: string;
  pid: number | undefined;
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function verdaccioConfig(dir: string, uplink: string): string {
  // Everything readable and publishable by anyone, every package proxied to the uplink, the
  // uplink's packuments kept for an hour (default 2 min) so timed runs never refresh them, no
  // web UI, no audit proxy, logs only for warnings and worse.
  return [
    `storage: ${JSON.stringify(path.join(dir, 'storage'))}`,
    'auth:',
    '  htpasswd:',
    `    file: ${JSON.stringify(path.join(dir, 'htpasswd'))}`,
    'uplinks:',
    '  npmjs:',
    `    url: ${JSON.stringify(uplink)}`,
    `    maxage: ${UPSTREAM_TTL_MS / 60_000}m`,
    '    cache: true',
    'packages:',
    "  '**':",
    '    access: $all',
    '    publish: $all',
    '    proxy: npmjs',
    'web:',
    '  enable: false',
    'middlewares:',
    '  audit:',
    '    enabled: false',
    'server:',
    '  keepAliveTimeout: 60',
    'log:',
    '  type: stdout',
    '  format: pretty',
    '  level: warn',
    '',
  ].join('\n');
}

async function startVerdaccio(dir: string, uplink: string, timeoutMs = 30_000): Promise<VerdaccioProcess> {
  await mkdir(path.join(dir, 'storage'), { recursive: true });
  const config = path.join(dir, 'config.yaml');
  await writeFile(config, verdaccioConfig(dir, uplink));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child = spawn(process.execPath, [VERDACCIO_BIN, '--config', config, '--listen', `127.0.0.1:${port}`], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: withoutNpmConfig(process.env),
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const proc: VerdaccioProcess = { url, pid: child.pid, output: () => out, stop: () => stopChild(child, 5_000) };
  owned.verdaccio = proc;
  // Verdaccio at log level warn prints nothing when ready: poll its ping endpoint.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Verdaccio exited (${child.exitCode ?? child.signalCode}) before it was ready. Output:\n${out}`);
    }
    try {
      const res = await fetch(`${url}-/ping`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) return proc;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Verdaccio did not answer ${url}-/ping within ${timeoutMs} ms. Output:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The environment minus npm's own `npm_*` variables (set by `npm run`), which would override the isolated config. */
function withoutNpmConfig(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^npm_/i.test(k)));
}

// ---------------------------------------------------------------------------------------
// The emulator's repositories, token and endpoint
// ---------------------------------------------------------------------------------------

async function setUpEmulator(endpoint: string): Promise<{ registry: string; token: string }> {
  const client = new CodeartifactClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  try {
    await client.send(new CreateDomainCommand({ domain: DOMAIN }));
    await client.send(new CreateRepositoryCommand({ domain: DOMAIN, domainOwner: ACCOUNT, repository: STORE }));
    await client.send(
      new AssociateExternalConnectionCommand({
        domain: DOMAIN,
        domainOwner: ACCOUNT,
        repository: STORE,
        externalConnection: 'public:npmjs',
      }),
    );
    await client.send(
      new CreateRepositoryCommand({ domain: DOMAIN, domainOwner: ACCOUNT, repository: REPOSITORY, upstreams: [{ repositoryName: STORE }] }),
    );
    const { authorizationToken } = await client.send(new GetAuthorizationTokenCommand({ domain: DOMAIN, domainOwner: ACCOUNT }));
    const { repositoryEndpoint } = await client.send(
      new GetRepositoryEndpointCommand({ domain: DOMAIN, domainOwner: ACCOUNT, repository: REPOSITORY, format: 'npm' }),
    );
    if (!authorizationToken || !repositoryEndpoint) throw new Error('GetAuthorizationToken or GetRepositoryEndpoint returned nothing.');
    return { registry: withSlash(repositoryEndpoint), token: authorizationToken };
  } finally {
    client.destroy();
  }
}

const withSlash = (u: string) => (u.endsWith('/') ? u : `${u}/`);

/** `//host:port/path/` as npm keys per-registry settings (what `aws codeartifact login --tool npm` writes). */
function nerfDart(registry: string): string {
  const u = new URL(registry);
  return `//${u.host}${u.pathname}`;
}

// ---------------------------------------------------------------------------------------
// npm install
// ---------------------------------------------------------------------------------------

interface InstallResult {
  seconds: number;
  packages: number;
  /** `resolved` URL -> integrity, for every package of the tree. */
  tarballs: Map<string, string>;
}

/**
 * One `npm install` of TREE in a new project directory with a new, empty cache.
 *
 * Flags, and why: the fresh `--cache` directory is what guarantees that npm fetches every
 * packument and every tarball from the registry under test in every run (there is nothing to
 * revalidate, so `--prefer-online` would change nothing and `--prefer-offline`/`--offline`
 * could not apply); no lockfile and no node_modules means full resolution each time. The
 * lockfile npm writes is read afterwards to check that every `resolved` URL points at the
 * target. `--no-audit` because neither proxy under test should answer (or forward) audit
 * requests and the direct run must not differ; `--no-fund` and `--no-update-notifier` drop
 * the remaining non-install traffic; `--ignore-scripts` because install scripts measure the
 * machine, not the registry (this tree has none anyway). HOME and `--userconfig` are
 * per-run files, and the `npm_*` variables of `npm run` are removed, so nothing from the
 * machine's user config (registry, tokens, omit-lockfile-registry-resolved) leaks in. The
 * machine's global config stays: it carries the CA file the public registry needs here.
 */
async function npmInstall(tmp: string, target: Target, label: string): Promise<InstallResult> {
  const project = path.join(tmp, 'runs', label);
  const cache = path.join(tmp, 'caches', label);
  await mkdir(project, { recursive: true });
  await mkdir(cache, { recursive: true });
  await writeFile(
    path.join(project, 'package.json'),
    `${JSON.stringify({ name: 'bench-npm-install-tree', version: '1.0.0', private: true, dependencies: TREE }, null, 2)}\n`,
  );
  const args = [
    'install',
    '--no-audit',
    '--no-fund',
    '--no-update-notifier',
    '--ignore-scripts',
    '--loglevel=error',
    `--userconfig=${target.npmrc}`,
    `--cache=${cache}`,
  ];
  const env = {
    ...withoutNpmConfig(process.env),
    HOME: path.join(tmp, 'home'),
    npm_config_userconfig: target.npmrc,
    npm_config_cache: cache,
  };
  const t0 = performance.now();
  const child = spawn('npm', args, { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
  owned.npm = child;
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), INSTALL_TIMEOUT_MS);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  const seconds = (performance.now() - t0) / 1000;
  clearTimeout(timer);
  owned.npm = undefined;
  if (code !== 0) throw new Error(`npm install via ${target.name} (${label}) failed (${code ?? signal}):\n${output.slice(-3000)}`);

  const lock = JSON.parse(await readFile(path.join(project, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; resolved?: string; integrity?: string; link?: boolean }>;
  };
  const tarballs = new Map<string, string>();
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '' || entry.link) continue;
    if (!entry.resolved?.startsWith(target.registry) || !entry.integrity) {
      throw new Error(
        `npm install via ${target.name} (${label}): ${key} was resolved to ${entry.resolved ?? 'nothing'}, not under ${target.registry}.`,
      );
    }
    tarballs.set(entry.resolved, entry.integrity);
  }
  for (const [name, version] of Object.entries(TREE)) {
    const installed = JSON.parse(await readFile(path.join(project, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string };
    if (installed.version !== version)
      throw new Error(`npm install via ${target.name} (${label}) installed ${name}@${installed.version}, not ${version}.`);
  }
  await rm(project, { recursive: true, force: true });
  await rm(cache, { recursive: true, force: true });
  return { seconds, packages: tarballs.size, tarballs };
}

// ---------------------------------------------------------------------------------------
// Tarball GETs
// ---------------------------------------------------------------------------------------

interface TarballSpec {
  /** Path below the registry URL, e.g. `express/-/express-4.21.2.tgz`. */
  relative: string;
  /** sha512 digest, base64, from the lockfile. */
  sha512: string;
}

interface LoadStats {
  gets: number;
  errors: number;
  bytes: number;
  verified: number;
  seconds: number;
  latenciesMs: number[];
  errorSamples: string[];
}

/** `concurrency` loops, each GETting the next tarball of the list until `seconds` have passed. */
async function tarballLoad(target: Target, specs: TarballSpec[], concurrency: number, seconds: number): Promise<LoadStats> {
  const base = new URL(target.registry);
  const paths = specs.map((s) => new URL(s.relative, base).pathname);
  const pool = new Pool(base.origin, {
    connections: concurrency,
    pipelining: 1,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const stats: LoadStats = { gets: 0, errors: 0, bytes: 0, verified: 0, seconds: 0, latenciesMs: [], errorSamples: [] };
  const fail = (message: string) => {
    stats.errors += 1;
    if (stats.errorSamples.length < 5) stats.errorSamples.push(message);
  };
  let next = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const loop = async () => {
    let n = 0;
    while (performance.now() < deadline) {
      const i = next++ % specs.length;
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: 'GET', path: paths[i]!, headers: target.headers });
        const body = Buffer.from(await res.body.arrayBuffer());
        const t1 = performance.now();
        n += 1;
        if (res.statusCode !== 200) {
          fail(`HTTP ${res.statusCode} for ${paths[i]}: ${body.toString('utf8').slice(0, 200)}`);
          continue;
        }
        if (n % VERIFY_EVERY === 1) {
          if (createHash('sha512').update(body).digest('base64') !== specs[i]!.sha512) {
            fail(`${paths[i]}: body does not match the lockfile's integrity`);
            continue;
          }
          stats.verified += 1;
        }
        stats.gets += 1;
        stats.bytes += body.length;
        stats.latenciesMs.push(t1 - t0);
      } catch (err) {
        fail(`${paths[i]}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
    stats.seconds = (performance.now() - start) / 1000;
  } finally {
    await pool.close();
  }
  return stats;
}

// ---------------------------------------------------------------------------------------
// Measurement helpers
// ---------------------------------------------------------------------------------------

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function fmt(x: number | null | undefined, digits: number): string {
  return x !== null && x !== undefined && Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function summarizeLoad(round: number, target: ProxyName, s: LoadStats, serverCpuS: number | undefined): TarballRound {
  const sorted = Float64Array.from(s.latenciesMs).sort();
  return {
    round,
    target,
    gets: s.gets,
    errors: s.errors,
    seconds: round3(s.seconds),
    getsPerSec: round3(s.gets / s.seconds),
    megabytesPerSec: round3(s.bytes / s.seconds / 1e6),
    p50Ms: round3(percentile(sorted, 50)),
    p99Ms: round3(percentile(sorted, 99)),
    maxMs: round3(sorted.length ? sorted[sorted.length - 1]! : Number.NaN),
    verified: s.verified,
    serverCpuS: serverCpuS === undefined ? null : round3(serverCpuS),
    serverCpuUsPerGet: serverCpuS === undefined || s.gets === 0 ? null : round3((serverCpuS / s.gets) * 1e6),
    errorSamples: s.errorSamples,
  };
}

// ---------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '16' },
      'tarball-rounds': { type: 'string', default: '2' },
    },
    strict: true,
  });
  const usage =
    'usage: npm run bench:npm-install -- [--runs <n>] [--duration <s>] [--warmup <s>] [--concurrency <n>] [--tarball-rounds <n>]';
  const int = (v: string | undefined, name: string, min: number, max: number) => {
    const n = Number(v);
    if (!(Number.isInteger(n) && n >= min && n <= max))
      throw new Error(`--${name} '${v}' must be an integer in [${min}, ${max}].\n${usage}`);
    return n;
  };
  const durationS = Number(values.duration);
  const warmupS = Number(values.warmup);
  if (!(durationS > 0 && durationS <= 120)) throw new Error(`--duration '${values.duration}' must be seconds in (0, 120].\n${usage}`);
  if (!(warmupS >= 0 && warmupS <= 30)) throw new Error(`--warmup '${values.warmup}' must be seconds in [0, 30].\n${usage}`);
  return {
    // The direct runs reach the public registry: keep their count small.
    runs: int(values.runs, 'runs', 1, 15),
    durationS,
    warmupS,
    concurrency: int(values.concurrency, 'concurrency', 1, 256),
    tarballRounds: int(values['tarball-rounds'], 'tarball-rounds', 1, 10),
  };
}

function machineRegistry(): string {
  const url = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8', timeout: 15_000 }).trim();
  if (!/^https?:\/\//.test(url)) throw new Error(`\`npm config get registry\` answered '${url}', not a registry URL`);
  return withSlash(url);
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const cores = os.availableParallelism();
  const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  const npmVersion = execFileSync('npm', ['--version'], { encoding: 'utf8', env: withoutNpmConfig(process.env) }).trim();
  const publicRegistry = machineRegistry();
  const loadBefore = os.loadavg().map(round3);
  const treeSpec = Object.entries(TREE)
    .map(([n, v]) => `${n}@${v}`)
    .join(' + ');
  console.log(
    `bench:npm-install - warm npm install of ${treeSpec} (no lockfile, empty npm cache per run), ` +
      `${opts.runs} timed runs per target interleaved emulator/verdaccio/direct; then tarball GETs, ` +
      `${opts.concurrency} concurrent, ${opts.warmupS} s warm-up + ${opts.durationS} s per round, ${opts.tarballRounds} round(s) per proxy`,
  );
  console.log(
    `machine: ${cores} cores (${cpuModel}), Node ${process.version}, npm ${npmVersion}. npm, the load generator and ` +
      `both servers share these ${cores} cores, so absolute numbers are a lower bound; compare the ratios.`,
  );
  console.log(`public registry: ${publicRegistry} (Verdaccio's uplink, the emulator's public:npmjs, the direct runs)`);
  console.log(`load average before: ${loadBefore.join(' ')}`);

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-npm-install-'));
  owned.tmp = tmp;
  await mkdir(path.join(tmp, 'home'), { recursive: true });

  // (a) the emulator, set up as the tutorial does.
  const emulator = await startEmulatorProcess(['--npmjs-url', publicRegistry, '--upstream-ttl', String(UPSTREAM_TTL_MS)]);
  owned.emulator = emulator;
  const { registry: emulatorRegistry, token } = await setUpEmulator(emulator.url);
  const emulatorNpmrc = path.join(tmp, 'emulator.npmrc');
  await writeFile(emulatorNpmrc, `registry=${emulatorRegistry}\n${nerfDart(emulatorRegistry)}:_authToken=${token}\n`);

  // (b) Verdaccio.
  await ensureVerdaccio();
  const verdaccio = await startVerdaccio(path.join(tmp, 'verdaccio'), publicRegistry);
  const verdaccioNpmrc = path.join(tmp, 'verdaccio.npmrc');
  await writeFile(verdaccioNpmrc, `registry=${verdaccio.url}\n`);

  // (c) the public registry.
  const directNpmrc = path.join(tmp, 'direct.npmrc');
  await writeFile(directNpmrc, `registry=${publicRegistry}\n`);

  const targets: Record<TargetName, Target> = {
    emulator: {
      name: 'emulator',
      registry: emulatorRegistry,
      npmrc: emulatorNpmrc,
      pid: emulator.child.pid,
      headers: { authorization: `Bearer ${token}` },
    },
    verdaccio: { name: 'verdaccio', registry: verdaccio.url, npmrc: verdaccioNpmrc, pid: verdaccio.pid, headers: {} },
    direct: { name: 'direct', registry: publicRegistry, npmrc: directNpmrc, pid: undefined, headers: {} },
  };
  console.log(`emulator ${emulatorRegistry}\nverdaccio ${verdaccio.url}\n`);

  // Untimed warm-up: each proxy fetches the whole tree from the public registry once.
  const warm: Partial<Record<ProxyName, InstallResult>> = {};
  for (const name of ['emulator', 'verdaccio'] as const) {
    const r = await npmInstall(tmp, targets[name], `warm-${name}`);
    warm[name] = r;
    console.log(`warm-up ${name.padEnd(9)} ${fmt(r.seconds, 2)} s (cold proxy, untimed), ${r.packages} packages`);
  }

  // The tarball set: the lockfile's paths below each proxy's registry URL, identical for both.
  const relativeSet = (name: ProxyName) =>
    new Map([...warm[name]!.tarballs].map(([url, integrity]) => [url.slice(targets[name].registry.length), integrity]));
  const emulatorSet = relativeSet('emulator');
  const verdaccioSet = relativeSet('verdaccio');
  const same = emulatorSet.size === verdaccioSet.size && [...emulatorSet.keys()].every((k) => verdaccioSet.has(k));
  if (!same) throw new Error('The emulator and Verdaccio resolved different trees; the comparison would be meaningless.');
  const specs: TarballSpec[] = [...emulatorSet].map(([relative, integrity]) => {
    const sha512 = integrity.split(/\s+/).find((s) => s.startsWith('sha512-'));
    if (!sha512) throw new Error(`${relative} has no sha512 integrity in the lockfile (${integrity}).`);
    return { relative, sha512: sha512.slice('sha512-'.length) };
  });

  // Timed installs, interleaved.
  const order: TargetName[] = ['emulator', 'verdaccio', 'direct'];
  const runs: InstallRun[] = [];
  console.log('');
  for (let round = 1; round <= opts.runs; round += 1) {
    for (const name of order) {
      const target = targets[name];
      const cpuBefore = processCpuSeconds(target.pid);
      const r = await npmInstall(tmp, target, `${name}-${round}`);
      const cpuAfter = processCpuSeconds(target.pid);
      const serverCpuS = cpuBefore === undefined || cpuAfter === undefined ? null : round3(cpuAfter - cpuBefore);
      if (r.packages !== specs.length)
        throw new Error(`${name} run ${round} installed ${r.packages} packages, the warm-up ${specs.length}.`);
      runs.push({ round, target: name, seconds: round3(r.seconds), packages: r.packages, serverCpuS });
      console.log(`run ${round} ${name.padEnd(9)} ${fmt(r.seconds, 2)} s, ${r.packages} packages, server CPU ${fmt(serverCpuS, 2)} s`);
    }
  }

  // Tarball GETs, rounds alternating.
  const tarballRounds: TarballRound[] = [];
  console.log(`\ntarball GETs over ${specs.length} tarballs:`);
  let n = 0;
  for (let round = 1; round <= opts.tarballRounds; round += 1) {
    for (const name of ['emulator', 'verdaccio'] as const) {
      const target = targets[name];
      if (opts.warmupS > 0) await tarballLoad(target, specs, opts.concurrency, opts.warmupS);
      const cpuBefore = processCpuSeconds(target.pid);
      const stats = await tarballLoad(target, specs, opts.concurrency, opts.durationS);
      const cpuAfter = processCpuSeconds(target.pid);
      const r = summarizeLoad((n += 1), name, stats, cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore);
      tarballRounds.push(r);
      console.log(
        `round ${r.round} ${name.padEnd(9)} ${fmt(r.getsPerSec, 0)} GETs/s (${fmt(r.megabytesPerSec, 1)} MB/s), p50 ${fmt(r.p50Ms, 2)} ms, ` +
          `p99 ${fmt(r.p99Ms, 2)} ms, ${r.errors} errors, ${r.verified} verified, server CPU ${fmt(r.serverCpuUsPerGet, 0)} us/GET`,
      );
      for (const sample of r.errorSamples) console.log(`  error: ${sample}`);
    }
  }

  // Summary.
  const installOf = (t: TargetName) => runs.filter((r) => r.target === t);
  const summary = Object.fromEntries(
    order.map((t) => {
      const rs = installOf(t);
      const secs = rs.map((r) => r.seconds);
      const cpus = rs.map((r) => r.serverCpuS).filter((x): x is number => x !== null);
      return [
        t,
        {
          medianS: round3(median(secs)),
          minS: round3(Math.min(...secs)),
          maxS: round3(Math.max(...secs)),
          medianServerCpuS: cpus.length ? round3(median(cpus)) : null,
        },
      ];
    }),
  ) as Record<TargetName, { medianS: number; minS: number; maxS: number; medianServerCpuS: number | null }>;
  const bestLoad = (t: ProxyName) => tarballRounds.filter((r) => r.target === t).reduce((a, b) => (b.getsPerSec > a.getsPerSec ? b : a));
  const best = { emulator: bestLoad('emulator'), verdaccio: bestLoad('verdaccio') };

  const installRatio = summary.emulator.medianS / summary.verdaccio.medianS;
  const getsRatio = best.emulator.getsPerSec / best.verdaccio.getsPerSec;
  const p99Ratio = best.emulator.p99Ms / best.verdaccio.p99Ms;

  console.log(`\nnpm install (${specs.length} packages), median of ${opts.runs}; tarball GETs, best of ${opts.tarballRounds} round(s):`);
  console.log(
    table(
      ['target', 'install median s', 'min s', 'max s', 'server CPU s/install', 'tarball GETs/s', 'GET p99 ms', 'server CPU us/GET'],
      order.map((t) => {
        const load = t === 'direct' ? undefined : best[t];
        return [
          t === 'direct' ? `direct (${new URL(publicRegistry).host})` : t,
          fmt(summary[t].medianS, 2),
          fmt(summary[t].minS, 2),
          fmt(summary[t].maxS, 2),
          fmt(summary[t].medianServerCpuS, 2),
          load ? fmt(load.getsPerSec, 0) : '-',
          load ? fmt(load.p99Ms, 2) : '-',
          load ? fmt(load.serverCpuUsPerGet, 0) : '-',
        ];
      }),
    ),
  );
  console.log(`\ninstall median emulator/verdaccio: ${fmt(installRatio, 2)}x (above 1: the emulator is slower)`);
  console.log(
    `install median emulator/direct: ${fmt(summary.emulator.medianS / summary.direct.medianS, 2)}x, verdaccio/direct: ${fmt(summary.verdaccio.medianS / summary.direct.medianS, 2)}x`,
  );
  console.log(
    `tarball GETs/s emulator/verdaccio: ${fmt(getsRatio, 2)}x (below 1: the emulator is slower); p99 emulator/verdaccio: ${fmt(p99Ratio, 2)}x`,
  );
  console.log(`note: ${cores} shared cores: npm (or the load generator) competes with the server under test for CPU.`);

  const loadAfter = os.loadavg().map(round3);
  console.log(`load average after: ${loadAfter.join(' ')}`);
  const totalErrors = tarballRounds.reduce((a, r) => a + r.errors, 0);
  const emulatorStderr = emulator.stderr().trim();
  if (emulatorStderr) console.log(`\nemulator stderr:\n${emulatorStderr.slice(0, 2000)}`);
  const verdaccioOutput = verdaccio.output().trim();
  if (verdaccioOutput) console.log(`\nverdaccio output (level warn):\n${verdaccioOutput.slice(0, 2000)}`);

  await mkdir(REPORT_DIR, { recursive: true });
  const report = {
    benchmark: 'npm-install',
    date: new Date().toISOString(),
    machine: {
      cores,
      cpuModel,
      node: process.version,
      npm: npmVersion,
      platform: `${os.platform()} ${os.release()}`,
      sharedCores: true,
      loadavgBefore: loadBefore,
      loadavgAfter: loadAfter,
    },
    tree: TREE,
    packages: specs.length,
    publicRegistry,
    options: { ...opts, order, upstreamTtlMs: UPSTREAM_TTL_MS, verifyEvery: VERIFY_EVERY, requestTimeoutMs: REQUEST_TIMEOUT_MS },
    targets: {
      emulator: { registry: emulatorRegistry, setup: `${REPOSITORY} -> upstream ${STORE} -> public:npmjs` },
      verdaccio: { registry: verdaccio.url, version: '6.8.0' },
      direct: { registry: publicRegistry },
    },
    warmup: { emulatorS: round3(warm.emulator!.seconds), verdaccioS: round3(warm.verdaccio!.seconds) },
    install: { runs, summary },
    tarballGets: { rounds: tarballRounds, best },
    ratio: {
      installMedianEmulatorOverVerdaccio: round3(installRatio),
      installMedianEmulatorOverDirect: round3(summary.emulator.medianS / summary.direct.medianS),
      installMedianVerdaccioOverDirect: round3(summary.verdaccio.medianS / summary.direct.medianS),
      tarballGetsPerSecEmulatorOverVerdaccio: round3(getsRatio),
      tarballP99EmulatorOverVerdaccio: round3(p99Ratio),
    },
    totalErrors,
  };
  await writeFile(REPORT_FILE, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${REPORT_FILE.slice(ROOT.length)}`);
  if (totalErrors > 0) process.exitCode = 1;
}

let interrupted: NodeJS.Signals | undefined;
const onSignal = (signal: NodeJS.Signals) => {
  interrupted = signal;
  process.stderr.write(`bench:npm-install: ${signal}, stopping the emulator, Verdaccio and npm, removing temp files\n`);
  void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
try {
  await main();
} catch (err) {
  // After a signal, the failure is the clean-up killing npm or a server: not worth a stack.
  if (!interrupted) process.stderr.write(`bench:npm-install: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanUp();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
