/**
 * The emulator's contract through the real aws CLIs: v1 (1.45.x, pyenv, `aws` on PATH) and
 * v2 (2.9.19, Debian, /usr/bin/aws). Every test runs once per CLI. The tutorial's commands
 * run as documented (only names, account and endpoint differ), every other control-plane
 * operation runs once, and the error paths a user meets are checked by exit code and by the
 * error code the CLI prints.
 *
 * Each CLI runs in an isolated environment: the test credentials, us-east-1, one attempt, no
 * pager, empty config and credentials files and HOME in a throwaway directory (the user's
 * ~/.aws is never read or written), always `--endpoint-url` (v2 2.9.19 ignores
 * AWS_ENDPOINT_URL) and `--output json` unless a step asks for another output.
 *
 * Set-up that is not the command under test (a domain to find a duplicate of, a repository to
 * connect twice) is made through the SDK: each CLI call costs about a second of CPU.
 *
 * Names are unique per test, and every domain a test creates is removed after it (its
 * repositories first), through the SDK, whether the test passed or not.
 */
import { AssociateExternalConnectionCommand, CreateDomainCommand, CreateRepositoryCommand } from '@aws-sdk/client-codeartifact';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from '../../helpers/run/cli.ts';
import { CLIS, type AwsCli } from './aws-cli.ts';
import { ACCOUNT, REGION, expect, test as base, uniqueName } from './fixtures.ts';

/** Parsed CLI output: checked by matchers, so deliberately untyped. */
type Json = any;
type Aws = (args: string[], options?: { env?: Record<string, string> }) => Promise<CliRun>;
interface DomainTracker {
  /** Registers a domain for removal after the test and returns its name. */
  track(name: string): string;
}

const test = base.extend<{ cli: AwsCli; awsHome: string; aws: Aws; domains: DomainTracker }>({
  cli: [CLIS[0]!, { option: true }],

  awsHome: async ({}, use) => {
    const home = await mkdtemp(join(tmpdir(), 'cli-contract-home-'));
    await writeFile(join(home, 'config'), '');
    await writeFile(join(home, 'credentials'), '');
    await use(home);
    await rm(home, { recursive: true, force: true });
  },

  aws: async ({ cli, emulator, awsHome }, use, testInfo) => {
    const baseEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      ...(process.env.PYENV_ROOT ? { PYENV_ROOT: process.env.PYENV_ROOT } : {}),
      ...(process.env.PYENV_VERSION ? { PYENV_VERSION: process.env.PYENV_VERSION } : {}),
      LANG: 'C.UTF-8',
      HOME: awsHome,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: REGION,
      AWS_MAX_ATTEMPTS: '1',
      AWS_PAGER: '',
      AWS_CONFIG_FILE: join(awsHome, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(awsHome, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    await use((args, options = {}) =>
      runCli(cli.bin, [...args, '--endpoint-url', emulator.url, ...(args.includes('--output') ? [] : ['--output', 'json'])], {
        env: { ...baseEnv, ...options.env },
        isolatedEnv: true,
        timeoutMs: 30_000,
      }),
    );
    if (testInfo.status !== testInfo.expectedStatus) {
      // "Could not connect to the endpoint URL" and friends: show whether the emulator was still there.
      const { exitCode, signalCode, pid } = emulator.child;
      await testInfo.attach('emulator', {
        contentType: 'text/plain',
        body: `url ${emulator.url}, pid ${pid}, exitCode ${exitCode}, signal ${signalCode}\n--- stderr ---\n${emulator.stderr()}`,
      });
    }
  },

  // The clean-up fixture removes them, repositories first, whether the test passed or not.
  domains: async ({ codeartifact, cleanup }, use) => {
    await use({ track: (name) => cleanup.track(codeartifact, name) });
  },
});

// ---- what AWS documents, as matchers ---------------------------------------------------------

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const KMS_KEY_ARN = new RegExp(`^arn:aws:kms:${REGION}:\\d{12}:key/\\S+$`);
const domainArn = (domain: string) => `arn:aws:codeartifact:${REGION}:${ACCOUNT}:domain/${domain}`;
const repositoryArn = (domain: string, repository: string) =>
  `arn:aws:codeartifact:${REGION}:${ACCOUNT}:repository/${domain}/${repository}`;

/** A Timestamp member as this CLI prints it. */
const timestamp = (cli: AwsCli) => (cli.timestamps === 'epoch' ? expect.any(Number) : expect.stringMatching(ISO_8601));

/** A printed Timestamp as epoch milliseconds. */
function epochMs(value: unknown): number {
  if (typeof value === 'number') return value * 1000;
  if (typeof value === 'string' && ISO_8601.test(value)) return Date.parse(value);
  throw new Error(`Not a timestamp as the aws CLI prints one: ${JSON.stringify(value)}`);
}

function domainDescription(cli: AwsCli, domain: string, repositoryCount: number, status: 'Active' | 'Deleted' = 'Active') {
  return {
    name: domain,
    owner: ACCOUNT,
    arn: domainArn(domain),
    status,
    createdTime: timestamp(cli),
    encryptionKey: expect.stringMatching(KMS_KEY_ARN),
    repositoryCount,
    assetSizeBytes: expect.any(Number),
    s3BucketArn: expect.stringMatching(/^arn:aws:s3:::\S+$/),
  };
}

function domainSummary(cli: AwsCli, domain: string) {
  return {
    name: domain,
    owner: ACCOUNT,
    arn: domainArn(domain),
    status: 'Active',
    createdTime: timestamp(cli),
    encryptionKey: expect.stringMatching(KMS_KEY_ARN),
  };
}

interface RepositoryShape {
  description?: string;
  upstreams?: string[];
  /** The tests connect only the tutorial's public:npmjs. */
  externalConnections?: 'public:npmjs'[];
}

// AWS prints AVAILABLE (the tutorial's transcript); the API model's enum says Available. AWS wins.
const NPMJS = { externalConnectionName: 'public:npmjs', packageFormat: 'npm', status: 'AVAILABLE' };

function repositoryDescription(cli: AwsCli, domain: string, repository: string, shape: RepositoryShape = {}) {
  return {
    name: repository,
    administratorAccount: ACCOUNT,
    domainName: domain,
    domainOwner: ACCOUNT,
    arn: repositoryArn(domain, repository),
    description: shape.description,
    upstreams: (shape.upstreams ?? []).map((repositoryName) => ({ repositoryName })),
    externalConnections: (shape.externalConnections ?? []).map(() => NPMJS),
    createdTime: cli.repositoryCreatedTime ? timestamp(cli) : undefined,
  };
}

function repositorySummary(cli: AwsCli, domain: string, repository: string, description?: string) {
  return {
    name: repository,
    administratorAccount: ACCOUNT,
    domainName: domain,
    domainOwner: ACCOUNT,
    arn: repositoryArn(domain, repository),
    description,
    createdTime: cli.repositoryCreatedTime ? timestamp(cli) : undefined,
  };
}

function policyDocument(resource: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadFromTheAccount',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: ['codeartifact:GetAuthorizationToken', 'codeartifact:ReadFromRepository', 'sts:GetServiceBearerToken'],
        Resource: resource,
      },
    ],
  });
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);

// ---- how a run must end ----------------------------------------------------------------------

/** Exit 0 and a JSON document on stdout. */
function ok(run: CliRun): Json {
  expect(run.exitCode, run.transcript()).toBe(0);
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new Error(`stdout is not JSON:\n${run.transcript()}`);
  }
}

/** Exit 0 and nothing on stdout: what the CLI prints for an operation with an empty output shape. */
function okEmpty(run: CliRun): void {
  expect(run.exitCode, run.transcript()).toBe(0);
  expect(run.stdout.trim(), run.transcript()).toBe('');
}

/** The service's error, as the CLI reports it: its exit code and "An error occurred (Code) when calling the Op operation: message". */
function serviceError(cli: AwsCli, run: CliRun, code: string, operation: string): void {
  expect(run.exitCode, run.transcript()).toBe(cli.serviceErrorExit);
  // v2 inserts " (reached max retries: 0)" before the colon.
  expect(run.stderr).toMatch(
    new RegExp(`An error occurred \\(${code}\\) when calling the ${operation} operation( \\(reached max retries: \\d+\\))?: \\S`),
  );
  expect(run.stdout.trim(), run.transcript()).toBe('');
}

// ---- the tests -------------------------------------------------------------------------------

// The CLIs take 0.5-2 s per call (more on a loaded machine) and the tutorial walk makes 18 calls:
// allow twice the project's default before calling a test hung.
test.describe.configure({ mode: 'parallel', timeout: 120_000 });

for (const cli of CLIS) {
  test.describe(`aws CLI ${cli.name} (${cli.command})`, () => {
    test.use({ cli });

    test('walks the tutorial from create-domain to delete-domain', async ({ aws, emulator, domains }) => {
      const domain = domains.track(uniqueName(`tut-${cli.name}`));
      const started = Date.now();

      await test.step('aws sts get-caller-identity', async () => {
        const identity = ok(await aws(['sts', 'get-caller-identity']));
        expect(identity).toEqual({
          UserId: expect.stringMatching(/\S/),
          Account: ACCOUNT,
          Arn: expect.stringMatching(new RegExp(`^arn:aws:(iam|sts)::${ACCOUNT}:\\S+$`)),
        });
      });

      await test.step('aws codeartifact create-domain', async () => {
        const out = ok(await aws(['codeartifact', 'create-domain', '--domain', domain]));
        expect(out).toEqual({ domain: domainDescription(cli, domain, 0) });
        const created = epochMs(out.domain.createdTime);
        expect(created).toBeGreaterThanOrEqual(started - 5_000);
        expect(created).toBeLessThanOrEqual(Date.now() + 5_000);
      });

      for (const repository of ['my-repo', 'npm-store']) {
        await test.step(`aws codeartifact create-repository --repository ${repository}`, async () => {
          const out = ok(
            await aws(['codeartifact', 'create-repository', '--domain', domain, '--domain-owner', ACCOUNT, '--repository', repository]),
          );
          expect(out).toEqual({ repository: repositoryDescription(cli, domain, repository) });
          if (cli.repositoryCreatedTime) expect(epochMs(out.repository.createdTime)).toBeGreaterThanOrEqual(started - 5_000);
        });
      }

      await test.step('aws codeartifact associate-external-connection', async () => {
        const out = ok(
          await aws([
            'codeartifact',
            'associate-external-connection',
            '--domain',
            domain,
            '--domain-owner',
            ACCOUNT,
            '--repository',
            'npm-store',
            '--external-connection',
            'public:npmjs',
          ]),
        );
        expect(out).toEqual({ repository: repositoryDescription(cli, domain, 'npm-store', { externalConnections: ['public:npmjs'] }) });
      });

      await test.step('aws codeartifact update-repository --upstreams', async () => {
        const out = ok(
          await aws([
            'codeartifact',
            'update-repository',
            '--repository',
            'my-repo',
            '--domain',
            domain,
            '--domain-owner',
            ACCOUNT,
            '--upstreams',
            'repositoryName=npm-store',
          ]),
        );
        expect(out).toEqual({ repository: repositoryDescription(cli, domain, 'my-repo', { upstreams: ['npm-store'] }) });
      });

      await test.step('aws codeartifact get-authorization-token (default duration: 12 hours)', async () => {
        const before = Date.now();
        const out = ok(await aws(['codeartifact', 'get-authorization-token', '--domain', domain, '--domain-owner', ACCOUNT]));
        const after = Date.now();
        // The runner masks the token in recorded JSON; its real value is checked in the text step.
        expect(out).toEqual({ authorizationToken: expect.stringMatching(/\S/), expiration: timestamp(cli) });
        const expires = epochMs(out.expiration);
        expect(expires).toBeGreaterThanOrEqual(before + 43_200_000 - 2_000);
        expect(expires).toBeLessThanOrEqual(after + 43_200_000 + 2_000);
      });

      await test.step('aws codeartifact get-authorization-token --query authorizationToken --output text', async () => {
        const run = await aws([
          'codeartifact',
          'get-authorization-token',
          '--domain',
          domain,
          '--domain-owner',
          ACCOUNT,
          '--query',
          'authorizationToken',
          '--output',
          'text',
        ]);
        // The raw token is on stdout here: report only stderr if this fails.
        expect(run.exitCode, run.stderr).toBe(0);
        expect(/^\S{20,}\n$/.test(run.stdout), 'stdout is exactly one token and a newline').toBe(true);
      });

      await test.step('aws codeartifact get-authorization-token --duration-seconds 900', async () => {
        const before = Date.now();
        const out = ok(
          await aws([
            'codeartifact',
            'get-authorization-token',
            '--domain',
            domain,
            '--domain-owner',
            ACCOUNT,
            '--duration-seconds',
            '900',
          ]),
        );
        const after = Date.now();
        expect(out).toEqual({ authorizationToken: expect.stringMatching(/\S/), expiration: timestamp(cli) });
        const expires = epochMs(out.expiration);
        expect(expires).toBeGreaterThanOrEqual(before + 900_000 - 2_000);
        expect(expires).toBeLessThanOrEqual(after + 900_000 + 2_000);
      });

      await test.step('aws codeartifact get-repository-endpoint --format npm', async () => {
        const out = ok(
          await aws([
            'codeartifact',
            'get-repository-endpoint',
            '--domain',
            domain,
            '--domain-owner',
            ACCOUNT,
            '--repository',
            'my-repo',
            '--format',
            'npm',
          ]),
        );
        expect(out).toEqual({ repositoryEndpoint: expect.any(String) });
        const endpoint: string = out.repositoryEndpoint;
        expect(endpoint.startsWith(`${emulator.url}/`), endpoint).toBe(true);
        expect(endpoint.endsWith('/npm/my-repo/'), endpoint).toBe(true);
        expect(endpoint).toContain(`${domain}-${ACCOUNT}`);
      });

      await test.step('aws codeartifact list-repositories-in-domain', async () => {
        const out = ok(await aws(['codeartifact', 'list-repositories-in-domain', '--domain', domain, '--domain-owner', ACCOUNT]));
        expect(Object.keys(out)).toEqual(['repositories']);
        expect([...out.repositories].sort(byName)).toEqual([
          repositorySummary(cli, domain, 'my-repo'),
          repositorySummary(cli, domain, 'npm-store'),
        ]);
      });

      await test.step('aws codeartifact describe-repository', async () => {
        const myRepo = ok(
          await aws(['codeartifact', 'describe-repository', '--domain', domain, '--domain-owner', ACCOUNT, '--repository', 'my-repo']),
        );
        expect(myRepo).toEqual({ repository: repositoryDescription(cli, domain, 'my-repo', { upstreams: ['npm-store'] }) });
        const npmStore = ok(
          await aws(['codeartifact', 'describe-repository', '--domain', domain, '--domain-owner', ACCOUNT, '--repository', 'npm-store']),
        );
        expect(npmStore).toEqual({
          repository: repositoryDescription(cli, domain, 'npm-store', { externalConnections: ['public:npmjs'] }),
        });
      });

      await test.step('aws codeartifact delete-repository (my-repo, then npm-store)', async () => {
        const myRepo = ok(
          await aws(['codeartifact', 'delete-repository', '--domain', domain, '--domain-owner', ACCOUNT, '--repository', 'my-repo']),
        );
        expect(myRepo).toEqual({ repository: repositoryDescription(cli, domain, 'my-repo', { upstreams: ['npm-store'] }) });
        const npmStore = ok(
          await aws(['codeartifact', 'delete-repository', '--domain', domain, '--domain-owner', ACCOUNT, '--repository', 'npm-store']),
        );
        expect(npmStore).toEqual({
          repository: repositoryDescription(cli, domain, 'npm-store', { externalConnections: ['public:npmjs'] }),
        });
      });

      await test.step('aws codeartifact delete-domain', async () => {
        const out = ok(await aws(['codeartifact', 'delete-domain', '--domain', domain, '--domain-owner', ACCOUNT]));
        expect(out).toEqual({ domain: domainDescription(cli, domain, 0, 'Deleted') });
        serviceError(
          cli,
          await aws(['codeartifact', 'describe-domain', '--domain', domain]),
          'ResourceNotFoundException',
          'DescribeDomain',
        );
      });
    });

    test('domains: create-domain --tags, describe, list, tags and the domain permissions policy', async ({ aws, domains }) => {
      const domain = domains.track(uniqueName(`dom-${cli.name}`));
      const arn = domainArn(domain);
      const tags = async () => {
        const out = ok(await aws(['codeartifact', 'list-tags-for-resource', '--resource-arn', arn]));
        expect(Object.keys(out)).toEqual(['tags']);
        return [...out.tags].sort(byKey);
      };

      await test.step('create-domain --tags, describe-domain, list-domains', async () => {
        const created = ok(
          await aws(['codeartifact', 'create-domain', '--domain', domain, '--tags', 'key=team,value=platform', 'key=env,value=test']),
        );
        expect(created).toEqual({ domain: domainDescription(cli, domain, 0) });
        const described = ok(await aws(['codeartifact', 'describe-domain', '--domain', domain, '--domain-owner', ACCOUNT]));
        expect(described).toEqual({ domain: domainDescription(cli, domain, 0) });
        expect(described.domain.createdTime).toEqual(created.domain.createdTime);
        const listed = ok(await aws(['codeartifact', 'list-domains']));
        expect(listed.domains).toContainEqual(domainSummary(cli, domain));
      });

      await test.step('list-tags-for-resource, tag-resource, untag-resource', async () => {
        expect(await tags()).toEqual([
          { key: 'env', value: 'test' },
          { key: 'team', value: 'platform' },
        ]);
        okEmpty(
          await aws(['codeartifact', 'tag-resource', '--resource-arn', arn, '--tags', 'key=env,value=prod', 'key=cost-center,value=42']),
        );
        okEmpty(await aws(['codeartifact', 'untag-resource', '--resource-arn', arn, '--tag-keys', 'team']));
        expect(await tags()).toEqual([
          { key: 'cost-center', value: '42' },
          { key: 'env', value: 'prod' },
        ]);
      });

      await test.step('put/get/delete-domain-permissions-policy', async () => {
        const document = policyDocument('*');
        const put = ok(
          await aws([
            'codeartifact',
            'put-domain-permissions-policy',
            '--domain',
            domain,
            '--domain-owner',
            ACCOUNT,
            '--policy-document',
            document,
          ]),
        );
        expect(put).toEqual({ policy: { resourceArn: arn, revision: expect.stringMatching(/^\S+$/), document } });
        const got = ok(await aws(['codeartifact', 'get-domain-permissions-policy', '--domain', domain, '--domain-owner', ACCOUNT]));
        expect(got).toEqual(put);
        const deleted = ok(
          await aws([
            'codeartifact',
            'delete-domain-permissions-policy',
            '--domain',
            domain,
            '--domain-owner',
            ACCOUNT,
            '--policy-revision',
            put.policy.revision,
          ]),
        );
        expect(deleted).toEqual(put);
        serviceError(
          cli,
          await aws(['codeartifact', 'get-domain-permissions-policy', '--domain', domain, '--domain-owner', ACCOUNT]),
          'ResourceNotFoundException',
          'GetDomainPermissionsPolicy',
        );
      });
    });

    test('repositories: --description and --upstreams, list-repositories, external connections, repository policy', async ({
      aws,
      codeartifact,
      domains,
    }) => {
      const domain = domains.track(uniqueName(`repo-${cli.name}`));
      const upstream = uniqueName('base');
      const app = uniqueName('app');
      const description = 'Packages of the app, with base as upstream';

      await test.step('create-repository --description --upstreams', async () => {
        // The domain and the upstream are set-up (the tutorial walk runs both commands): the SDK makes them.
        await codeartifact.send(new CreateDomainCommand({ domain }));
        await codeartifact.send(new CreateRepositoryCommand({ domain, repository: upstream }));
        const out = ok(
          await aws([
            'codeartifact',
            'create-repository',
            '--domain',
            domain,
            '--domain-owner',
            ACCOUNT,
            '--repository',
            app,
            '--description',
            description,
            '--upstreams',
            `repositoryName=${upstream}`,
          ]),
        );
        expect(out).toEqual({ repository: repositoryDescription(cli, domain, app, { description, upstreams: [upstream] }) });
      });

      await test.step('list-repositories --repository-prefix', async () => {
        const out = ok(await aws(['codeartifact', 'list-repositories', '--repository-prefix', app]));
        expect(out).toEqual({ repositories: [repositorySummary(cli, domain, app, description)] });
      });

      await test.step('associate-external-connection, then disassociate-external-connection', async () => {
        const location = ['--domain', domain, '--domain-owner', ACCOUNT, '--repository', upstream, '--external-connection', 'public:npmjs'];
        const associated = ok(await aws(['codeartifact', 'associate-external-connection', ...location]));
        expect(associated).toEqual({ repository: repositoryDescription(cli, domain, upstream, { externalConnections: ['public:npmjs'] }) });
        const disassociated = ok(await aws(['codeartifact', 'disassociate-external-connection', ...location]));
        expect(disassociated).toEqual({ repository: repositoryDescription(cli, domain, upstream) });
      });

      await test.step('put/get/delete-repository-permissions-policy', async () => {
        const location = ['--domain', domain, '--domain-owner', ACCOUNT, '--repository', app];
        const document = policyDocument(repositoryArn(domain, app));
        const put = ok(await aws(['codeartifact', 'put-repository-permissions-policy', ...location, '--policy-document', document]));
        expect(put).toEqual({
          policy: { resourceArn: repositoryArn(domain, app), revision: expect.stringMatching(/^\S+$/), document },
        });
        const got = ok(await aws(['codeartifact', 'get-repository-permissions-policy', ...location]));
        expect(got).toEqual(put);
        const deleted = ok(
          await aws(['codeartifact', 'delete-repository-permissions-policy', ...location, '--policy-revision', put.policy.revision]),
        );
        expect(deleted).toEqual(put);
      });
    });

    test('service errors: unknown domain, duplicate domain, invalid name, second external connection, non-empty domain', async ({
      aws,
      codeartifact,
      domains,
    }) => {
      const domain = domains.track(uniqueName(`err-${cli.name}`));

      await test.step('describe-domain of an unknown domain: ResourceNotFoundException', async () => {
        const run = await aws(['codeartifact', 'describe-domain', '--domain', uniqueName('missing')]);
        serviceError(cli, run, 'ResourceNotFoundException', 'DescribeDomain');
      });

      await test.step('create-domain of an existing domain: ConflictException', async () => {
        await codeartifact.send(new CreateDomainCommand({ domain }));
        serviceError(cli, await aws(['codeartifact', 'create-domain', '--domain', domain]), 'ConflictException', 'CreateDomain');
      });

      await test.step('create-domain My_Domain: the CLI sends it, the server answers ValidationException', async () => {
        const run = await aws(['codeartifact', 'create-domain', '--domain', 'My_Domain']);
        serviceError(cli, run, 'ValidationException', 'CreateDomain');
      });

      await test.step('create-domain with a one-letter name: the CLI rejects it itself', async () => {
        const run = await aws(['codeartifact', 'create-domain', '--domain', 'x']);
        expect(run.exitCode, run.transcript()).toBe(cli.paramValidationExit);
        expect(run.stderr).toContain('Parameter validation failed');
        expect(run.stderr).not.toContain('An error occurred');
      });

      // 400 ValidationException, as AWS answers (awsdocs/aws-cloudformation-user-guide pull request 1127).
      await test.step('a second external connection: ValidationException', async () => {
        await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'npm-store' }));
        await codeartifact.send(
          new AssociateExternalConnectionCommand({ domain, repository: 'npm-store', externalConnection: 'public:npmjs' }),
        );
        const location = ['--domain', domain, '--domain-owner', ACCOUNT, '--repository', 'npm-store'];
        const run = await aws(['codeartifact', 'associate-external-connection', ...location, '--external-connection', 'public:pypi']);
        serviceError(cli, run, 'ValidationException', 'AssociateExternalConnection');
        expect(run.stderr).toContain('ExternalConnections for repositories are currently limited to 1');
      });

      await test.step('delete-domain of a domain with repositories: ConflictException, and the domain stays', async () => {
        const run = await aws(['codeartifact', 'delete-domain', '--domain', domain, '--domain-owner', ACCOUNT]);
        serviceError(cli, run, 'ConflictException', 'DeleteDomain');
        const described = ok(await aws(['codeartifact', 'describe-domain', '--domain', domain, '--domain-owner', ACCOUNT]));
        expect(described).toEqual({ domain: domainDescription(cli, domain, 1) });
      });
    });

    test('credentials: CodeArtifact rejects a wrong secret key and an unknown access key', async ({ aws }) => {
      const wrongSecret = await aws(['codeartifact', 'list-domains'], { env: { AWS_SECRET_ACCESS_KEY: 'not-the-secret' } });
      serviceError(cli, wrongSecret, 'InvalidSignatureException', 'ListDomains');
      expect(wrongSecret.stderr).toContain('The request signature we calculated does not match the signature you provided');

      const unknownKey = await aws(['codeartifact', 'list-domains'], { env: { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNKEY000000' } });
      serviceError(cli, unknownKey, 'UnrecognizedClientException', 'ListDomains');
      expect(unknownKey.stderr).toContain('The security token included in the request is invalid');
    });

    // STS speaks the query protocol: it rejects credentials with SignatureDoesNotMatch and
    // InvalidClientTokenId (AWS's common errors for query APIs), not with the JSON services'
    // InvalidSignatureException and UnrecognizedClientException.
    test('credentials: STS rejects a wrong secret key with SignatureDoesNotMatch', async ({ aws }) => {
      const run = await aws(['sts', 'get-caller-identity'], { env: { AWS_SECRET_ACCESS_KEY: 'not-the-secret' } });
      serviceError(cli, run, 'SignatureDoesNotMatch', 'GetCallerIdentity');
      expect(run.stderr).toContain('The request signature we calculated does not match the signature you provided');
    });

    test('credentials: STS rejects an unknown access key with InvalidClientTokenId', async ({ aws }) => {
      const run = await aws(['sts', 'get-caller-identity'], { env: { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNKEY000000' } });
      serviceError(cli, run, 'InvalidClientTokenId', 'GetCallerIdentity');
      expect(run.stderr).toContain('The security token included in the request is invalid');
    });
  });
}
