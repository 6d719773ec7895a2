/**
 * "Get started with CodeArtifact via AWS CLI" as data. Commands are the tutorial's; as run,
 * its account 326213389784 becomes the target's, my-domain becomes the run's own domain, and
 * off AWS every aws call gets the endpoint flag. Repository names stay as documented: they
 * are scoped by the run's domain.
 */
import {
  DescribeDomainCommand,
  DescribeRepositoryCommand,
  ListDomainsCommand,
  ListPackagesCommand,
  type CodeartifactClient,
} from '@aws-sdk/client-codeartifact';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import type { Scenario, StepCommand, StepContext, TutorialStep } from './types.ts';

export const TUTORIAL_ACCOUNT = '326213389784';
/** The oldest aws CLI versions that have CodeArtifact commands, per the tutorial. */
export const MIN_AWS_CLI = { 1: '1.18.77', 2: '2.0.21' } as const;

const aws = (args: string[], extra: Partial<StepCommand> = {}): StepCommand => ({ tool: 'aws', args, ...extra });

function expectEqual(what: string, expected: unknown, actual: unknown): void {
  if (JSON.stringify(expected) !== JSON.stringify(actual)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`);
  }
}

async function describeRepository(codeartifact: CodeartifactClient, domain: string, repository: string) {
  return (await codeartifact.send(new DescribeRepositoryCommand({ domain, repository }))).repository;
}

async function expectRepositoryGone(codeartifact: CodeartifactClient, domain: string, repository: string): Promise<string> {
  try {
    await describeRepository(codeartifact, domain, repository);
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return `repository ${repository} is gone`;
    throw err;
  }
  throw new Error(`repository ${repository} still exists after delete-repository`);
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
      const major = semver.major(version) as 1 | 2;
      const min = MIN_AWS_CLI[major];
      if (!min) throw new Error(`aws CLI ${version} is neither v1 nor v2`);
      if (semver.lt(version, min)) throw new Error(`aws CLI ${version} is older than ${min}, the first v${major} with CodeArtifact commands`);
      return `aws CLI ${version} (at least ${min})`;
    },
  },
  {
    id: 'prerequisite-npm',
    number: 'Before you begin',
    title: 'Install your package manager: npm and Node',
    documented: 'npm --version',
    expectation: 'npm is installed',
    command: () => ({ tool: 'npm', args: ['--version'] }),
    read(run, { memory }) {
      memory.npmVersion = run.stdout.trim();
    },
    async check({ memory }) {
      if (!semver.valid(memory.npmVersion)) throw new Error(`npm --version printed '${memory.npmVersion}', not a version`);
      return `npm ${memory.npmVersion}`;
    },
  },
  {
    id: 'prerequisite-caller-identity',
    number: 'Before you begin',
    title: 'Provision an IAM user: the CLI can call AWS as that user',
    documented: 'aws sts get-caller-identity',
    expectation: 'the aws CLI is signed in to the account the run uses',
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
    title: 'Use the associate-external-connection command to add an external connection to the npm public repository to your npm-store repository',
    documented:
      'aws codeartifact associate-external-connection --domain my-domain --domain-owner 326213389784 --repository npm-store --external-connection "public:npmjs"',
    expectation: 'npm-store has the external connection public:npmjs, for npm packages, AVAILABLE',
    command: ({ names, account }) =>
      aws([
        'codeartifact', 'associate-external-connection', '--domain', names.domain, '--domain-owner', account,
        '--repository', names.npmStore, '--external-connection', 'public:npmjs',
      ]),
    async check({ codeartifact, names }) {
      const repository = await describeRepository(codeartifact, names.domain, names.npmStore);
      // AWS's transcripts print AVAILABLE (the tutorial's own sample output); the API model's
      // enum says Available. Where they disagree, AWS's transcripts win (DESIGN.md, "Evidence").
      expectEqual(`${names.npmStore} external connections`, [
        { externalConnectionName: 'public:npmjs', packageFormat: 'npm', status: 'AVAILABLE' },
      ], repository?.externalConnections);
      return `${names.npmStore} has the external connection public:npmjs (npm, AVAILABLE)`;
    },
  },
  {
    id: 'update-repository-upstreams',
    number: '5',
    title: 'Use the update-repository command to associate the npm-store repository as an upstream repository to the my-repo repository',
    documented:
      'aws codeartifact update-repository --repository my-repo --domain my-domain --domain-owner 326213389784 --upstreams repositoryName=npm-store',
    expectation: 'my-repo has npm-store as its only upstream',
    command: ({ names, account }) =>
      aws([
        'codeartifact', 'update-repository', '--repository', names.myRepo, '--domain', names.domain,
        '--domain-owner', account, '--upstreams', `repositoryName=${names.npmStore}`,
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
  command: ({ names, account }) =>
    aws(['codeartifact', 'login', '--tool', 'npm', '--repository', names.myRepo, '--domain', names.domain, '--domain-owner', account]),
  async check(ctx, run) {
    const configured = checkNpmConfig(ctx);
    const hours = /expires in (\d+) hours/i.exec(run.stdout)?.[1];
    if (hours === undefined) throw new Error(`login did not say when the token expires; it printed: ${run.stdout.trim()}`);
    if (Number(hours) < 11 || Number(hours) > 12) throw new Error(`login says the token expires in ${hours} hours; the default is 12 hours`);
    return `${configured}, expiring in ${hours} hours`;
  },
};

export const manualConfigurationSteps: TutorialStep[] = [
  {
    id: 'manual-get-authorization-token',
    number: '6a',
    title: 'Manually setting npm registry: get an authorization token',
    documented: 'aws codeartifact get-authorization-token --domain my-domain --domain-owner 326213389784 --query authorizationToken --output text',
    expectation: 'a token for the domain',
    command: ({ names, account }) =>
      aws(['codeartifact', 'get-authorization-token', '--domain', names.domain, '--domain-owner', account, '--query', 'authorizationToken', '--output', 'text']),
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
    command: ({ names, account }) =>
      aws(['codeartifact', 'get-repository-endpoint', '--domain', names.domain, '--domain-owner', account, '--repository', names.myRepo, '--format', 'npm', '--output', 'json']),
    read(run, { memory }) {
      try {
        memory.endpoint = (JSON.parse(run.stdout) as { repositoryEndpoint?: string }).repositoryEndpoint ?? '';
      } catch {
        // check() reports it
      }
    },
    async check({ memory, names }) {
      if (!memory.endpoint?.endsWith(`/npm/${names.myRepo}/`)) throw new Error(`the endpoint '${memory.endpoint ?? ''}' does not end in /npm/${names.myRepo}/`);
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
    documented: 'npm config set //my-domain-326213389784.d.codeartifact.region.amazonaws.com/npm/my-repo/:_authToken=$CODEARTIFACT_AUTH_TOKEN',
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
      if (!memory.endpoint || !entry?.resolved?.startsWith(memory.endpoint)) {
        throw new Error(`the lockfile resolves lodash from ${entry?.resolved ?? 'nowhere'}, not from the repository endpoint ${memory.endpoint}`);
      }
      memory.lodashVersion = entry.version ?? '';
      return `lodash ${entry.version} is a devDependency, resolved from ${memory.endpoint}`;
    },
  },
  {
    id: 'list-packages',
    number: '8',
    title: 'Use the list-packages command to view the package you just installed in your my-repo repository',
    documented: 'aws codeartifact list-packages --domain my-domain --repository my-repo',
    expectation: 'lodash is listed in my-repo (and in npm-store), perhaps after a delay',
    command: ({ names }) => aws(['codeartifact', 'list-packages', '--domain', names.domain, '--repository', names.myRepo]),
    async check({ codeartifact, names, memory, visibilityLimitMs }) {
      // AWS needs time (typically minutes) before ListPackages shows an ingested package: poll.
      const started = Number(memory.installEndedAt ?? Date.now());
      const where = async (repository: string) => {
        const { packages } = await codeartifact.send(new ListPackagesCommand({ domain: names.domain, repository, format: 'npm' }));
        return packages?.some((p) => p.package === 'lodash') ?? false;
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
    command: ({ names, account }) =>
      aws(['codeartifact', 'delete-repository', '--domain', names.domain, '--domain-owner', account, '--repository', names.myRepo]),
    removes: ({ names }) => [
      { kind: 'upstreams', domain: names.domain, repository: names.myRepo },
      { kind: 'repository', domain: names.domain, repository: names.myRepo },
    ],
    check: ({ codeartifact, names }) => expectRepositoryGone(codeartifact, names.domain, names.myRepo),
  },
  {
    id: 'cleanup-delete-npm-store',
    number: 'Clean up',
    title: 'Delete the npm-store repository',
    documented: 'aws codeartifact delete-repository --domain my-domain --domain-owner 326213389784 --repository npm-store',
    expectation: 'npm-store is gone',
    command: ({ names, account }) =>
      aws(['codeartifact', 'delete-repository', '--domain', names.domain, '--domain-owner', account, '--repository', names.npmStore]),
    removes: ({ names }) => [{ kind: 'repository', domain: names.domain, repository: names.npmStore }],
    check: ({ codeartifact, names }) => expectRepositoryGone(codeartifact, names.domain, names.npmStore),
  },
  {
    id: 'cleanup-delete-domain',
    number: 'Clean up',
    title: 'Delete the my-domain domain',
    documented: 'aws codeartifact delete-domain --domain my-domain --domain-owner 326213389784',
    expectation: 'the domain is gone',
    command: ({ names, account }) => aws(['codeartifact', 'delete-domain', '--domain', names.domain, '--domain-owner', account]),
    removes: ({ names }) => [{ kind: 'domain', domain: names.domain }],
    async check({ codeartifact, names }) {
      const { domains } = await codeartifact.send(new ListDomainsCommand({}));
      if (domains?.some((d) => d.name === names.domain)) throw new Error(`domain ${names.domain} still exists`);
      return `domain ${names.domain} is gone`;
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
