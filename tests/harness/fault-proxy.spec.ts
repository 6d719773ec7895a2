/**
 * The fault proxy: forwards signed requests unchanged, points the data plane through itself,
 * and its rules rewrite, fail, drop or delay answers by operation and client, with state.
 * Against the real emulator, with the real SDK and the real aws CLI.
 */
import {
  CodeartifactClient,
  CreateDomainCommand,
  DeleteDomainCommand,
  DescribeDomainCommand,
  GetRepositoryEndpointCommand,
  CreateRepositoryCommand,
  ListDomainsCommand,
} from '@aws-sdk/client-codeartifact';
import { expect, test } from '@playwright/test';
import { runCli } from '../../helpers/run/cli.ts';
import { startEmulatorProcess, type EmulatorProcess } from '../../helpers/target/emulator-process.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';

let emulator: EmulatorProcess;
let proxy: FaultProxy;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const client = () => new CodeartifactClient({ region: 'us-east-1', credentials, endpoint: proxy.url, maxAttempts: 1 });
let n = 0;
const domainName = () => `fp-${process.pid}-${Date.now().toString(36)}-${n++}`;

test.beforeAll(async () => {
  emulator = await startEmulatorProcess();
  proxy = await startFaultProxy(emulator.url);
});
test.afterAll(async () => {
  await proxy?.close();
  await emulator?.stop();
});
test.beforeEach(() => proxy.setRules([]));

test('forwards signed requests unchanged and hands out its own URL for the repository endpoint', async () => {
  const ca = client();
  const domain = domainName();
  try {
    await ca.send(new CreateDomainCommand({ domain }));
    await ca.send(new CreateRepositoryCommand({ domain, repository: 'my-repo' }));
    const { repositoryEndpoint } = await ca.send(new GetRepositoryEndpointCommand({ domain, repository: 'my-repo', format: 'npm' }));
    expect(repositoryEndpoint).toMatch(new RegExp(`^${proxy.url}/.*/npm/my-repo/$`));
    const ping = await fetch(`${repositoryEndpoint}-/ping`);
    expect(ping.status).toBe(401); // through the proxy to the data plane, which wants a token
    expect(proxy.seen.map((s) => s.operation)).toEqual(
      expect.arrayContaining(['CreateDomain', 'CreateRepository', 'GetRepositoryEndpoint']),
    );
    expect(proxy.seen.every((s) => s.client === 'sdk' || s.client === 'other')).toBe(true);
  } finally {
    proxy.setRules([]);
    await ca.send(new DeleteDomainCommand({ domain })).catch(() => {});
    ca.destroy();
  }
});

test('rules rewrite JSON, set a status, count their hits and keep state (a deleted domain still listed for a while)', async () => {
  const ca = client();
  const domain = domainName();
  proxy.setRules([
    {
      name: 'pending',
      operation: 'DescribeDomain',
      client: 'sdk',
      action: { json: (b: any) => ({ ...b, domain: { ...b.domain, status: 'Pending' } }) },
    },
    // AWS-like: the first delete answers 409, and a deleted domain stays listed for a moment.
    {
      name: 'conflict-once',
      operation: 'DeleteDomain',
      times: 1,
      action: {
        status: 409,
        shortCircuit: true,
        headers: { 'x-amzn-errortype': 'ConflictException' },
        json: () => ({ message: 'try again' }),
      },
    },
    {
      name: 'remember-deleted',
      operation: 'DeleteDomain',
      action: {
        json: (b: any, _r, state) => {
          state.set('deleted', b.domain);
          return b;
        },
      },
    },
    {
      name: 'still-listed',
      operation: 'ListDomains',
      when: (_r, state) => state.has('deleted'),
      times: 1,
      action: {
        json: (b: any, _r, state) => ({
          ...b,
          domains: [...(b.domains ?? []), { name: (state.get('deleted') as { name: string }).name, status: 'Deleted' }],
        }),
      },
    },
  ]);
  try {
    await ca.send(new CreateDomainCommand({ domain }));
    expect((await ca.send(new DescribeDomainCommand({ domain }))).domain?.status).toBe('Pending');
    const first = await ca.send(new DeleteDomainCommand({ domain })).catch((e: Error) => e);
    expect((first as Error).name).toBe('ConflictException');
    await ca.send(new DeleteDomainCommand({ domain }));
    expect((await ca.send(new ListDomainsCommand({}))).domains?.some((d) => d.name === domain)).toBe(true);
    expect((await ca.send(new ListDomainsCommand({}))).domains?.some((d) => d.name === domain)).toBe(false);
    expect(Object.fromEntries(proxy.hits)).toEqual({ pending: 1, 'conflict-once': 1, 'remember-deleted': 1, 'still-listed': 1 });
  } finally {
    proxy.setRules([]);
    await ca.send(new DeleteDomainCommand({ domain })).catch(() => {});
    ca.destroy();
  }
});

test('tells the aws CLI from the SDK, and can drop or delay an answer', async () => {
  const domain = domainName();
  proxy.setRules([{ name: 'cli-only', operation: 'CreateDomain', client: 'cli', action: { json: () => ({}) } }]);
  const env = {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_MAX_ATTEMPTS: '1',
    AWS_PAGER: '',
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
  };
  const ca = client();
  try {
    const run = await runCli('aws', ['codeartifact', 'create-domain', '--domain', domain, '--endpoint-url', proxy.url], {
      env,
      isolatedEnv: true,
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toBe(''); // the CLI prints nothing for {}
    expect(proxy.hits.get('cli-only')).toBe(1);
    // The SDK's answer is untouched.
    expect((await ca.send(new DescribeDomainCommand({ domain }))).domain?.name).toBe(domain);

    proxy.setRules([{ name: 'slow', operation: 'DescribeDomain', action: { delayMs: 600 } }]);
    const started = Date.now();
    await ca.send(new DescribeDomainCommand({ domain }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);

    proxy.setRules([{ name: 'drop', operation: 'DescribeDomain', action: { drop: true } }]);
    const dropped = await ca.send(new DescribeDomainCommand({ domain })).catch((e: Error) => e);
    expect(dropped).toBeInstanceOf(Error);
  } finally {
    proxy.setRules([]);
    await ca.send(new DeleteDomainCommand({ domain })).catch(() => {});
    ca.destroy();
  }
});
