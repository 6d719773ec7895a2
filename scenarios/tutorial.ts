/**
 * "Get started with CodeArtifact via AWS CLI", control-plane steps. The tutorial's account
 * 326213389784 and names are replaced by the run's own.
 */
import {
  type CodeartifactClient,
  DescribeDomainCommand,
  DescribeRepositoryCommand,
  ListDomainsCommand,
  ListPackagesCommand,
} from '@aws-sdk/client-codeartifact';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepCommand, TutorialStep } from './types.ts';

const aws = (args: string[]): StepCommand => ({ tool: 'aws', args });

export const TUTORIAL_ACCOUNT = '326213389784';

function expectEqual(what: string, expected: unknown, actual: unknown): void {
  if (JSON.stringify(expected) !== JSON.stringify(actual)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`);
  }
}

async function expectRepositoryGone(codeartifact: CodeartifactClient, domain: string, repository: string): Promise<string> {
  try {
    await codeartifact.send(new DescribeRepositoryCommand({ domain, repository }));
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return `repository ${repository} is gone`;
    throw err;
  }
  throw new Error(`repository ${repository} still exists after delete-repository`);
}

export const tutorialSteps: TutorialStep[] = [
  {
    id: 'create-domain',
    number: '1',
    title: 'Use the AWS CLI to run the create-domain command',
    documented: 'aws codeartifact create-domain --domain my-domain',
    command: ({ names }) => aws(['codeartifact', 'create-domain', '--domain', names.domain]),
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
    command: ({ names, account }) => aws([
      'codeartifact', 'create-repository', '--domain', names.domain, '--domain-owner', account, '--repository', names.myRepo,
    ]),
    async check({ codeartifact, names }) {
      const { repository } = await codeartifact.send(
        new DescribeRepositoryCommand({ domain: names.domain, repository: names.myRepo }),
      );
      expectEqual(`${names.myRepo} upstreams`, [], repository?.upstreams);
      return `repository ${names.myRepo} exists with no upstreams`;
    },
  },
  {
    id: 'create-repository-npm-store',
    number: '3',
    title: 'Use the create-repository command to create an upstream repository for your my-repo repository',
    documented: 'aws codeartifact create-repository --domain my-domain --domain-owner 326213389784 --repository npm-store',
    command: ({ names, account }) => aws([
      'codeartifact', 'create-repository', '--domain', names.domain, '--domain-owner', account, '--repository', names.npmStore,
    ]),
    async check({ codeartifact, names }) {
      const { repository } = await codeartifact.send(
        new DescribeRepositoryCommand({ domain: names.domain, repository: names.npmStore }),
      );
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
    command: ({ names, account }) => aws([
      'codeartifact', 'associate-external-connection', '--domain', names.domain, '--domain-owner', account,
      '--repository', names.npmStore, '--external-connection', 'public:npmjs',
    ]),
    async check({ codeartifact, names }) {
      const { repository } = await codeartifact.send(
        new DescribeRepositoryCommand({ domain: names.domain, repository: names.npmStore }),
      );
      expectEqual(`${names.npmStore} external connections`, [
        { externalConnectionName: 'public:npmjs', packageFormat: 'npm', status: 'Available' },
      ], repository?.externalConnections);
      return `${names.npmStore} has the external connection public:npmjs (npm, Available)`;
    },
  },
  {
    id: 'update-repository-upstreams',
    number: '5',
    title: 'Use the update-repository command to associate the npm-store repository as an upstream repository to the my-repo repository',
    documented:
      'aws codeartifact update-repository --repository my-repo --domain my-domain --domain-owner 326213389784 --upstreams repositoryName=npm-store',
    command: ({ names, account }) => aws([
      'codeartifact', 'update-repository', '--repository', names.myRepo, '--domain', names.domain,
      '--domain-owner', account, '--upstreams', `repositoryName=${names.npmStore}`,
    ]),
    async check({ codeartifact, names }) {
      const { repository } = await codeartifact.send(
        new DescribeRepositoryCommand({ domain: names.domain, repository: names.myRepo }),
      );
      expectEqual(`${names.myRepo} upstreams`, [{ repositoryName: names.npmStore }], repository?.upstreams);
      return `${names.myRepo} has ${names.npmStore} as its only upstream`;
    },
  },
  {
    id: 'login',
    number: '6',
    title: 'Use the login command to configure your npm package manager with your my-repo repository',
    documented: 'aws codeartifact login --tool npm --repository my-repo --domain my-domain --domain-owner 326213389784',
    command: ({ names, account }) =>
      aws(['codeartifact', 'login', '--tool', 'npm', '--repository', names.myRepo, '--domain', names.domain, '--domain-owner', account]),
    async check({ sandbox, memory, secrets, names }, run) {
      const npmrc = readFileSync(sandbox.npmrc, 'utf8');
      const registry = /^registry=(\S+)$/m.exec(npmrc)?.[1];
      if (!registry) throw new Error(`login wrote no registry line to the npm config; it holds:\n${npmrc.replace(/_authToken=.*/g, '_authToken=***')}`);
      if (!registry.endsWith(`/npm/${names.myRepo}/`)) {
        throw new Error(`login set the registry to ${registry}, which is not the ${names.myRepo} repository's npm endpoint`);
      }
      const hostPath = registry.replace(/^https?:/, '');
      const token = new RegExp(`^${escapeRe(hostPath)}:_authToken=(\\S+)$`, 'm').exec(npmrc)?.[1];
      if (!token) throw new Error(`login wrote no _authToken for ${hostPath} to the npm config`);
      secrets.push(token);
      memory.endpoint = registry;
      const hours = /expires in (\d+) hours/i.exec(run.stdout)?.[1];
      if (hours !== undefined && (Number(hours) < 11 || Number(hours) > 12)) {
        throw new Error(`login says the token expires in ${hours} hours; the tutorial's default is 12 hours`);
      }
      return `npm's registry is ${registry} and a token for it is set${hours ? `, expiring in ${hours} hours` : ''}`;
    },
  },
  {
    id: 'npm-install',
    number: '7',
    title: 'Use the npm CLI to install an npm package',
    documented: 'npm install --save-dev lodash',
    command: () => ({ tool: 'npm', args: ['install', '--save-dev', 'lodash'], inProject: true }),
    read(run, { memory }) {
      memory.installMs = String(run.durationMs);
      memory.installEndedAt = String(Date.now());
    },
    async check({ sandbox, memory }) {
      const pkg = JSON.parse(readFileSync(join(sandbox.project, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
      if (!pkg.devDependencies?.lodash) throw new Error('package.json has no devDependency on lodash after npm install --save-dev lodash');
      const lock = JSON.parse(readFileSync(join(sandbox.project, 'package-lock.json'), 'utf8')) as {
        packages?: Record<string, { resolved?: string; version?: string }>;
      };
      const entry = lock.packages?.['node_modules/lodash'];
      if (!entry?.resolved?.startsWith(memory.endpoint ?? '\0')) {
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
    command: ({ names }) => aws(['codeartifact', 'list-packages', '--domain', names.domain, '--repository', names.myRepo]),
    async check({ codeartifact, names, memory }) {
      const started = Number(memory.installEndedAt ?? Date.now());
      const limitMs = Number(memory.visibilityLimitMs ?? 60_000);
      const found = await pollUntil(limitMs, async () => {
        const out: string[] = [];
        for (const repository of [names.myRepo, names.npmStore]) {
          const { packages } = await codeartifact.send(new ListPackagesCommand({ domain: names.domain, repository, format: 'npm' }));
          if (packages?.some((p) => p.package === 'lodash')) out.push(repository);
        }
        return out.length === 2 ? out : undefined;
      });
      if (!found) throw new Error(`lodash did not appear in both ${names.myRepo} and ${names.npmStore} within ${limitMs / 1000} s of the install`);
      memory.visibleAfterMs = String(Date.now() - started);
      return `lodash is listed in ${found.join(' and ')} (visible ${memory.visibleAfterMs} ms after the install)`;
    },
  },
];

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

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The clean-up the tutorial asks for, in reverse order of creation. */
export const cleanupSteps: TutorialStep[] = [
  {
    id: 'cleanup-delete-my-repo',
    number: 'Clean up',
    title: 'Delete the my-repo repository',
    documented: 'aws codeartifact delete-repository --domain my-domain --domain-owner 326213389784 --repository my-repo',
    command: ({ names, account }) => aws([
      'codeartifact', 'delete-repository', '--domain', names.domain, '--domain-owner', account, '--repository', names.myRepo,
    ]),
    check: ({ codeartifact, names }) => expectRepositoryGone(codeartifact, names.domain, names.myRepo),
  },
  {
    id: 'cleanup-delete-npm-store',
    number: 'Clean up',
    title: 'Delete the npm-store repository',
    documented: 'aws codeartifact delete-repository --domain my-domain --domain-owner 326213389784 --repository npm-store',
    command: ({ names, account }) => aws([
      'codeartifact', 'delete-repository', '--domain', names.domain, '--domain-owner', account, '--repository', names.npmStore,
    ]),
    check: ({ codeartifact, names }) => expectRepositoryGone(codeartifact, names.domain, names.npmStore),
  },
  {
    id: 'cleanup-delete-domain',
    number: 'Clean up',
    title: 'Delete the my-domain domain',
    documented: 'aws codeartifact delete-domain --domain my-domain --domain-owner 326213389784',
    command: ({ names, account }) => aws(['codeartifact', 'delete-domain', '--domain', names.domain, '--domain-owner', account]),
    async check({ codeartifact, names }) {
      const { domains } = await codeartifact.send(new ListDomainsCommand({}));
      if (domains?.some((d) => d.name === names.domain)) throw new Error(`domain ${names.domain} still exists after delete-domain`);
      return `domain ${names.domain} is gone`;
    },
  },
];
