/**
 * The emulator as a person runs it by hand (issue 14): the default port, the request log,
 * health / state / reset, and the line it prints when it stops. Each test starts its own
 * emulator process through `npm run emulator`'s entry point and reaches it over HTTP only.
 */
import { createHash } from 'node:crypto';
import { npmTarball } from './npm-tarball.ts';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  CreateDomainCommand,
  CreateRepositoryCommand,
  GetAuthorizationTokenCommand,
  ListDomainsCommand,
} from '@aws-sdk/client-codeartifact';
import { emulatorBundle } from '../../helpers/target/emulator-process.ts';
import { expect, test } from './fixtures.ts';
import { makeDomain, repositoryEndpoint, startStack } from './npm-helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEFAULT_PORT = 4567;

/** Whether nothing listens on the port (another run may hold the default one). */
async function portFree(port: number): Promise<boolean> {
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    return true;
  } catch {
    return false;
  } finally {
    probe.close();
  }
}

test('without --port it listens on 4567, and prints a line when it stops', async () => {
  test.skip(!(await portFree(DEFAULT_PORT)), `port ${DEFAULT_PORT} is taken on this machine (another emulator run?)`);
  test.setTimeout(150_000); // starting tsx takes long on a loaded machine
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/main.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = once(child, 'exit');
  try {
    await expect.poll(() => out, { timeout: 90_000 }).toContain(`listening on http://127.0.0.1:${DEFAULT_PORT}`);
    expect((await fetch(`http://127.0.0.1:${DEFAULT_PORT}/_emulator/health`)).status).toBe(200);
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = (await exited) as [number | null];
  expect(code).toBe(0);
  expect(out).toContain(`CodeArtifact emulator on http://127.0.0.1:${DEFAULT_PORT} stopped (SIGTERM)`);
});

test('--check: 0 when the options are valid, 2 and the problem on one line when not; without it a wrong option points to --help', async () => {
  const bundle = await emulatorBundle();
  const entry = bundle ? [bundle] : ['--import', 'tsx', 'emulator/main.ts'];
  const run = (args: string[]) => spawnSync(process.execPath, [...entry, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const valid = run(['--fault', 'reject-tokens', '--upstream-ttl', '0', '--check']);
  expect([valid.status, valid.stdout, valid.stderr]).toEqual([0, 'emulator: the options are valid\n', '']);
  for (const [args, said] of [
    [['--no-such-flag'], "Unknown option '--no-such-flag'"],
    [['--fault', 'nope'], "--fault: unknown fault 'nope'. Known faults: "],
    [['--account-id', '12'], "--account-id '12' is not a 12-digit AWS account id."],
    [['--upstream-ttl', 'soon'], "--upstream-ttl 'soon' is not a number of milliseconds."],
  ] as const) {
    const checked = run([...args, '--check']);
    expect(checked.status, args.join(' ')).toBe(2);
    expect(checked.stderr.split('\n').filter(Boolean), args.join(' ')).toEqual([expect.stringContaining(said)]);
    expect(checked.stdout).toBe('');
  }
  const started = run(['--no-such-flag']);
  expect(started.status).toBe(2);
  expect(started.stderr).toBe("emulator: Unknown option '--no-such-flag'\nThe options: npm run emulator -- --help\n");
});

test('--log-requests: one line per request, with the operation or npm route, the status and the milliseconds', async ({ cleanup }) => {
  const { ca, emulator } = await startStack(cleanup, { fixture: false, args: ['--log-requests'] });
  const domain = await makeDomain(ca, [['app']]);
  const endpoint = await repositoryEndpoint(ca, domain, 'app');
  const { authorizationToken } = await ca.send(new GetAuthorizationTokenCommand({ domain }));
  await fetch(`${endpoint}-/ping`, { headers: { authorization: `Bearer ${authorizationToken}` } });
  await fetch(`${endpoint}nothing-here`, { headers: { authorization: `Bearer ${authorizationToken}` } });
  await ca.send(new CreateDomainCommand({ domain })).catch(() => undefined);
  const line = (what: string, status: number) => new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+ ${what} ${status} \\d+ms$`, 'm');
  await expect.poll(() => emulator.stderr()).toMatch(line('CreateDomain', 409));
  const log = emulator.stderr();
  expect(log).toMatch(line('CreateDomain', 200));
  expect(log).toMatch(line('CreateRepository', 200));
  expect(log).toMatch(line('GetAuthorizationToken', 200));
  expect(log).toMatch(line(`npm ${domain}/app GET /-/ping`, 200));
  expect(log).toMatch(line(`npm ${domain}/app GET /nothing-here`, 404));
  expect(log, 'the token is never logged').not.toContain(authorizationToken!);
});

test('GET /_emulator/health and /_emulator/state show what the emulator holds, never a token or a key; POST /_emulator/reset forgets it all', async ({
  cleanup,
}) => {
  const { ca, emulator } = await startStack(cleanup, { fixture: false });
  const health = (await (await fetch(`${emulator.url}/_emulator/health`)).json()) as Record<string, unknown>;
  expect(health).toMatchObject({ status: 'running', service: 'codeartifact', operations: 48 });

  const domain = await makeDomain(ca, [['base'], ['app', ['base']]]);
  const { authorizationToken: token } = await ca.send(new GetAuthorizationTokenCommand({ domain }));
  const endpoint = await repositoryEndpoint(ca, domain, 'app');
  const bytes = npmTarball({ name: 'state-demo', version: '1.0.0' });
  const publish = await fetch(`${endpoint}state-demo`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'state-demo',
      'dist-tags': { latest: '1.0.0' },
      versions: {
        '1.0.0': {
          name: 'state-demo',
          version: '1.0.0',
          dist: { integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}` },
        },
      },
      _attachments: { 'state-demo-1.0.0.tgz': { data: bytes.toString('base64'), length: bytes.length } },
    }),
  });
  expect(publish.status).toBe(200);

  const stateText = await (await fetch(`${emulator.url}/_emulator/state`)).text();
  const state = JSON.parse(stateText) as {
    regions: {
      region: string;
      domains: {
        name: string;
        repositories: { name: string; upstreams: string[]; packages: { name: string; versions: { version: string }[] }[] }[];
      }[];
    }[];
  };
  const d = state.regions.find((r) => r.region === 'us-east-1')!.domains.find((x) => x.name === domain)!;
  expect(d.repositories.map((r) => [r.name, r.upstreams])).toEqual([
    ['base', []],
    ['app', ['base']],
  ]);
  expect(d.repositories[1]!.packages.map((p) => [p.name, p.versions.map((v) => v.version)])).toEqual([['state-demo', ['1.0.0']]]);
  expect(stateText).not.toContain(token!);
  expect(stateText).not.toMatch(/secret|authorizationToken|token\.key/i);

  const reset = await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
  expect(await reset.json()).toEqual({ reset: true, domainsRemoved: 1 });
  expect((await ca.send(new ListDomainsCommand({}))).domains).toEqual([]);
  expect(
    (await fetch(`${endpoint}-/ping`, { headers: { authorization: `Bearer ${token}` } })).status,
    'tokens die with their domains',
  ).toBe(401);
  // The emulator goes on serving after a reset.
  await ca.send(new CreateDomainCommand({ domain }));
  await ca.send(new CreateRepositoryCommand({ domain, repository: 'app' }));

  expect((await fetch(`${emulator.url}/_emulator/reset`)).status, 'reset is a POST').toBe(405);
  const unknown = await fetch(`${emulator.url}/_emulator/nope`);
  expect(unknown.status).toBe(404);
  expect(((await unknown.json()) as { message: string }).message).toContain('GET /_emulator/health');
});
