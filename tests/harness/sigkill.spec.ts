/**
 * Nothing is left after any death of the harness. A nested run of the tutorial on the
 * `endpoint` target (a long-lived emulator started here, so what the run created outlives
 * it) is killed with SIGKILL at a tutorial step, then `npm run sweep` runs: 0 domains of the
 * run, 0 sandboxes, 0 ledgers, 0 tokens on disk; a domain the harness did not create is
 * untouched. After SIGTERM the sandbox goes with the run, no sweep needed.
 *
 * The kill lands at an exact moment, never after a sleep: a tripwire proxy in front of the
 * emulator (and one in front of the public registry behind it) lets the service do the step's
 * call, then holds the answer and kills the run before its client hears it. For create-domain
 * that is the worst moment: the domain exists, and the run never got to tag it.
 *
 * The test kills at a few representative steps; CONFORMANCE_SIGKILL_STEPS=all kills at every
 * step of the tutorial (a long run; its numbers go in the closing note), and a comma-separated
 * list of step ids kills at those.
 */
import {
  CreateDomainCommand,
  CreateRepositoryCommand,
  ListDomainsCommand,
  ListRepositoriesInDomainCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-codeartifact';
import { execa } from 'execa';
import { request as httpRequest, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { TAG_HARNESS } from '../../helpers/run/ledger.ts';
import { ownerState, type RunOwner } from '../../helpers/run/owner.ts';
import { codeartifactClient } from '../../helpers/run/sdk.ts';
import { startEmulatorProcess, type EmulatorProcess } from '../../helpers/target/emulator-process.ts';
import { startFixtureRegistry, tutorialPackages, type FixtureRegistry } from '../support/fixture-registry.ts';
import { expect, type Scratch, test } from './fixtures.ts';
import { filesUnder, ROOT, startNestedRun } from './nested-run.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
/** The shape of every token the emulator issues (a JWT-like string). */
const TOKEN = /eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/;

interface WireCall {
  method: string;
  path: string;
  query: URLSearchParams;
}

/**
 * Forwards every request to `target`. Once armed, the first request that matches is done by
 * the target, but its answer is held back and `tripped` resolves: the caller is frozen at the
 * moment just after the service acted.
 */
interface Tripwire {
  url: string;
  arm(match: (call: WireCall) => boolean): Promise<WireCall>;
  /** Drops the held answers (their clients are dead by then) and disarms. */
  release(): void;
  close(): Promise<void>;
}

async function tripwire(target: string, options: { keepHost: boolean }): Promise<Tripwire> {
  const to = new URL(target);
  let armed: { match: (c: WireCall) => boolean; resolve: (c: WireCall) => void } | undefined;
  const held = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const call: WireCall = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams };
      const headers = { ...req.headers };
      // The control plane's SigV4 signature covers the Host header: keep it. The registry is asked as itself.
      if (!options.keepHost) headers.host = to.host;
      const upstream = httpRequest({ hostname: to.hostname, port: to.port, method: req.method, path: req.url, headers }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (c: Buffer) => body.push(c));
        answer.on('end', () => {
          if (armed?.match(call)) {
            const { resolve } = armed;
            armed = undefined;
            held.add(res);
            resolve(call);
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(body));
        });
      });
      upstream.on('error', () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: to.pathname.endsWith('/') ? `${base}/` : base,
    arm: (match) => new Promise((resolve) => (armed = { match, resolve })),
    release() {
      armed = undefined;
      for (const res of held) res.destroy();
      held.clear();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

interface KillPoint {
  step: string;
  /** Which wire: the control plane, or the public registry behind the emulator (npm install). */
  wire: 'control' | 'registry';
  match: (c: WireCall) => boolean;
  /** A token is on disk at this point (from the login on). */
  tokenOnDisk?: boolean;
}

const is = (method: string, path: string, repository?: string) => (c: WireCall) =>
  c.method === method && c.path === path && (repository === undefined || c.query.get('repository') === repository);

const everyStep: KillPoint[] = [
  { step: 'prerequisite-caller-identity', wire: 'control', match: is('POST', '/') },
  { step: 'create-domain', wire: 'control', match: is('POST', '/v1/domain') },
  { step: 'create-repository-my-repo', wire: 'control', match: is('POST', '/v1/repository', 'my-repo') },
  { step: 'create-repository-npm-store', wire: 'control', match: is('POST', '/v1/repository', 'npm-store') },
  { step: 'associate-external-connection', wire: 'control', match: is('POST', '/v1/repository/external-connection') },
  { step: 'update-repository-upstreams', wire: 'control', match: is('PUT', '/v1/repository') },
  { step: 'login', wire: 'control', match: is('POST', '/v1/authorization-token') },
  { step: 'npm-install', wire: 'registry', match: () => true, tokenOnDisk: true },
  { step: 'list-packages', wire: 'control', match: is('POST', '/v1/packages'), tokenOnDisk: true },
  { step: 'cleanup-delete-my-repo', wire: 'control', match: is('DELETE', '/v1/repository', 'my-repo'), tokenOnDisk: true },
  { step: 'cleanup-delete-npm-store', wire: 'control', match: is('DELETE', '/v1/repository', 'npm-store'), tokenOnDisk: true },
  { step: 'cleanup-delete-domain', wire: 'control', match: is('DELETE', '/v1/domain'), tokenOnDisk: true },
];
const representative = new Set(['create-domain', 'create-repository-npm-store', 'npm-install']);
const asked = process.env.CONFORMANCE_SIGKILL_STEPS;
const killPoints =
  asked === 'all'
    ? everyStep
    : asked
      ? everyStep.filter((k) => asked.split(',').includes(k.step))
      : everyStep.filter((k) => representative.has(k.step));

test.describe.configure({ mode: 'serial' });

let registry: FixtureRegistry;
let registryWire: Tripwire;
let emulator: EmulatorProcess;
let controlWire: Tripwire;
const STRANGER = 'cc-not-ours-t0000';

test.beforeAll(async () => {
  registry = await startFixtureRegistry(tutorialPackages);
  registryWire = await tripwire(registry.url, { keepHost: false });
  // A cold packument cache (--upstream-ttl 0): every install reaches the registry's wire, where
  // the npm-install kill points stop, whichever test installed lodash before.
  emulator = await startEmulatorProcess(['--npmjs-url', registryWire.url, '--upstream-ttl', '0']);
  controlWire = await tripwire(emulator.url, { keepHost: true });
  // Someone else's domain, named like the harness's, untagged, in no ledger: never touched.
  const client = codeartifactClient({ endpointUrl: emulator.url, region: 'us-east-1', credentials });
  await client.send(new CreateDomainCommand({ domain: STRANGER, tags: [{ key: 'team', value: 'payments' }] }));
  await client.send(new CreateRepositoryCommand({ domain: STRANGER, repository: 'my-repo' }));
  client.destroy();
});
test.afterAll(async () => {
  await controlWire?.close();
  await emulator?.stop();
  await registryWire?.close();
  await registry?.close();
});

/** Every file under these folders that holds a token. */
function tokensUnder(...dirs: string[]): string[] {
  return dirs.filter(existsSync).flatMap((d) => filesUnder(d).filter((f) => TOKEN.test(readFileSync(f).toString('latin1'))));
}

async function startKillableRun(testName: string, scratch: Scratch) {
  const stateDir = scratch.dir('cc-state-');
  const runTmp = scratch.dir('cc-run-tmp-');
  const env = {
    ...(process.env as Record<string, string>),
    CONFORMANCE_TARGET: 'endpoint',
    CONFORMANCE_ENDPOINT_URL: controlWire.url,
    CONFORMANCE_STATE_DIR: stateDir,
    // Its own run id, so that no two nested runs share a domain name.
    CONFORMANCE_RUN_ID: `k${Date.now().toString(36)}`,
  };
  // Everything the run writes to a temporary folder lands where the scan for tokens looks.
  const run = startNestedRun({ ...env, TMPDIR: runTmp }, undefined, undefined, scratch.dir('cc-nested-reports-'));
  let output = '';
  run.process.all!.on('data', (c: Buffer) => (output += c.toString()));
  return {
    ...run,
    env,
    stateDir,
    runTmp,
    output: () => output,
    name: testName,
  };
}

async function domainNames(): Promise<string[]> {
  const client = codeartifactClient({ endpointUrl: emulator.url, region: 'us-east-1', credentials });
  try {
    return ((await client.send(new ListDomainsCommand({}))).domains ?? []).map((d) => d.name!).sort();
  } finally {
    client.destroy();
  }
}

async function strangerIntact(): Promise<void> {
  const client = codeartifactClient({ endpointUrl: emulator.url, region: 'us-east-1', credentials });
  try {
    const repos = (await client.send(new ListRepositoriesInDomainCommand({ domain: STRANGER }))).repositories ?? [];
    expect(
      repos.map((r) => r.name),
      `${STRANGER}'s repositories`,
    ).toEqual(['my-repo']);
  } finally {
    client.destroy();
  }
}

/**
 * Playwright's runner dies at once on SIGTERM, and its worker exits (process.exit) as soon as
 * its own teardown is done, which may cut the run's undo short. The sandbox and its token
 * still go (removed on exit); what the undo did not reach is in the ledger for sweep.
 */
test('SIGTERM during npm install: the sandbox and its token go with the run; sweep finishes the undo', async ({ scratch }, testInfo) => {
  test.setTimeout(600_000);
  const tripped = registryWire.arm(() => true);
  const run = await startKillableRun('sigterm', scratch);
  try {
    const first = await Promise.race([tripped, run.process.then(() => undefined)]);
    expect(first, 'the run reached npm install').toBeDefined();
    expect(tokensUnder(run.stateDir).length, 'a working token is on disk before the signal').toBeGreaterThan(0);
    // The worker that owns the sandbox: it outlives the runner (which dies at once) by its undo.
    const owners = filesUnder(run.stateDir)
      .filter((f) => f.endsWith('owner.json'))
      .map((f) => JSON.parse(readFileSync(f, 'utf8')) as RunOwner);
    expect(owners.length).toBe(1);
    process.kill(-run.process.pid!, 'SIGTERM');
    // npm, waiting on the held answer, gets the signal too; the answer is never needed.
    const result = await run.process;
    registryWire.release();
    await expect.poll(() => ownerState(owners[0]!), { message: "the run's worker ends", timeout: 90_000 }).toBe('gone');
    await testInfo.attach('run output', { body: run.output(), contentType: 'text/plain' });
    expect(result.exitCode, 'a terminated run does not pass').not.toBe(0);
    const left = filesUnder(run.stateDir);
    expect(
      left.filter((f) => !f.includes('/ledgers/')),
      'sandbox files after SIGTERM, before any sweep',
    ).toEqual([]);
    expect(tokensUnder(run.stateDir, run.runTmp, run.reportsDir), 'files holding a token after SIGTERM').toEqual([]);
    await testInfo.attach('left after SIGTERM', {
      body: `${left.join('\n')}\ndomains: ${(await domainNames()).join(', ')}`,
      contentType: 'text/plain',
    });

    const sweep = await execa('npx', ['tsx', 'scripts/sweep.ts'], { cwd: ROOT, env: run.env, reject: false, all: true });
    await testInfo.attach('sweep output', { body: String(sweep.all), contentType: 'text/plain' });
    expect(sweep.exitCode, String(sweep.all)).toBe(0);
    expect(await domainNames(), 'domains after the sweep').toEqual([STRANGER]);
    await strangerIntact();
    expect(filesUnder(run.stateDir), 'state after the sweep').toEqual([]);
  } finally {
    registryWire.release();
  }
});

for (const point of killPoints) {
  test(`SIGKILL during ${point.step}, then npm run sweep: no domain, sandbox, ledger or token is left; a stranger's domain is untouched`, async ({
    scratch,
  }, testInfo) => {
    test.setTimeout(600_000);
    const wire = point.wire === 'control' ? controlWire : registryWire;
    const tripped = wire.arm(point.match);
    const run = await startKillableRun(point.step, scratch);
    try {
      const first = await Promise.race([tripped, run.process.then(() => undefined)]);
      expect(first, `the run reached ${point.step} (it ended first)`).toBeDefined();
      // The whole process group, as when a CI runner or a machine is lost.
      process.kill(-run.process.pid!, 'SIGKILL');
      await run.process;
      wire.release();
      await testInfo.attach('killed run output', { body: run.output(), contentType: 'text/plain' });

      // What the death left: the sandbox with its owner, the ledger, the run's domain.
      const ownDomains = (await domainNames()).filter((d) => d !== STRANGER);
      if (point.step !== 'prerequisite-caller-identity') {
        expect(
          filesUnder(run.stateDir).some((f) => f.endsWith('owner.json')),
          'a sandbox is left before the sweep',
        ).toBe(true);
        // Held at delete-domain, the service has already deleted that domain (and the other
        // scenario, in step beside it, may have deleted its own): nothing need be left there.
        if (point.step !== 'cleanup-delete-domain') {
          expect(ownDomains.length, "the run's domain is left before the sweep").toBeGreaterThan(0);
        }
      }
      if (point.step === 'create-domain') {
        const client = codeartifactClient({ endpointUrl: emulator.url, region: 'us-east-1', credentials });
        const { tags = [] } = await client.send(
          new ListTagsForResourceCommand({ resourceArn: `arn:aws:codeartifact:us-east-1:000000000000:domain/${ownDomains[0]}` }),
        );
        client.destroy();
        expect(
          tags.some((t) => t.key === TAG_HARNESS),
          'killed inside create-domain, the domain was never tagged',
        ).toBe(false);
      }
      if (point.tokenOnDisk) expect(tokensUnder(run.stateDir).length, 'a working token is on disk before the sweep').toBeGreaterThan(0);

      const sweep = await execa('npx', ['tsx', 'scripts/sweep.ts'], { cwd: ROOT, env: run.env, reject: false, all: true });
      await testInfo.attach('sweep output', { body: String(sweep.all), contentType: 'text/plain' });
      expect(sweep.exitCode, String(sweep.all)).toBe(0);
      for (const d of ownDomains) expect(sweep.stdout, 'sweep says what it removed').toMatch(new RegExp(`^  removed domain ${d}: `, 'm'));

      expect(await domainNames(), 'domains after the sweep').toEqual([STRANGER]);
      await strangerIntact();
      expect(filesUnder(run.stateDir), 'sandboxes and ledgers after the sweep').toEqual([]);
      expect(tokensUnder(run.stateDir, run.runTmp, run.reportsDir), 'files holding a token after the sweep').toEqual([]);
    } finally {
      wire.release();
    }
  });
}
