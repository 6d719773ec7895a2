/**
 * "Get started with CodeArtifact via AWS CLI" as data. Commands are the tutorial's; as run,
 * its account 326213389784 becomes the target's, my-domain becomes the run's own domain, and
 * off AWS every aws call gets the endpoint flag. Repository names stay as documented: they
 * are scoped by the run's domain.
 */
import {
  DescribeDomainCommand,
  DescribeRepositoryCommand,
  ListPackagesCommand,
  type CodeartifactClient,
} from '@aws-sdk/client-codeartifact';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { goneText, goneWaitMs, waitUntilDomainGone, waitUntilRepositoryGone } from '../helpers/run/eventual.ts';
import { isUnder } from '../helpers/run/urls.ts';
import { awsCliTooOld, minimumAwsCli } from './cli-minimums.ts';
import { declaredFor, describeDifference, diff } from '../helpers/evidence/compare.ts';
import { readDivergences } from '../helpers/evidence/snapshots.ts';
import { sdkToJson, type Json } from '../helpers/evidence/transformers.ts';
import type { Scenario, StepCommand, StepContext, StepDocumentedOutput, TutorialStep } from './types.ts';

export const TUTORIAL_ACCOUNT = '326213389784';
/** The oldest aws CLI versions that have CodeArtifact commands, per the tutorial (whatever the npm). */
export const MIN_AWS_CLI = { 1: minimumAwsCli(1).version, 2: minimumAwsCli(2).version } as const;
/** With npm 9 and later, login needs newer ones (AWS's npm guide): checked once npm's version is known. */
const MIN_AWS_CLI_NPM9 = { 1: minimumAwsCli(1, '9.0.0').version, 2: minimumAwsCli(2, '9.0.0').version } as const;

/** The aws CLI read in the first step against the npm read in the second: undefined when they go together. */
export function awsCliTooOldForNpm(memory: Record<string, string>): string | undefined {
  return memory.awsCliVersion ? awsCliTooOld(memory.awsCliVersion, memory.npmVersion) : undefined;
}

const aws = (args: string[], extra: Partial<StepCommand> = {}): StepCommand => ({ tool: 'aws', args, ...extra });

function expectEqual(what: string, expected: unknown, actual: unknown): void {
  if (JSON.stringify(expected) !== JSON.stringify(actual)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`);
  }
}

async function describeRepository(codeartifact: CodeartifactClient, domain: string, repository: string) {
  return (await codeartifact.send(new DescribeRepositoryCommand({ domain, repository }))).repository;
}

/** Gone as AWS's eventual consistency allows: polled for a bounded while (helpers/run/eventual.ts). */
async function expectRepositoryGone({ codeartifact, names, target }: StepContext, repository: string): Promise<string> {
  const result = await waitUntilRepositoryGone(codeartifact, names.domain, repository, goneWaitMs(target));
  const text = goneText(`repository ${repository}`, result);
  if (!result.gone) throw new Error(text);
  return text;
}

/** Polls with backoff (250 ms doubling to 15 s) until `probe` returns a value or the limit passes. */
export async function pollUntil<T>(limitMs: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + limitMs;
  let wait = 250;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() + wait > deadline) return undefined;
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 15_000);
  }
}

// ---------------------------------------------------------------------------------------------
// What AWS documents the commands print: the aws CLI's own examples (aws/aws-cli,
// awscli/examples/<service>/<command>.rst), verbatim. Their names are the examples' own.
// ---------------------------------------------------------------------------------------------

const EXAMPLES = 'aws/aws-cli awscli/examples';
const EXAMPLE_NAMES = { domain: 'test-domain', account: '111122223333', region: 'us-west-2', repository: 'test-repo' };
/** What AWS answers for a repository, the fields the run must repeat: which repository, in which domain and account. */
const REPOSITORY_IDENTITY = [
  'repository.name',
  'repository.administratorAccount',
  'repository.domainName',
  'repository.domainOwner',
  'repository.arn',
];
const NOT_IN_TUTORIAL = { path: 'repository.description', why: "the example passes --description; the tutorial's command does not" };

const repositorySample = (description: string, externalConnections = '[]') => `{
    "repository": {
        "name": "test-repo",
        "administratorAccount": "111122223333",
        "domainName": "test-domain",
        "domainOwner": "111122223333",
        "arn": "arn:aws:codeartifact:us-west-2:111122223333:repository/test-domain/test-repo",
        ${description ? `"description": "${description}",\n        ` : ''}"upstreams": [],
        "externalConnections": ${externalConnections}
    }
}`;

/** The status AWS's transcripts show for an external connection (the API model says Available: transcripts win). */
export const EXTERNAL_CONNECTION_AVAILABLE = 'AVAILABLE';

/** How a package first brought in through an upstream is restricted (user guide, "Package origin control settings"). */
const INGESTED_ORIGIN = { restrictions: { publish: 'BLOCK', upstream: 'ALLOW' } };
/** lodash as ListPackages must list it: an npm package without a namespace, brought in through an upstream. */
const LODASH_SUMMARY: Json = { format: 'npm', package: 'lodash', originConfiguration: INGESTED_ORIGIN };

export const documentedOutputs = {
  callerIdentity: {
    where: `${EXAMPLES}/sts/get-caller-identity.rst (commit 01e092bd)`,
    sample: `{
    "UserId": "AIDASAMPLEUSERID",
    "Account": "123456789012",
    "Arn": "arn:aws:iam::123456789012:user/DevAdmin"
}`,
    names: { ...EXAMPLE_NAMES, account: '123456789012' },
    values: ['Account'],
  },
  createDomain: {
    where: `${EXAMPLES}/codeartifact/create-domain.rst (commit 3332bf93)`,
    sample: `{
    "domain": {
        "name": "test-domain",
        "owner": "111122223333",
        "arn": "arn:aws:codeartifact:us-west-2:111122223333:domain/test-domain",
        "status": "Active",
        "createdTime": "2020-10-20T13:16:48.559000-04:00",
        "encryptionKey": "arn:aws:kms:us-west-2:111122223333:key/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
        "repositoryCount": 0,
        "assetSizeBytes": 0
    }
}`,
    names: EXAMPLE_NAMES,
    values: [
      'domain.name',
      'domain.owner',
      'domain.arn',
      'domain.status',
      'domain.encryptionKey',
      'domain.repositoryCount',
      'domain.assetSizeBytes',
    ],
  },
  createRepository: (subject: 'myRepo' | 'npmStore'): StepDocumentedOutput => ({
    where: `${EXAMPLES}/codeartifact/create-repository.rst (commit 3332bf93)`,
    sample: repositorySample('This is a test repository.'),
    names: EXAMPLE_NAMES,
    subject,
    values: [...REPOSITORY_IDENTITY, 'repository.upstreams', 'repository.externalConnections'],
    omit: [NOT_IN_TUTORIAL],
  }),
  associateExternalConnection: {
    where: `${EXAMPLES}/codeartifact/associate-external-connection.rst (commit 3096efeb)`,
    sample: repositorySample(
      '',
      `[
            {
                "externalConnectionName": "public:npmjs",
                "packageFormat": "npm",
                "status": "AVAILABLE"
            }
        ]`,
    ),
    names: EXAMPLE_NAMES,
    subject: 'npmStore',
    values: [...REPOSITORY_IDENTITY, 'repository.upstreams', 'repository.externalConnections'],
  },
  updateRepository: {
    where: `${EXAMPLES}/codeartifact/update-repository.rst (commit 3332bf93)`,
    sample: repositorySample('this is an updated description'),
    names: EXAMPLE_NAMES,
    subject: 'myRepo',
    values: [...REPOSITORY_IDENTITY, 'repository.externalConnections'],
    omit: [NOT_IN_TUTORIAL],
    adapt: [
      {
        path: 'repository.upstreams',
        value: [{ repositoryName: 'npm-store' }],
        why: 'the tutorial passes --upstreams repositoryName=npm-store; the example changes only the description',
        where: 'the tutorial, step 5',
      },
    ],
  },
  login: {
    where: `${EXAMPLES}/codeartifact/login.rst (commit 3096efeb)`,
    sample: `Successfully configured npm to use AWS CodeArtifact repository https://test-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/test-repo/
Login expires in 12 hours at 2020-11-12 01:53:16-05:00`,
    parse: parseLogin,
    names: EXAMPLE_NAMES,
    subject: 'myRepo',
    values: ['tool', 'repositoryEndpoint', 'expiresIn'],
  },
  getAuthorizationToken: {
    // The example describes the output instead of showing a token: the command prints the token alone.
    where: `${EXAMPLES}/codeartifact/get-authorization-token.rst (commit 3096efeb)`,
    sample: 'This command will return the authorization token.',
    // With --query and --output text the CLI prints None when the answer has no token.
    parse: (text: string): Json => (text.trim() && text.trim() !== 'None' ? { authorizationToken: text.trim() } : {}),
    names: EXAMPLE_NAMES,
    values: [],
  },
  getRepositoryEndpoint: {
    where: `${EXAMPLES}/codeartifact/get-repository-endpoint.rst (commit 3332bf93)`,
    sample: `{
    "repositoryEndpoint": "https://test-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/test-repo/"
}`,
    names: EXAMPLE_NAMES,
    subject: 'myRepo',
    values: ['repositoryEndpoint'],
  },
  listPackages: {
    // The example lists lodash and a python package, without a comma between them: the lodash entry is the tutorial's.
    where: `${EXAMPLES}/codeartifact/list-packages.rst (commit 3096efeb), lodash's entry`,
    sample: `{
    "packages": [
        {
            "format": "npm",
            "package": "lodash"
        }
    ]
}`,
    names: EXAMPLE_NAMES,
    values: ['packages'],
    adapt: [
      {
        path: 'packages[0].originConfiguration',
        value: INGESTED_ORIGIN,
        why: 'lodash came in through npm-store, an upstream: AWS sets publish BLOCK, upstream ALLOW',
        where: 'AWS CodeArtifact User Guide, "Editing package origin controls", Package origin control settings',
      },
    ],
    whileDelayed: {
      when: (parsed: Json) => !((parsed as { packages?: { package?: string }[] })?.packages ?? []).some?.((p) => p?.package === 'lodash'),
      sample: { packages: [] },
      why: 'lodash was not listed yet when the command ran (the tutorial warns of a delay); its entry was checked through ListPackages once it showed',
    },
  },
  deleteRepository: (subject: 'myRepo' | 'npmStore'): StepDocumentedOutput => ({
    where: `${EXAMPLES}/codeartifact/delete-repository.rst (commit 3096efeb)`,
    sample: repositorySample('This is a test repository'),
    names: EXAMPLE_NAMES,
    subject,
    values: REPOSITORY_IDENTITY,
    omit: [NOT_IN_TUTORIAL],
  }),
  deleteDomain: {
    where: `${EXAMPLES}/codeartifact/delete-domain.rst (commit 3332bf93)`,
    sample: `{
    "domain": {
        "name": "test-domain",
        "owner": "417498243647",
        "arn": "arn:aws:codeartifact:us-west-2:417498243647:domain/test-domain",
        "status": "Deleted",
        "createdTime": "2020-10-20T13:16:48.559000-04:00",
        "encryptionKey": "arn:aws:kms:us-west-2:417498243647:key/c9fe2447-0795-4fda-afbe-8464574ae162",
        "repositoryCount": 0,
        "assetSizeBytes": 0
    }
}`,
    names: { ...EXAMPLE_NAMES, account: '417498243647' },
    values: ['domain.name', 'domain.owner', 'domain.arn', 'domain.status', 'domain.encryptionKey', 'domain.repositoryCount'],
  },
} satisfies Record<string, StepDocumentedOutput | ((subject: 'myRepo' | 'npmStore') => StepDocumentedOutput)>;

/** `aws codeartifact login`'s two lines, as the fields a reader reads in them. */
function parseLogin(text: string): Json {
  const out: Record<string, Json> = {};
  const configured = /^Successfully configured (\S+) to use AWS CodeArtifact repository (\S+)\s*$/m.exec(text);
  if (configured) {
    out.tool = configured[1]!;
    out.repositoryEndpoint = configured[2]!;
  }
  // The CLI says "12 hours", but "1 hour" or "59 minutes" for a shorter token: keep the words.
  const expires = /^Login expires in (\d+ \w+) at (.+?)\s*$/m.exec(text);
  if (expires) {
    out.expiresIn = expires[1]!;
    out.expiresAt = expires[2]!;
  }
  return out;
}

/** A value the check accepts at a path: the expected one, or one a declared divergence accepts on this target. */
function acceptedByDivergence(ctx: StepContext, step: string, path: string, actual: Json | undefined): boolean {
  return declaredFor(readDivergences(), step, ctx.target ?? 'aws', { path, actual: actual ?? null }) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Before you begin
// ---------------------------------------------------------------------------------------------

export const prerequisites: TutorialStep[] = [
  {
    id: 'prerequisite-aws-cli-version',
    number: 'Before you begin',
    title: 'Check the aws CLI version',
    documented: 'aws --version',
    expectation: `aws CLI ${MIN_AWS_CLI[1]} or newer (v1), or ${MIN_AWS_CLI[2]} or newer (v2)`,
    command: () => aws(['--version']),
    read(run, { memory }) {
      const m = /aws-cli\/(\d+\.\d+\.\d+)/.exec(`${run.stdout} ${run.stderr}`);
      if (m) memory.awsCliVersion = m[1]!;
    },
    async check({ memory }) {
      const version = memory.awsCliVersion;
      if (!version) throw new Error('aws --version printed no aws-cli/<version>');
      const problem = awsCliTooOld(version);
      if (problem) throw new Error(problem);
      return `aws CLI ${version} (at least ${minimumAwsCli(semver.major(version) as 1 | 2).version})`;
    },
  },
  {
    id: 'prerequisite-npm',
    number: 'Before you begin',
    title: 'Install your package manager: npm and Node',
    documented: 'npm --version',
    expectation: `npm is installed, and the aws CLI is new enough for it (npm 9 and later: v1 ${MIN_AWS_CLI_NPM9[1]} or v2 ${MIN_AWS_CLI_NPM9[2]})`,
    command: () => ({ tool: 'npm', args: ['--version'] }),
    read(run, { memory }) {
      memory.npmVersion = run.stdout.trim();
    },
    async check({ memory }) {
      if (!semver.valid(memory.npmVersion)) throw new Error(`npm --version printed '${memory.npmVersion}', not a version`);
      const problem = awsCliTooOldForNpm(memory);
      if (problem) throw new Error(problem);
      return `npm ${memory.npmVersion}${memory.awsCliVersion ? `, with aws CLI ${memory.awsCliVersion}` : ''}`;
    },
  },
  {
    id: 'prerequisite-caller-identity',
    number: 'Before you begin',
    title: 'Provision an IAM user: the CLI can call AWS as that user',
    documented: 'aws sts get-caller-identity',
    expectation: 'the aws CLI is signed in to the account the run uses',
    documentedOutput: documentedOutputs.callerIdentity,
    command: () => aws(['sts', 'get-caller-identity', '--output', 'json']),
    async check({ account }, run) {
      const identity = JSON.parse(run.stdout) as { Account?: string };
      expectEqual('the caller account', account, identity.Account);
      return `the CLI calls AWS as account ${identity.Account}`;
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Steps 1-5: domain, repositories, external connection, upstream
// ---------------------------------------------------------------------------------------------

export const setupSteps: TutorialStep[] = [
  {
    id: 'create-domain',
    number: '1',
    title: 'Use the AWS CLI to run the create-domain command',
    documented: 'aws codeartifact create-domain --domain my-domain',
    expectation: 'the domain exists and is Active',
    documentedOutput: documentedOutputs.createDomain,
    command: ({ names }) => aws(['codeartifact', 'create-domain', '--domain', names.domain]),
    creates: ({ names }) => [{ kind: 'domain', domain: names.domain }],
    async check({ codeartifact, names }) {
      const { domain } = await codeartifact.send(new DescribeDomainCommand({ domain: names.domain }));
      expectEqual(`domain ${names.domain} status`, 'Active', domain?.status);
      return `domain ${names.domain} exists and is Active`;
    },
  },
  {
    id: 'create-repository-my-repo',
    number: '2',
    title: 'Use the create-repository command to create a repository in your domain',
    documented: 'aws codeartifact create-repository --domain my-domain --domain-owner 326213389784 --repository my-repo',
    expectation: 'my-repo exists in the domain, with no upstreams yet',
    documentedOutput: documentedOutputs.createRepository('myRepo'),
    command: ({ names, account }) =>
      aws(['codeartifact', 'create-repository', '--domain', names.domain, '--domain-owner', account, '--repository', names.myRepo]),
    creates: ({ names }) => [{ kind: 'repository', domain: names.domain, repository: names.myRepo }],
    async check({ codeartifact, names }) {
      const repository = await describeRepository(codeartifact, names.domain, names.myRepo);
      expectEqual(`${names.myRepo} upstreams`, [], repository?.upstreams);
      return `repository ${names.myRepo} exists with no upstreams`;
    },
  },
  {
    id: 'create-repository-npm-store',
    number: '3',
    title: 'Use the create-repository command to create an upstream repository for your my-repo repository',
    documented: 'aws codeartifact create-repository --domain my-domain --domain-owner 326213389784 --repository npm-store',
    expectation: 'npm-store exists in the domain',
    documentedOutput: documentedOutputs.createRepository('npmStore'),
    command: ({ names, account }) =>
      aws(['codeartifact', 'create-repository', '--domain', names.domain, '--domain-owner', account, '--repository', names.npmStore]),
    creates: ({ names }) => [{ kind: 'repository', domain: names.domain, repository: names.npmStore }],
    async check({ codeartifact, names }) {
      const repository = await describeRepository(codeartifact, names.domain, names.npmStore);
      expectEqual(`${names.npmStore} name`, names.npmStore, repository?.name);
      return `repository ${names.npmStore} exists`;
    },
  },
  {
    id: 'associate-external-connection',
    number: '4',
    title:
      'Use the associate-external-connection command to add an external connection to the npm public repository to your npm-store repository',
    documented:
      'aws codeartifact associate-external-connection --domain my-domain --domain-owner 326213389784 --repository npm-store --external-connection "public:npmjs"',
    expectation: 'npm-store has the external connection public:npmjs, for npm packages, AVAILABLE',
    documentedOutput: documentedOutputs.associateExternalConnection,
    command: ({ names, account }) =>
      aws([
        'codeartifact',
        'associate-external-connection',
        '--domain',
        names.domain,
        '--domain-owner',
        account,
        '--repository',
        names.npmStore,
        '--external-connection',
        'public:npmjs',
      ]),
    async check(ctx) {
      const { codeartifact, names } = ctx;
      const repository = await describeRepository(codeartifact, names.domain, names.npmStore);
      const connections = repository?.externalConnections ?? [];
      const status = connections[0]?.status as string | undefined;
      // AWS's transcripts say AVAILABLE (the API model says Available): see scenarios/snapshots/divergences.json.
      const accepted =
        status === EXTERNAL_CONNECTION_AVAILABLE ||
        acceptedByDivergence(ctx, 'associate-external-connection', 'repository.externalConnections[0].status', status ?? null);
      expectEqual(
        `${names.npmStore} external connections`,
        [{ externalConnectionName: 'public:npmjs', packageFormat: 'npm', status: accepted ? status : EXTERNAL_CONNECTION_AVAILABLE }],
        connections,
      );
      return `${names.npmStore} has the external connection public:npmjs (npm, ${status}${status === EXTERNAL_CONNECTION_AVAILABLE ? '' : ', a declared divergence'})`;
    },
  },
  {
    id: 'update-repository-upstreams',
    number: '5',
    title: 'Use the update-repository command to associate the npm-store repository as an upstream repository to the my-repo repository',
    documented:
      'aws codeartifact update-repository --repository my-repo --domain my-domain --domain-owner 326213389784 --upstreams repositoryName=npm-store',
    expectation: 'my-repo has npm-store as its only upstream',
    documentedOutput: documentedOutputs.updateRepository,
    command: ({ names, account }) =>
      aws([
        'codeartifact',
        'update-repository',
        '--repository',
        names.myRepo,
        '--domain',
        names.domain,
        '--domain-owner',
        account,
        '--upstreams',
        `repositoryName=${names.npmStore}`,
      ]),
    creates: ({ names }) => [{ kind: 'upstreams', domain: names.domain, repository: names.myRepo }],
    async check({ codeartifact, names }) {
      const repository = await describeRepository(codeartifact, names.domain, names.myRepo);
      expectEqual(`${names.myRepo} upstreams`, [{ repositoryName: names.npmStore }], repository?.upstreams);
      return `${names.myRepo} has ${names.npmStore} as its only upstream`;
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Step 6: configure npm, with `login` (the tutorial) or by hand (its documented workaround)
// ---------------------------------------------------------------------------------------------

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What npm needs after either way of configuring it: a registry and a token for its host and path. */
function checkNpmConfig({ sandbox, memory, secrets, names }: StepContext): string {
  const npmrc = readFileSync(sandbox.npmrc, 'utf8');
  const registry = /^registry=(\S+)$/m.exec(npmrc)?.[1];
  if (!registry) throw new Error('the npm user config has no registry line');
  if (!registry.endsWith(`/npm/${names.myRepo}/`)) {
    throw new Error(`npm's registry is ${registry}, which is not the ${names.myRepo} repository's npm endpoint`);
  }
  const hostPath = registry.replace(/^https?:/, '');
  const token = new RegExp(`^${escapeRe(hostPath)}:_authToken=(\\S+)$`, 'm').exec(npmrc)?.[1];
  if (!token) throw new Error(`the npm user config has no _authToken for ${hostPath}`);
  secrets.push(token);
  memory.endpoint = registry;
  return `npm's registry is ${registry} and a token for it is set`;
}

export const loginStep: TutorialStep = {
  id: 'login',
  number: '6',
  title: 'Use the login command to configure your npm package manager with your my-repo repository',
  documented: 'aws codeartifact login --tool npm --repository my-repo --domain my-domain --domain-owner 326213389784',
  expectation: "npm's registry is my-repo's endpoint, with a token for it that expires in about 12 hours",
  documentedOutput: documentedOutputs.login,
  command: ({ names, account }) =>
    aws(['codeartifact', 'login', '--tool', 'npm', '--repository', names.myRepo, '--domain', names.domain, '--domain-owner', account]),
  async check(ctx, run) {
    const configured = checkNpmConfig(ctx);
    const hours = /expires in (\d+) hours/i.exec(run.stdout)?.[1];
    if (hours === undefined) throw new Error(`login did not say when the token expires; it printed: ${run.stdout.trim()}`);
    if (Number(hours) < 11 || Number(hours) > 12)
      throw new Error(`login says the token expires in ${hours} hours; the default is 12 hours`);
    return `${configured}, expiring in ${hours} hours`;
  },
};

export const manualConfigurationSteps: TutorialStep[] = [
  {
    id: 'manual-get-authorization-token',
    number: '6a',
    title: 'Manually setting npm registry: get an authorization token',
    documented:
      'aws codeartifact get-authorization-token --domain my-domain --domain-owner 326213389784 --query authorizationToken --output text',
    expectation: 'a token for the domain',
    documentedOutput: documentedOutputs.getAuthorizationToken,
    command: ({ names, account }) =>
      aws([
        'codeartifact',
        'get-authorization-token',
        '--domain',
        names.domain,
        '--domain-owner',
        account,
        '--query',
        'authorizationToken',
        '--output',
        'text',
      ]),
    read(run, { memory, secrets }) {
      const token = run.stdout.trim();
      if (token) {
        secrets.push(token);
        memory.token = token;
      }
    },
    async check({ memory }) {
      if (!memory.token || /\s/.test(memory.token)) throw new Error('get-authorization-token printed no token');
      return `a token of ${memory.token.length} characters`;
    },
  },
  {
    id: 'manual-get-repository-endpoint',
    number: '6b',
    title: "Manually setting npm registry: get the repository's npm endpoint",
    documented: 'aws codeartifact get-repository-endpoint --domain my-domain --domain-owner 326213389784 --repository my-repo --format npm',
    expectation: "my-repo's npm endpoint URL, ending in /npm/my-repo/",
    documentedOutput: documentedOutputs.getRepositoryEndpoint,
    command: ({ names, account }) =>
      aws([
        'codeartifact',
        'get-repository-endpoint',
        '--domain',
        names.domain,
        '--domain-owner',
        account,
        '--repository',
        names.myRepo,
        '--format',
        'npm',
        '--output',
        'json',
      ]),
    read(run, { memory }) {
      try {
        memory.endpoint = (JSON.parse(run.stdout) as { repositoryEndpoint?: string }).repositoryEndpoint ?? '';
      } catch {
        // check() reports it
      }
    },
    async check({ memory, names }) {
      if (!memory.endpoint?.endsWith(`/npm/${names.myRepo}/`))
        throw new Error(`the endpoint '${memory.endpoint ?? ''}' does not end in /npm/${names.myRepo}/`);
      return `the endpoint is ${memory.endpoint}`;
    },
  },
  {
    id: 'manual-npm-config-registry',
    number: '6c',
    title: 'Manually setting npm registry: set the registry',
    documented: 'npm config set registry=https://my-domain-326213389784.d.codeartifact.region.amazonaws.com/npm/my-repo/',
    expectation: "npm's registry is my-repo's endpoint",
    command: ({ memory }) => ({ tool: 'npm', args: ['config', 'set', `registry=${memory.endpoint}`] }),
    async check({ sandbox, memory }) {
      const registry = /^registry=(\S+)$/m.exec(readFileSync(sandbox.npmrc, 'utf8'))?.[1];
      expectEqual("npm's registry", memory.endpoint, registry);
      return `npm's registry is ${registry}`;
    },
  },
  {
    id: 'manual-npm-config-token',
    number: '6d',
    title: 'Manually setting npm registry: set the token for the registry',
    documented:
      'npm config set //my-domain-326213389784.d.codeartifact.region.amazonaws.com/npm/my-repo/:_authToken=$CODEARTIFACT_AUTH_TOKEN',
    expectation: "npm has the token for my-repo's endpoint",
    command: ({ memory }) => ({
      tool: 'npm',
      args: ['config', 'set', `${(memory.endpoint ?? '').replace(/^https?:/, '')}:_authToken=${memory.token}`],
    }),
    async check(ctx) {
      return checkNpmConfig(ctx);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Steps 7-8: install, and see the package in the repository
// ---------------------------------------------------------------------------------------------

export const installAndList: TutorialStep[] = [
  {
    id: 'npm-install',
    number: '7',
    title: 'Use the npm CLI to install an npm package',
    documented: 'npm install --save-dev lodash',
    expectation: 'lodash is a devDependency of the project and the lockfile resolves it from my-repo',
    command: ({ memory }) => ({
      tool: 'npm',
      args: ['install', '--save-dev', 'lodash'],
      inProject: true,
      ...(memory.installTimeoutMs ? { timeoutMs: Number(memory.installTimeoutMs) } : {}),
    }),
    read(run, { memory }) {
      memory.installMs = String(run.durationMs);
      memory.installEndedAt = String(Date.now());
    },
    async check({ sandbox, memory }) {
      const pkg = JSON.parse(readFileSync(join(sandbox.project, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
      if (!pkg.devDependencies?.lodash) throw new Error('package.json has no devDependency on lodash');
      const lock = JSON.parse(readFileSync(join(sandbox.project, 'package-lock.json'), 'utf8')) as {
        packages?: Record<string, { resolved?: string; version?: string }>;
        dependencies?: Record<string, { resolved?: string; version?: string }>;
      };
      const entry = lock.packages?.['node_modules/lodash'] ?? lock.dependencies?.lodash;
      if (!memory.endpoint || !entry?.resolved || !isUnder(entry.resolved, memory.endpoint)) {
        throw new Error(
          `the lockfile resolves lodash from ${entry?.resolved ?? 'nowhere'}, not from the repository endpoint ${memory.endpoint}`,
        );
      }
      memory.lodashVersion = entry.version ?? '';
      // The URL as the lockfile has it: it may spell the endpoint differently (AWS's explicit :443).
      return `lodash ${entry.version} is a devDependency, resolved from ${memory.endpoint} (the lockfile: ${entry.resolved})`;
    },
  },
  {
    id: 'list-packages',
    number: '8',
    title: 'Use the list-packages command to view the package you just installed in your my-repo repository',
    documented: 'aws codeartifact list-packages --domain my-domain --repository my-repo',
    expectation: 'lodash is listed in my-repo (and in npm-store), perhaps after a delay',
    documentedOutput: documentedOutputs.listPackages,
    command: ({ names }) => aws(['codeartifact', 'list-packages', '--domain', names.domain, '--repository', names.myRepo]),
    async check({ codeartifact, names, memory, visibilityLimitMs }) {
      // AWS needs time (typically minutes) before ListPackages shows an ingested package: poll.
      const started = Number(memory.installEndedAt ?? Date.now());
      const lodashIn = new Map<string, Json>();
      const where = async (repository: string) => {
        const { packages } = await codeartifact.send(new ListPackagesCommand({ domain: names.domain, repository, format: 'npm' }));
        const lodash = packages?.find((p) => p.package === 'lodash');
        if (lodash) lodashIn.set(repository, sdkToJson(lodash));
        return lodash !== undefined;
      };
      const found = await pollUntil(Math.max(0, started + visibilityLimitMs - Date.now()), async () =>
        (await where(names.myRepo)) && (await where(names.npmStore)) ? true : undefined,
      );
      if (!found) {
        const inMyRepo = await where(names.myRepo);
        const inStore = await where(names.npmStore);
        const missing = [!inMyRepo && names.myRepo, !inStore && names.npmStore].filter(Boolean).join(' and ');
        throw new Error(`lodash was not listed in ${missing} within ${Math.round(visibilityLimitMs / 1000)} s of the install`);
      }
      memory.visibleAfterMs = String(Date.now() - started);
      // The answer is trusted no further than what it says about lodash: format, namespace, name, origin.
      for (const repository of [names.myRepo, names.npmStore]) {
        const differences = diff(LODASH_SUMMARY, lodashIn.get(repository)!, 'sdk ListPackages', () => true, true);
        if (differences.length) {
          throw new Error(
            `ListPackages lists lodash in ${repository} differently: ${differences.map((d) => describeDifference(d, `the tutorial's lodash (${JSON.stringify(LODASH_SUMMARY)})`)).join('; ')}`,
          );
        }
      }
      return `lodash is listed in ${names.myRepo} and ${names.npmStore}, ${memory.visibleAfterMs} ms after the install finished`;
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Clean up
// ---------------------------------------------------------------------------------------------

export const cleanup: TutorialStep[] = [
  {
    id: 'cleanup-delete-my-repo',
    number: 'Clean up',
    title: 'Delete the my-repo repository',
    documented: 'aws codeartifact delete-repository --domain my-domain --domain-owner 326213389784 --repository my-repo',
    expectation: 'my-repo is gone',
    documentedOutput: documentedOutputs.deleteRepository('myRepo'),
    command: ({ names, account }) =>
      aws(['codeartifact', 'delete-repository', '--domain', names.domain, '--domain-owner', account, '--repository', names.myRepo]),
    removes: ({ names }) => [
      { kind: 'upstreams', domain: names.domain, repository: names.myRepo },
      { kind: 'repository', domain: names.domain, repository: names.myRepo },
    ],
    check: (ctx) => expectRepositoryGone(ctx, ctx.names.myRepo),
  },
  {
    id: 'cleanup-delete-npm-store',
    number: 'Clean up',
    title: 'Delete the npm-store repository',
    documented: 'aws codeartifact delete-repository --domain my-domain --domain-owner 326213389784 --repository npm-store',
    expectation: 'npm-store is gone',
    documentedOutput: documentedOutputs.deleteRepository('npmStore'),
    command: ({ names, account }) =>
      aws(['codeartifact', 'delete-repository', '--domain', names.domain, '--domain-owner', account, '--repository', names.npmStore]),
    removes: ({ names }) => [{ kind: 'repository', domain: names.domain, repository: names.npmStore }],
    check: (ctx) => expectRepositoryGone(ctx, ctx.names.npmStore),
  },
  {
    id: 'cleanup-delete-domain',
    number: 'Clean up',
    title: 'Delete the my-domain domain',
    documented: 'aws codeartifact delete-domain --domain my-domain --domain-owner 326213389784',
    expectation: 'the domain is gone',
    documentedOutput: documentedOutputs.deleteDomain,
    command: ({ names, account }) => aws(['codeartifact', 'delete-domain', '--domain', names.domain, '--domain-owner', account]),
    removes: ({ names }) => [{ kind: 'domain', domain: names.domain }],
    async check({ codeartifact, names, account, target }) {
      // DeleteDomain answers "Deleted" and the domain may stay listed a moment: a bounded wait, every page.
      const result = await waitUntilDomainGone(codeartifact, names.domain, goneWaitMs(target), account);
      const text = goneText(`domain ${names.domain}`, result);
      if (!result.gone) throw new Error(text);
      return text;
    },
  },
];

export const tutorialScenario: Scenario = {
  id: 'tutorial',
  title: 'Get started with CodeArtifact via AWS CLI',
  code: 't',
  steps: [...prerequisites, ...setupSteps, loginStep, ...installAndList, ...cleanup],
};

export const manualConfigurationScenario: Scenario = {
  id: 'manual-configuration',
  title: 'Get started with CodeArtifact via AWS CLI, configuring npm by hand instead of with login',
  code: 'm',
  steps: [...prerequisites, ...setupSteps, ...manualConfigurationSteps, ...installAndList, ...cleanup],
};

export const scenarios: Scenario[] = [tutorialScenario, manualConfigurationScenario];
