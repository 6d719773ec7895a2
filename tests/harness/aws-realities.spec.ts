/**
 * AWS as it behaves, for the parts of the harness that do not need AWS to be judged (issue 13):
 * - the IAM policy in aws/ covers every SDK command the harness code sends and every aws CLI
 *   command the tutorial runs, on the harness's own cc-* domains only;
 * - an access denial is recognised by the error's name and status from a real SDK client
 *   talking to a real HTTP server, and the preflight's probes name what is missing;
 * - lockfiles whose tarball URLs carry an explicit :443 (as AWS's packuments have been reported
 *   to) pass the tutorial's and every package-manager cell's check, with real npm, pnpm, yarn 1
 *   and yarn 4 installs through the emulator, their lockfiles then rewritten to AWS's form;
 * - on the aws target the package managers keep npm's fetch retries (asked of a real npm);
 * - the aws CLI minimum depends on the npm version; the partition on the region; a region
 *   without CodeArtifact is refused.
 */
import {
  CodeartifactClient,
  GetAuthorizationTokenCommand,
  ListDomainsCommand,
  ResourceNotFoundException,
  TagResourceCommand,
} from '@aws-sdk/client-codeartifact';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { expect, test } from '@playwright/test';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { runCli } from '../../helpers/run/cli.ts';
import { InfrastructureError } from '../../helpers/run/errors.ts';
import { runTags } from '../../helpers/run/ledger.ts';
import { createSandbox, type Sandbox } from '../../helpers/run/sandbox.ts';
import { cellToolbox } from '../../helpers/run/toolbox.ts';
import { isUnder, sameRegistry } from '../../helpers/run/urls.ts';
import {
  ACTION_RESOURCE,
  CLI_COMMAND_ACTIONS,
  PACKAGE_FETCH_ACTIONS,
  PERMISSION_PROBES,
  POLICY_FILE,
  SDK_COMMAND_ACTIONS,
  accessDeniedOf,
  probePermissions,
} from '../../helpers/target/aws-permissions.ts';
import { startEmulatorProcess } from '../../helpers/target/emulator-process.ts';
import {
  CODEARTIFACT_REGIONS,
  codeartifactArn,
  codeartifactRegionProblem,
  partitionOf,
  requireCodeArtifactRegion,
} from '../../helpers/target/partition.ts';
import { adapterFor, PACKAGE_MANAGERS } from '../../helpers/toolchain/package-managers.ts';
import { ensureTool } from '../../helpers/toolchain/toolchains.ts';
import type { ToolSpec } from '../../helpers/toolchain/catalogue.ts';
import { awsCliTooOld, minimumAwsCli } from '../../scenarios/cli-minimums.ts';
import { cellScenario, matrix } from '../../scenarios/matrix.ts';
import { installAndList, prerequisites, scenarios } from '../../scenarios/tutorial.ts';
import type { StepContext, TutorialStep } from '../../scenarios/types.ts';
import { startFixtureRegistry, tutorialPackages } from '../support/fixture-registry.ts';
import { tutorialRepositories } from '../support/tutorial-repositories.ts';
import { ROOT } from './nested-run.ts';

const AWS_ACCOUNT = '111122223333';
/** The emulator's defaults: any region, its account, the test credentials. */
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A run's domain as helpers/run/scenario-runner.ts names it: `cc-<run id>-<scenario code><4 hex>`. */
const RUN_DOMAIN = 'cc-mf3k2x9qab12-t1f2e';

// ---------------------------------------------------------------------------------------------
// The policy covers what the code calls

/** The TypeScript files of the harness that run on the `aws` target (emulator-only benchmarks and test doubles left out). */
function harnessSources(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (file.endsWith('.ts')) files.push(file);
    }
  };
  walk(path.join(ROOT, 'helpers'));
  walk(path.join(ROOT, 'scenarios'));
  for (const script of readdirSync(path.join(ROOT, 'scripts'))) {
    // bench-*: the emulator only, by design; fixture-registry: a test double.
    if (script.endsWith('.ts') && !script.startsWith('bench-') && script !== 'fixture-registry.ts')
      files.push(path.join(ROOT, 'scripts', script));
  }
  return files;
}

/** Every AWS SDK command a source file can send: imported `XCommand`s and `paginateX` (which sends XCommand). */
function sdkCommandsIn(source: string): string[] {
  const found = new Set<string>();
  for (const m of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-[a-z0-9-]+'/g)) {
    for (const raw of m[1]!.split(',')) {
      const name = raw
        .replace(/^\s*type\s+/, '')
        .split(/\s+as\s+/)[0]!
        .trim();
      if (/^[A-Z]\w*Command$/.test(name)) found.add(name);
      const paginated = /^paginate([A-Z]\w*)$/.exec(name);
      if (paginated) found.add(`${paginated[1]}Command`);
    }
  }
  return [...found];
}

/** A step context good enough to ask every step which command it runs. */
function stepContext(sandbox: Sandbox): StepContext {
  return {
    names: { domain: RUN_DOMAIN, myRepo: 'my-repo', npmStore: 'npm-store' },
    account: AWS_ACCOUNT,
    region: 'us-east-1',
    codeartifact: undefined as unknown as CodeartifactClient,
    sandbox,
    visibilityLimitMs: 1000,
    memory: { endpoint: `https://${RUN_DOMAIN}-${AWS_ACCOUNT}.d.codeartifact.us-east-1.amazonaws.com/npm/my-repo/`, token: 'probe-token' },
    secrets: [],
  };
}

/** What the tutorial's and every matrix cell's steps run, as `<service> <command>` for aws and `npm install` etc. */
function commandsOfAllScenarios(sandbox: Sandbox): { aws: Set<string>; fetches: Set<string> } {
  const aws = new Set<string>();
  const fetches = new Set<string>();
  const all: TutorialStep[] = [...scenarios, ...matrix.map(cellScenario)].flatMap((s) => s.steps);
  for (const step of all) {
    if (step.perform) continue;
    const command = step.command(stepContext(sandbox));
    if (command.tool === 'aws') {
      if (!command.args[0]?.startsWith('-')) aws.add(`${command.args[0]} ${command.args[1]}`);
    } else if (['install', 'add'].includes(command.args[0] ?? '')) {
      fetches.add(`${command.tool} ${command.args.join(' ')}`);
    }
  }
  return { aws, fetches };
}

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

function loadPolicy(file: string, account: string): { Statement: Statement[] } {
  return JSON.parse(readFileSync(path.join(ROOT, file), 'utf8').replaceAll('ACCOUNT_ID', account)) as { Statement: Statement[] };
}

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const glob = (pattern: string, value: string, caseless = false) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    caseless ? 'i' : '',
  ).test(value);

/**
 * IAM's answer for one request, for the subset of the policy language the policy uses; an
 * operator this does not know fails the test rather than being ignored.
 */
function allows(policy: { Statement: Statement[] }, action: string, resource: string, context: Record<string, string[]>): boolean {
  const conditionHolds = (condition: Statement['Condition']) =>
    Object.entries(condition ?? {}).every(([operator, keys]) =>
      Object.entries(keys).every(([key, wanted]) => {
        const values = context[key] ?? [];
        const patterns = list(wanted);
        if (operator === 'StringEquals') return values.length > 0 && values.every((v) => patterns.includes(v));
        if (operator === 'StringLike') return values.length > 0 && values.every((v) => patterns.some((p) => glob(p, v)));
        if (operator === 'ForAllValues:StringLike') return values.every((v) => patterns.some((p) => glob(p, v)));
        throw new Error(`the policy uses the condition operator ${operator}, which this test does not evaluate`);
      }),
    );
  const matching = policy.Statement.filter(
    (s) =>
      list(s.Action).some((a) => glob(a, action, true)) && list(s.Resource).some((r) => glob(r, resource)) && conditionHolds(s.Condition),
  );
  return matching.some((s) => s.Effect === 'Allow') && !matching.some((s) => s.Effect === 'Deny');
}

/** The resource an action is asked for, on `domain` (a repository of it where the action is on repositories). */
function resourceFor(action: string, domain: string): string {
  const type = ACTION_RESOURCE[action];
  if (!type)
    throw new Error(
      `${action} has no entry in ACTION_RESOURCE (helpers/target/aws-permissions.ts): say which resource it is authorized against`,
    );
  if (type === '*') return '*';
  return codeartifactArn(
    'us-east-1',
    AWS_ACCOUNT,
    type === 'domain' ? { kind: 'domain', domain } : { kind: 'repository', domain, repository: 'my-repo' },
  );
}

function contextFor(action: string): Record<string, string[]> {
  if (action === 'sts:GetServiceBearerToken') return { 'sts:AWSServiceName': ['codeartifact.amazonaws.com'] };
  if (action === 'codeartifact:TagResource') return { 'aws:TagKeys': runTags('r').map((t) => t.key) };
  return {};
}

test.describe('the IAM policy', () => {
  test('covers every SDK command the harness sends and every aws CLI command the tutorial runs, on the cc-* domains only', async ({}, testInfo) => {
    const bySource = new Map<string, string[]>();
    for (const file of harnessSources()) {
      const commands = sdkCommandsIn(readFileSync(file, 'utf8'));
      if (commands.length) bySource.set(path.relative(ROOT, file), commands);
    }
    const sdkCommands = new Set([...bySource.values()].flat());
    await testInfo.attach('SDK commands by file', {
      body: JSON.stringify(Object.fromEntries(bySource), null, 2),
      contentType: 'application/json',
    });
    // The extraction finds what the code is known to send (so an empty result cannot pass).
    for (const known of [
      'ListDomainsCommand',
      'TagResourceCommand',
      'DeleteDomainCommand',
      'ListPackagesCommand',
      'GetCallerIdentityCommand',
    ]) {
      expect([...sdkCommands], `the harness sends ${known}`).toContain(known);
    }
    const unmapped = [...sdkCommands].filter((c) => !SDK_COMMAND_ACTIONS[c]);
    expect(
      unmapped,
      `SDK commands the harness sends without an entry in SDK_COMMAND_ACTIONS (helpers/target/aws-permissions.ts) and ${POLICY_FILE}`,
    ).toEqual([]);

    const sandbox = createSandbox('policy-commands');
    try {
      const { aws, fetches } = commandsOfAllScenarios(sandbox);
      await testInfo.attach('aws CLI commands and installs of every scenario', {
        body: [...aws, ...fetches].join('\n'),
        contentType: 'text/plain',
      });
      expect(aws.size, 'the scenarios run aws CLI commands').toBeGreaterThanOrEqual(10);
      expect(fetches.size, 'the scenarios install packages').toBeGreaterThan(0);
      const unmappedCli = [...aws].filter((c) => !CLI_COMMAND_ACTIONS[c]);
      expect(unmappedCli, 'aws CLI commands without an entry in CLI_COMMAND_ACTIONS').toEqual([]);

      const needed = new Set<string>([
        ...[...sdkCommands].flatMap((c) => SDK_COMMAND_ACTIONS[c]!),
        ...[...aws].flatMap((c) => CLI_COMMAND_ACTIONS[c]!),
        ...PACKAGE_FETCH_ACTIONS,
      ]);
      const policy = loadPolicy(POLICY_FILE, AWS_ACCOUNT);
      const refused = [...needed].filter((a) => !allows(policy, a, resourceFor(a, RUN_DOMAIN), contextFor(a)));
      expect(refused, `actions the harness needs on ${RUN_DOMAIN} that ${POLICY_FILE} does not allow`).toEqual([]);

      // Least privilege: nothing on another team's domain, no foreign tag keys, no other service's bearer token.
      const scoped = [...needed].filter((a) => ACTION_RESOURCE[a] !== '*');
      expect(scoped.length).toBeGreaterThan(10);
      const foreign = scoped.filter((a) => allows(policy, a, resourceFor(a, 'team-prod'), contextFor(a)));
      expect(foreign, 'actions the policy allows on a domain the harness does not name').toEqual([]);
      expect(
        allows(policy, 'codeartifact:TagResource', resourceFor('codeartifact:TagResource', RUN_DOMAIN), { 'aws:TagKeys': ['owner'] }),
      ).toBe(false);
      expect(allows(policy, 'sts:GetServiceBearerToken', '*', { 'sts:AWSServiceName': ['other.amazonaws.com'] })).toBe(false);
      expect(allows(policy, 'codeartifact:PutDomainPermissionsPolicy', resourceFor('codeartifact:DeleteDomain', RUN_DOMAIN), {})).toBe(
        false,
      );
    } finally {
      sandbox.dispose();
    }
  });

  test('the trust policy lets only GitHub OIDC tokens for one repository, meant for STS, assume the role', () => {
    const trust = loadPolicy('aws/github-oidc-trust-policy.json', AWS_ACCOUNT) as unknown as {
      Statement: Array<{
        Effect: string;
        Action: string;
        Principal: { Federated: string };
        Condition: Record<string, Record<string, string>>;
      }>;
    };
    expect(trust.Statement).toHaveLength(1);
    const [s] = trust.Statement;
    expect(s!.Effect).toBe('Allow');
    expect(s!.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(s!.Principal.Federated).toBe(`arn:aws:iam::${AWS_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`);
    const conditions = Object.assign({}, ...Object.values(s!.Condition)) as Record<string, string>;
    expect(conditions['token.actions.githubusercontent.com:aud']).toBe('sts.amazonaws.com');
    expect(conditions['token.actions.githubusercontent.com:sub']).toMatch(/^repo:GITHUB_OWNER\/GITHUB_REPO:/);
  });
});

// ---------------------------------------------------------------------------------------------
// Access denied, from real SDK clients over HTTP

/** A CodeArtifact/STS stand-in on 127.0.0.1 answering each request with `answer`'s status, error type and body. */
async function awsLikeServer(answer: (req: IncomingMessage) => { status: number; type?: string; body: string; xml?: boolean }) {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const a = answer(req);
      res.writeHead(a.status, {
        'content-type': a.xml ? 'text/xml' : 'application/json',
        ...(a.type ? { 'x-amzn-ErrorType': a.type } : {}),
        'x-amzn-RequestId': 'test-request',
      });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const stsError = (code: string, message: string) =>
  `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`;

test.describe('access denied', () => {
  test('is told by the error name and status, with the IAM action the call needed and the fix', async () => {
    // The messages say the opposite of the names: only the structured fields may decide.
    const server = await awsLikeServer((req) => {
      if (req.url?.startsWith('/v1/tags'))
        return { status: 403, type: 'AccessDeniedException', body: '{"message":"ResourceNotFoundException: no such domain"}' };
      if (req.url?.startsWith('/v1/domains'))
        return { status: 404, type: 'ResourceNotFoundException', body: '{"message":"AccessDenied: not authorized"}' };
      if (req.url?.startsWith('/v1/authorization-token'))
        return { status: 403, type: 'UnrecognizedClientException', body: '{"message":"not authorized to perform"}' };
      return { status: 403, xml: true, body: stsError('AccessDenied', 'User is fine') };
    });
    const codeartifact = new CodeartifactClient({ endpoint: server.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
    const sts = new STSClient({ endpoint: server.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const tag = new TagResourceCommand({
        resourceArn: codeartifactArn(REGION, ACCOUNT, { kind: 'domain', domain: RUN_DOMAIN }),
        tags: runTags('r'),
      });
      const tagError = await codeartifact.send(tag).catch((e: unknown) => e);
      const denied = accessDeniedOf(tagError, tag);
      expect(denied?.command).toBe('TagResourceCommand');
      expect(denied?.actions).toEqual(['codeartifact:TagResource']);
      expect(denied?.message).toContain('codeartifact:TagResource');
      expect(denied?.fix).toContain(POLICY_FILE);

      const notFound = await codeartifact.send(new ListDomainsCommand({})).catch((e: unknown) => e);
      expect(notFound).toBeInstanceOf(ResourceNotFoundException);
      expect(accessDeniedOf(notFound, 'ListDomainsCommand'), 'a 404 is not an access denial, whatever its message says').toBeUndefined();

      const badCredentials = await codeartifact.send(new GetAuthorizationTokenCommand({ domain: RUN_DOMAIN })).catch((e: unknown) => e);
      expect((badCredentials as Error).name).toBe('UnrecognizedClientException');
      expect(
        accessDeniedOf(badCredentials, 'GetAuthorizationTokenCommand'),
        'a 403 about the credentials is not a missing permission',
      ).toBeUndefined();

      const stsDenied = accessDeniedOf(
        await sts.send(new GetCallerIdentityCommand({})).catch((e: unknown) => e),
        new GetCallerIdentityCommand({}),
      );
      expect(stsDenied?.actions).toEqual(['sts:GetCallerIdentity']);

      expect(accessDeniedOf(new Error('AccessDeniedException: User is not authorized'))).toBeUndefined();
      expect(accessDeniedOf(undefined)).toBeUndefined();
    } finally {
      codeartifact.destroy();
      sts.destroy();
      await server.close();
    }
  });

  test('the preflight probes find every permission on the emulator, and name GetAuthorizationToken and its bearer token when refused', async () => {
    const emulator = await startEmulatorProcess();
    const codeartifact = new CodeartifactClient({ endpoint: emulator.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const all = await probePermissions(codeartifact, { region: REGION, account: ACCOUNT });
      expect(all.missing).toEqual([]);
      expect(all.allowed).toEqual(PERMISSION_PROBES.map((p) => p.command));
    } finally {
      codeartifact.destroy();
      await emulator.stop();
    }

    // A role without the token: AWS answers 403 there and as usual elsewhere.
    const server = await awsLikeServer((req) => {
      if (req.url?.startsWith('/v1/authorization-token'))
        return { status: 403, type: 'AccessDeniedException', body: '{"message":"denied"}' };
      if (req.url?.startsWith('/v1/domains')) return { status: 200, body: '{"domains":[]}' };
      return { status: 404, type: 'ResourceNotFoundException', body: '{"message":"not found"}' };
    });
    const client = new CodeartifactClient({ endpoint: server.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const result = await probePermissions(client, { region: REGION, account: ACCOUNT });
      expect(result.missing.map((m) => m.command)).toEqual(['GetAuthorizationTokenCommand']);
      expect(result.missing[0]!.actions).toEqual(['codeartifact:GetAuthorizationToken', 'sts:GetServiceBearerToken']);
      expect(result.allowed).toHaveLength(PERMISSION_PROBES.length - 1);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// URLs

test('URLs compare as URLs: default ports, host case, trailing slashes, nothing beside the path', () => {
  const endpoint = `https://${RUN_DOMAIN}-${AWS_ACCOUNT}.d.codeartifact.us-east-1.amazonaws.com/npm/my-repo/`;
  const tarball = (origin: string) => `${origin}/npm/my-repo/lodash/-/lodash-4.17.21.tgz`;
  const host = `${RUN_DOMAIN}-${AWS_ACCOUNT}.d.codeartifact.us-east-1.amazonaws.com`;
  expect(isUnder(tarball(`https://${host}:443`), endpoint)).toBe(true);
  expect(tarball(`https://${host}:443`).startsWith(endpoint), 'the case the old prefix check got wrong').toBe(false);
  expect(isUnder(tarball(`https://${host.toUpperCase()}`), endpoint)).toBe(true);
  expect(isUnder(tarball(`https://${host}`), endpoint.replace(/\/$/, ''))).toBe(true);
  expect(isUnder(`${tarball(`https://${host}`)}#sha1=abc`, endpoint)).toBe(true);
  expect(isUnder('http://127.0.0.1:80/npm/my-repo/x.tgz', 'http://127.0.0.1/npm/my-repo/')).toBe(true);
  expect(isUnder('http://127.0.0.1/npm/my-repo/x.tgz', 'http://127.0.0.1:80/npm/my-repo')).toBe(true);
  // Not from the endpoint:
  expect(isUnder(tarball(`https://${host}:8443`), endpoint)).toBe(false);
  expect(isUnder(tarball(`http://${host}`), endpoint)).toBe(false);
  expect(isUnder(`https://${host}/npm/my-repo-2/lodash/-/lodash-4.17.21.tgz`, endpoint)).toBe(false);
  expect(isUnder('https://registry.example.invalid/lodash/-/lodash-4.17.21.tgz', endpoint)).toBe(false);
  expect(isUnder('http://127.0.0.1:443/npm/my-repo/x.tgz', 'https://127.0.0.1/npm/my-repo/')).toBe(false);
  expect(isUnder('not a url', endpoint)).toBe(false);
  expect(isUnder(tarball(`https://${host}`), 'nowhere')).toBe(false);
  expect(sameRegistry(`https://${host}:443/npm/my-repo`, endpoint)).toBe(true);
  expect(sameRegistry(`https://${host}/npm/other/`, endpoint)).toBe(false);
});

/** The cells whose install check the rewritten lockfiles go through, one per adapter. */
const LOCKFILE_CELLS: Array<{ cellId: string; spec: ToolSpec; lockfile: string }> = [
  { cellId: 'awscli1-npm11-node20', spec: { tool: 'npm', major: 11 }, lockfile: 'package-lock.json' },
  { cellId: 'awscli2-pnpm9-node20', spec: { tool: 'pnpm', major: 9 }, lockfile: 'pnpm-lock.yaml' },
  { cellId: 'awscli1-yarn1-node20', spec: { tool: 'yarn', major: 1 }, lockfile: 'yarn.lock' },
  // Berry records no URLs: they derive from .yarnrc.yml's npmRegistryServer, which gets the :443.
  { cellId: 'awscli1-yarn4-node20', spec: { tool: 'yarn', major: 4 }, lockfile: '.yarnrc.yml' },
];

for (const { cellId, spec, lockfile } of LOCKFILE_CELLS) {
  test(`a real ${cellId} lockfile rewritten to carry :443 passes the install check; another repository's does not`, async ({}, testInfo) => {
    test.setTimeout(240_000);
    const cell = matrix.find((c) => c.id === cellId);
    expect(cell, `the matrix has ${cellId}`).toBeTruthy();
    const adapter = adapterFor(spec);
    const toolchain = await ensureTool(spec);
    const fixture = await startFixtureRegistry(tutorialPackages);
    const emulator = await startEmulatorProcess(['--npmjs-url', fixture.url]);
    const codeartifact = new CodeartifactClient({ endpoint: emulator.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
    const sandbox = createSandbox(`lock-443-${spec.tool}${spec.major}`);
    try {
      const domain = `lock-${spec.tool}${spec.major}-${process.pid}`;
      const endpoint = await tutorialRepositories(codeartifact, domain);
      const env = sandbox.env({
        ...adapter.env(sandbox),
        PATH: [toolchain.binDir, process.env.PATH ?? ''].join(path.delimiter),
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_DEFAULT_REGION: REGION,
        AWS_MAX_ATTEMPTS: '1',
        AWS_PAGER: '',
      });
      const { authorizationToken: token } = await codeartifact.send(new GetAuthorizationTokenCommand({ domain, domainOwner: ACCOUNT }));
      if (!token) throw new Error('GetAuthorizationToken returned no token');
      const configured = await adapter.configure({
        sandbox,
        login: { domain, domainOwner: ACCOUNT, repository: 'my-repo', endpointUrl: emulator.url },
        registry: endpoint,
        token,
      });
      if (configured.kind === 'aws-login') {
        const login = await runCli(process.env.AWS_CLI ?? 'aws', configured.awsArgs, {
          env,
          isolatedEnv: true,
          cwd: sandbox.project,
          secrets: [token],
        });
        expect(login.exitCode, login.transcript()).toBe(0);
      }
      // Berry takes the nearest package.json above for its project unless the project has a lockfile;
      // a shared machine's /tmp may have one.
      if (spec.tool === 'yarn' && spec.major > 1) writeFileSync(path.join(sandbox.project, 'yarn.lock'), '');
      const [command, ...args] = adapter.install('lodash');
      const install = await runCli(command!, args, { env, isolatedEnv: true, cwd: sandbox.project, timeoutMs: 180_000, secrets: [token] });
      expect(install.exitCode, install.transcript()).toBe(0);

      // AWS's form: https, the domain's host, an explicit :443 in what the package manager recorded.
      const origin = new URL(emulator.url).origin;
      const awsHost = `${domain}-${AWS_ACCOUNT}.d.codeartifact.us-east-1.amazonaws.com`;
      const file = path.join(sandbox.project, lockfile);
      const recorded = readFileSync(file, 'utf8');
      expect(recorded, `${lockfile} names the emulator's origin`).toContain(origin);
      writeFileSync(file, recorded.replaceAll(origin, `https://${awsHost}:443`));
      const awsEndpoint = endpoint.replace(origin, `https://${awsHost}`);
      const urls = await adapter.resolvedUrls(sandbox.project);
      await testInfo.attach(`${lockfile} URLs after the rewrite`, { body: urls.join('\n'), contentType: 'text/plain' });
      expect(urls.length).toBeGreaterThan(0);
      for (const url of urls) {
        expect(url).toContain(`${awsHost}:443/`);
        expect(url.startsWith(awsEndpoint), 'a prefix comparison would call it foreign').toBe(false);
      }

      const check = cellScenario(cell!).steps.find((s) => s.id === 'npm-install')!;
      const ctx = { ...stepContext(sandbox), memory: { endpoint: awsEndpoint } };
      const passed = await check.check(ctx, install);
      expect(passed).toContain(`all ${urls.length} tarball URLs`);
      await expect(
        check.check({ ...ctx, memory: { endpoint: awsEndpoint.replace('/npm/my-repo/', '/npm/npm-store/') } }, install),
      ).rejects.toThrow(/resolves .* not from the repository endpoint/);
      if (spec.tool === 'npm') {
        // The tutorial's own step 7 check reads the same lockfile.
        const tutorialCheck = installAndList.find((s) => s.id === 'npm-install')!;
        expect(await tutorialCheck.check(ctx, install)).toContain('resolved from');
        await expect(
          tutorialCheck.check({ ...ctx, memory: { endpoint: awsEndpoint.replace('https://', 'http://') } }, install),
        ).rejects.toThrow(/not from the repository endpoint/);
      }
    } finally {
      sandbox.dispose();
      codeartifact.destroy();
      await emulator.stop();
      await fixture.close();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Retries

test('on the aws target the package managers keep their fetch retries; off AWS they are off', async () => {
  const sandbox = createSandbox('retries');
  try {
    for (const adapter of [PACKAGE_MANAGERS.npm, PACKAGE_MANAGERS.pnpm, PACKAGE_MANAGERS.yarnClassic]) {
      expect(adapter.env(sandbox).npm_config_fetch_retries, `${adapter.name} off AWS`).toBe('0');
      expect(adapter.env(sandbox, 'emulator').npm_config_fetch_retries, `${adapter.name} on the emulator`).toBe('0');
      expect(adapter.env(sandbox, 'aws'), `${adapter.name} on AWS`).not.toHaveProperty('npm_config_fetch_retries');
    }
    // What a real npm makes of it, through the matrix cell's toolbox.
    const cell = matrix.find((c) => c.id === 'awscli1-npm11-node20')!;
    const askNpm = async (target: 'aws' | 'emulator') => {
      const tools = await cellToolbox(cell, target);
      const env = sandbox.env({ ...tools.env(sandbox), PATH: [...tools.pathPrefix, process.env.PATH ?? ''].join(path.delimiter) });
      const run = await runCli('npm', ['config', 'get', 'fetch-retries'], { env, isolatedEnv: true });
      expect(run.exitCode, run.transcript()).toBe(0);
      return run.stdout.trim();
    };
    expect(await askNpm('emulator')).toBe('0');
    expect(await askNpm('aws'), "npm's default").toBe('2');
  } finally {
    sandbox.dispose();
  }
});

// ---------------------------------------------------------------------------------------------
// aws CLI minimums

test('the minimum aws CLI depends on npm: 1.18.77 / 2.0.21 for CodeArtifact, 1.27.23 / 2.9.5 for npm 9 and later', async () => {
  const table: Array<[aws: string, npm: string | undefined, ok: boolean]> = [
    ['2.0.21', undefined, true],
    ['2.0.20', undefined, false],
    ['1.18.77', undefined, true],
    ['1.18.76', undefined, false],
    ['2.0.21', '8.19.4', true],
    ['1.18.77', '6.14.18', true],
    ['2.0.21', '9.0.0', false],
    ['2.0.21', '10.9.2', false],
    ['2.9.4', '9.8.1', false],
    ['2.9.5', '9.0.0', true],
    ['2.9.19', '11.19.1', true],
    ['1.27.22', '9.1.0', false],
    ['1.27.23', '11.0.0', true],
    ['1.45.11', '10.9.2', true],
    ['2.8.13', '9.0.0-pre.1', false],
  ];
  for (const [aws, npm, ok] of table) {
    const problem = awsCliTooOld(aws, npm);
    expect(problem === undefined, `aws CLI ${aws} with npm ${npm ?? '(unknown)'}: ${problem ?? 'accepted'}`).toBe(ok);
  }
  expect(awsCliTooOld('2.0.21', '10.9.2')).toContain('2.9.5');
  expect(awsCliTooOld('1.20.0', '9.0.0')).toContain('1.27.23');
  expect(awsCliTooOld('3.0.0')).toContain('neither v1 nor v2');
  expect(awsCliTooOld('garbage')).toContain('not an aws CLI version');
  expect(minimumAwsCli(2)).toEqual({ version: '2.0.21', because: expect.stringContaining('CodeArtifact commands') });

  // The "before you begin" steps: the aws CLI first (npm not known yet), then npm with the aws CLI.
  const [awsStep, npmStep] = prerequisites;
  const ctx = (memory: Record<string, string>) => ({ memory }) as unknown as StepContext;
  const run = undefined as never;
  await expect(awsStep!.check(ctx({ awsCliVersion: '2.0.21' }), run)).resolves.toContain('at least 2.0.21');
  await expect(awsStep!.check(ctx({ awsCliVersion: '2.0.20' }), run)).rejects.toThrow(/2\.0\.21/);
  await expect(npmStep!.check(ctx({ awsCliVersion: '2.0.21', npmVersion: '10.9.2' }), run)).rejects.toThrow(/2\.9\.5/);
  await expect(npmStep!.check(ctx({ awsCliVersion: '2.0.21', npmVersion: '8.19.4' }), run)).resolves.toContain('npm 8.19.4');
  // A matrix npm cell checks its own npm the same way; a pnpm cell has no npm version to judge.
  const npmCell = cellScenario(matrix.find((c) => c.id === 'awscli2-npm9-node20')!).steps[1]!;
  const pnpmCell = cellScenario(matrix.find((c) => c.id === 'awscli2-pnpm9-node20')!).steps[1]!;
  await expect(npmCell.check(ctx({ awsCliVersion: '2.9.4', packageManagerVersion: '9.9.4', npmVersion: '9.9.4' }), run)).rejects.toThrow(
    /2\.9\.5/,
  );
  await expect(pnpmCell.check(ctx({ awsCliVersion: '2.9.4', packageManagerVersion: '9.15.0' }), run)).resolves.toContain('pnpm 9.15.0');

  // With the real CLIs on this machine: what they print goes through read() and check().
  for (const awsCli of ['aws', '/usr/bin/aws']) {
    const memory: Record<string, string> = {};
    const stepCtx = ctx(memory);
    const versionRun = await runCli(awsCli, ['--version']);
    awsStep!.read!(versionRun, stepCtx);
    const npmRun = await runCli('npm', ['--version']);
    npmStep!.read!(npmRun, stepCtx);
    expect(memory.awsCliVersion, versionRun.transcript()).toMatch(/^\d+\.\d+\.\d+$/);
    await expect(npmStep!.check(stepCtx, npmRun)).resolves.toContain(`with aws CLI ${memory.awsCliVersion}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Partition and regions

test('the partition comes from the region; a region without CodeArtifact is refused, naming the ones with it', () => {
  expect(partitionOf('us-east-1')).toBe('aws');
  expect(partitionOf('eu-north-1')).toBe('aws');
  expect(partitionOf('cn-north-1')).toBe('aws-cn');
  expect(partitionOf('cn-northwest-1')).toBe('aws-cn');
  expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
  expect(codeartifactArn('cn-north-1', AWS_ACCOUNT, { kind: 'domain', domain: 'd' })).toBe(
    `arn:aws-cn:codeartifact:cn-north-1:${AWS_ACCOUNT}:domain/d`,
  );
  expect(codeartifactArn('us-gov-west-1', AWS_ACCOUNT, { kind: 'repository', domain: 'd', repository: 'my-repo' })).toBe(
    `arn:aws-us-gov:codeartifact:us-gov-west-1:${AWS_ACCOUNT}:repository/d/my-repo`,
  );
  expect(codeartifactArn('us-east-1', AWS_ACCOUNT, { kind: 'domain', domain: 'd' })).toBe(
    `arn:aws:codeartifact:us-east-1:${AWS_ACCOUNT}:domain/d`,
  );

  for (const region of CODEARTIFACT_REGIONS) expect(codeartifactRegionProblem(region), region).toBeUndefined();
  expect(CODEARTIFACT_REGIONS).toContain('us-east-1');
  for (const region of ['cn-north-1', 'us-gov-west-1', 'sa-east-1', 'us-east-7']) {
    const problem = codeartifactRegionProblem(region);
    expect(problem?.message, region).toContain(region);
    expect(problem?.fix).toContain('us-east-1, us-west-2');
    expect(() => requireCodeArtifactRegion(region)).toThrow(InfrastructureError);
  }
  expect(() => requireCodeArtifactRegion('eu-west-1')).not.toThrow();

  // No ARN is written with a fixed partition anywhere in the harness.
  const fixed = harnessSources()
    .filter((f) => !f.endsWith(path.join('target', 'partition.ts')))
    // AWS's own sample outputs, quoted as documented (scenarios/tutorial.ts documentedOutputs), are not ARNs the harness builds.
    .filter((f) => /['`]arn:aws:/.test(readFileSync(f, 'utf8')))
    .map((f) => path.relative(ROOT, f));
  expect(fixed, 'files that build ARNs in the aws partition whatever the region').toEqual([]);
});
