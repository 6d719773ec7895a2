/**
 * `npm run bench:control-plane [-- --duration <s>] [--concurrency <n>] [--warmup <s>]`
 *
 * Signed DescribeRepository requests per second and latency (p50, p99) against the emulator
 * process, beside a baseline measured in the same run: a bare `node:http` server in its own
 * process that answers every request with the exact bytes of a real DescribeRepository
 * response. Both targets receive the same freshly SigV4-signed requests from the same undici
 * load generator, so the client-side cost is identical and the ratio shows what the
 * emulator's pipeline costs on top of Node's HTTP stack.
 *
 * Rounds alternate emulator, bare, emulator, bare; each round warms up, then measures for a
 * fixed time. The better round of each target is reported. Only 127.0.0.1 is contacted.
 * Results go to reports/bench/control-plane.json.
 *
 * The same file also runs the baseline server when started with `--bare-server` (internal).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CodeartifactClient, CreateDomainCommand, CreateRepositoryCommand } from '@aws-sdk/client-codeartifact';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Pool } from 'undici';
import { percentile, processCpuSeconds } from './bench-measure.ts';
import { startEmulatorProcess, type EmulatorProcess } from '../helpers/target/emulator-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const REPORT_DIR = `${ROOT}reports/bench`;
const REPORT_FILE = `${REPORT_DIR}/control-plane.json`;

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
/** Plain names, so the query string needs no escaping beyond what both sides agree on. */
const DOMAIN = 'bench-domain';
const REPOSITORY = 'bench-repo';
/** Every PARSE_EVERY-th response of a loop is parsed and its content checked. */
const PARSE_EVERY = 50;
/** Per-request ceiling: a stuck server cannot hold a loop past its time limit for long. */
const REQUEST_TIMEOUT_MS = 5_000;
const BARE_READY = /^bare server listening on (http:\/\/\S+)$/m;

type TargetName = 'emulator' | 'bare';

interface RoundResult {
  round: number;
  target: TargetName;
  requests: number;
  errors: number;
  seconds: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** CPU time the server process used during the measured window (Linux /proc; null elsewhere). */
  serverCpuS: number | null;
  /** Server CPU per successful request, in microseconds: the server's own cost, whatever the client's. */
  serverCpuUsPerReq: number | null;
  /** First few error messages, for diagnosis. */
  errorSamples: string[];
}

interface Options {
  durationS: number;
  warmupS: number;
  concurrency: number;
}

// ---------------------------------------------------------------------------------------
// Baseline server (child process mode)
// ---------------------------------------------------------------------------------------

/** Answers every request with the captured body and content type, ignoring the request. */
async function runBareServer(): Promise<void> {
  const body = Buffer.from(process.env.BENCH_BARE_BODY_B64 ?? '', 'base64');
  const contentType = process.env.BENCH_BARE_CONTENT_TYPE ?? 'application/json';
  const headers = { 'content-type': contentType, 'content-length': String(body.length) };
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`bare server listening on http://127.0.0.1:${port}\n`);
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

interface BareProcess {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Spawns this file in `--bare-server` mode, the same way the emulator is spawned (node --import tsx). */
async function startBareProcess(body: Buffer, contentType: string, timeoutMs = 15_000): Promise<BareProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SELF, '--bare-server'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BENCH_BARE_BODY_B64: body.toString('base64'), BENCH_BARE_CONTENT_TYPE: contentType },
  });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`The bare server did not start within ${timeoutMs} ms. stderr:\n${err}`));
    }, timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = BARE_READY.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The bare server exited with code ${code} before it was ready. stderr:\n${err}`));
    });
  });
  return { url, pid: child.pid, stop };
}

// ---------------------------------------------------------------------------------------
// Signed requests and the load generator
// ---------------------------------------------------------------------------------------

const signer = new SignatureV4({
  service: 'codeartifact',
  region: REGION,
  credentials: CREDENTIALS,
  sha256: Hash.bind(null, 'sha256'),
});

const QUERY = { domain: DOMAIN, 'domain-owner': ACCOUNT, repository: REPOSITORY };
const PATH_AND_QUERY = `/v1/repository?${new URLSearchParams(QUERY).toString()}`;

/** A freshly signed DescribeRepository for the server at `url` (the host header is signed). */
async function signedDescribeRepository(url: URL): Promise<Record<string, string>> {
  const signed = await signer.sign(
    new HttpRequest({
      method: 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/v1/repository',
      query: QUERY,
      headers: { host: url.host },
    }),
  );
  return signed.headers;
}

interface Response {
  status: number;
  contentType: string;
  body: Buffer;
}

async function send(pool: Pool, headers: Record<string, string>): Promise<Response> {
  const res = await pool.request({ method: 'GET', path: PATH_AND_QUERY, headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body };
}

/** Checks the parsed body of a DescribeRepository answer; returns a problem or undefined. */
function checkParsed(body: Buffer): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return `body is not JSON: ${body.toString('utf8').slice(0, 200)}`;
  }
  const repo = (parsed as { repository?: { name?: unknown; domainName?: unknown } }).repository;
  if (repo?.name !== REPOSITORY || repo.domainName !== DOMAIN) {
    return `unexpected body: ${body.toString('utf8').slice(0, 200)}`;
  }
  return undefined;
}

interface LoadStats {
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
  errorSamples: string[];
}

/**
 * `concurrency` loops, each sending one signed request at a time until `seconds` have passed.
 * Latency covers dispatch to last body byte (signing happens before the clock starts).
 */
async function runLoad(url: URL, concurrency: number, seconds: number, expectedContentType: string): Promise<LoadStats> {
  const pool = new Pool(url.origin, {
    connections: concurrency,
    pipelining: 1,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const stats: LoadStats = { requests: 0, errors: 0, seconds: 0, latenciesMs: [], errorSamples: [] };
  const fail = (message: string) => {
    stats.errors += 1;
    if (stats.errorSamples.length < 5) stats.errorSamples.push(message);
  };
  const start = performance.now();
  const deadline = start + seconds * 1000;

  const loop = async () => {
    let n = 0;
    while (performance.now() < deadline) {
      const headers = await signedDescribeRepository(url);
      const t0 = performance.now();
      try {
        const res = await send(pool, headers);
        const t1 = performance.now();
        n += 1;
        if (res.status !== 200) {
          fail(`HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`);
          continue;
        }
        if (res.contentType !== expectedContentType) {
          fail(`content-type ${res.contentType}`);
          continue;
        }
        const problem = n % PARSE_EVERY === 1 ? checkParsed(res.body) : undefined;
        if (problem) {
          fail(problem);
          continue;
        }
        stats.requests += 1;
        stats.latenciesMs.push(t1 - t0);
      } catch (err) {
        fail((err as Error).message);
        // A refused or reset connection fails instantly; do not spin on it.
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

function summarize(round: number, target: TargetName, s: LoadStats, serverCpuS: number | undefined): RoundResult {
  const sorted = Float64Array.from(s.latenciesMs).sort();
  const sum = s.latenciesMs.reduce((a, b) => a + b, 0);
  return {
    round,
    target,
    requests: s.requests,
    errors: s.errors,
    seconds: round3(s.seconds),
    reqPerSec: round3(s.requests / s.seconds),
    p50Ms: round3(percentile(sorted, 50)),
    p99Ms: round3(percentile(sorted, 99)),
    meanMs: round3(sorted.length ? sum / sorted.length : Number.NaN),
    maxMs: round3(sorted.length ? sorted[sorted.length - 1]! : Number.NaN),
    serverCpuS: serverCpuS === undefined ? null : round3(serverCpuS),
    serverCpuUsPerReq: serverCpuS === undefined || s.requests === 0 ? null : round3((serverCpuS / s.requests) * 1e6),
    errorSamples: s.errorSamples,
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

// ---------------------------------------------------------------------------------------
// Setup, rounds, report
// ---------------------------------------------------------------------------------------

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '16' },
    },
    strict: true,
  });
  const durationS = Number(values.duration);
  const warmupS = Number(values.warmup);
  const concurrency = Number(values.concurrency);
  const usage = 'usage: npm run bench:control-plane -- [--duration <s>] [--warmup <s>] [--concurrency <n>]';
  if (!(durationS > 0 && durationS <= 600)) throw new Error(`--duration '${values.duration}' must be seconds in (0, 600].\n${usage}`);
  if (!(warmupS >= 0 && warmupS <= 60)) throw new Error(`--warmup '${values.warmup}' must be seconds in [0, 60].\n${usage}`);
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 1024)) {
    throw new Error(`--concurrency '${values.concurrency}' must be an integer in [1, 1024].\n${usage}`);
  }
  return { durationS, warmupS, concurrency };
}

async function createFixtures(endpoint: string): Promise<void> {
  const client = new CodeartifactClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  try {
    await client.send(new CreateDomainCommand({ domain: DOMAIN }));
    await client.send(new CreateRepositoryCommand({ domain: DOMAIN, domainOwner: ACCOUNT, repository: REPOSITORY }));
  } finally {
    client.destroy();
  }
}

/** One real DescribeRepository answer from the emulator: what the bare server will replay. */
async function captureResponse(url: URL): Promise<Response> {
  const pool = new Pool(url.origin, { connections: 1 });
  try {
    const res = await send(pool, await signedDescribeRepository(url));
    if (res.status !== 200) throw new Error(`DescribeRepository answered HTTP ${res.status}: ${res.body.toString('utf8')}`);
    const problem = checkParsed(res.body);
    if (problem) throw new Error(`DescribeRepository: ${problem}`);
    return res;
  } finally {
    await pool.close();
  }
}

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

function table(rows: { label: string; r: RoundResult }[]): string {
  const header = ['target', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU us/req'];
  const body = rows.map(({ label, r }) => [
    label,
    String(r.requests),
    fmt(r.reqPerSec, 0),
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 2),
    String(r.errors),
    fmt(r.serverCpuUsPerReq ?? Number.NaN, 1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const cores = os.availableParallelism();
  const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  const loadBefore = os.loadavg().map(round3);
  console.log(
    `bench:control-plane - signed DescribeRepository, ${opts.concurrency} concurrent clients, ` +
      `${opts.warmupS} s warm-up + ${opts.durationS} s per round, rounds emulator/bare/emulator/bare`,
  );
  console.log(
    `machine: ${cores} cores (${cpuModel}), Node ${process.version}. The load generator runs on the same ` +
      `${cores} cores as the server under test, so absolute numbers are a lower bound; compare the ratio.`,
  );
  console.log(`load average before: ${loadBefore.join(' ')} (other work on the machine skews both targets)`);

  let emulator: EmulatorProcess | undefined;
  let bare: BareProcess | undefined;
  const stopAll = async () => {
    const e = emulator;
    const b = bare;
    emulator = undefined;
    bare = undefined;
    await Promise.allSettled([e?.stop(), b?.stop()]);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    emulator = await startEmulatorProcess();
    const emulatorUrl = new URL(emulator.url);
    await createFixtures(emulator.url);
    const captured = await captureResponse(emulatorUrl);
    bare = await startBareProcess(captured.body, captured.contentType);
    const bareUrl = new URL(bare.url);
    console.log(`emulator ${emulator.url}, bare ${bare.url}, body ${captured.body.length} bytes (${captured.contentType})\n`);

    const order: TargetName[] = ['emulator', 'bare', 'emulator', 'bare'];
    const rounds: RoundResult[] = [];
    for (const [i, target] of order.entries()) {
      const url = target === 'emulator' ? emulatorUrl : bareUrl;
      const pid = target === 'emulator' ? emulator.child.pid : bare.pid;
      if (opts.warmupS > 0) await runLoad(url, opts.concurrency, opts.warmupS, captured.contentType);
      const cpuBefore = processCpuSeconds(pid);
      const stats = await runLoad(url, opts.concurrency, opts.durationS, captured.contentType);
      const cpuAfter = processCpuSeconds(pid);
      const serverCpuS = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
      const r = summarize(i + 1, target, stats, serverCpuS);
      rounds.push(r);
      console.log(
        `round ${r.round} ${target.padEnd(8)} ${fmt(r.reqPerSec, 0)} req/s, p50 ${fmt(r.p50Ms, 2)} ms, ` +
          `p99 ${fmt(r.p99Ms, 2)} ms, ${r.errors} errors, server CPU ${fmt(r.serverCpuUsPerReq ?? Number.NaN, 1)} us/req ` +
          `(${fmt(r.serverCpuS === null ? Number.NaN : (100 * r.serverCpuS) / r.seconds, 0)} % of one core)`,
      );
      for (const sample of r.errorSamples) console.log(`  error: ${sample}`);
    }

    const best = (t: TargetName) => rounds.filter((r) => r.target === t).reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a));
    const bestEmulator = best('emulator');
    const bestBare = best('bare');
    const throughputRatio = bestEmulator.reqPerSec / bestBare.reqPerSec;
    const p50Ratio = bestEmulator.p50Ms / bestBare.p50Ms;

    console.log('\nbest round of each target:');
    console.log(
      table([
        { label: 'emulator', r: bestEmulator },
        { label: 'bare node:http', r: bestBare },
      ]),
    );
    console.log(`\nthroughput emulator/bare: ${fmt(throughputRatio, 3)} (${fmt(throughputRatio * 100, 1)} %)`);
    console.log(`p50 latency emulator/bare: ${fmt(p50Ratio, 2)}x`);
    const cpuRatio =
      bestEmulator.serverCpuUsPerReq !== null && bestBare.serverCpuUsPerReq !== null
        ? bestEmulator.serverCpuUsPerReq / bestBare.serverCpuUsPerReq
        : Number.NaN;
    console.log(`server CPU per request emulator/bare: ${fmt(cpuRatio, 1)}x`);
    if (bestBare.serverCpuS !== null && bestBare.serverCpuS / bestBare.seconds < 0.8) {
      console.log(
        `note: the bare server used only ${fmt((100 * bestBare.serverCpuS) / bestBare.seconds, 0)} % of one core, so its ` +
          'throughput is bounded by the load generator (signing + undici on the shared cores), not by the server.',
      );
    }

    const loadAfter = os.loadavg().map(round3);
    console.log(`load average after: ${loadAfter.join(' ')}`);
    const totalErrors = rounds.reduce((a, r) => a + r.errors, 0);
    const emulatorStderr = emulator.stderr().trim();
    if (emulatorStderr) console.log(`\nemulator stderr:\n${emulatorStderr.slice(0, 2000)}`);

    await mkdir(REPORT_DIR, { recursive: true });
    const report = {
      benchmark: 'control-plane',
      operation: 'DescribeRepository (GET /v1/repository, SigV4-signed per request)',
      date: new Date().toISOString(),
      machine: {
        cores,
        cpuModel,
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        loadGeneratorSharesCores: true,
        loadavgBefore: loadBefore,
        loadavgAfter: loadAfter,
      },
      options: { ...opts, order, parseEvery: PARSE_EVERY, requestTimeoutMs: REQUEST_TIMEOUT_MS },
      responseBytes: captured.body.length,
      rounds,
      best: { emulator: bestEmulator, bare: bestBare },
      ratio: {
        throughputEmulatorOverBare: round3(throughputRatio),
        p50EmulatorOverBare: round3(p50Ratio),
        serverCpuPerRequestEmulatorOverBare: Number.isFinite(cpuRatio) ? round3(cpuRatio) : null,
      },
      totalErrors,
    };
    await writeFile(REPORT_FILE, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwrote ${REPORT_FILE.slice(ROOT.length)}`);
    if (totalErrors > 0) process.exitCode = 1;
  } finally {
    await stopAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (process.argv.includes('--bare-server')) {
  await runBareServer();
} else {
  try {
    await main();
  } catch (err) {
    process.stderr.write(`bench:control-plane: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
