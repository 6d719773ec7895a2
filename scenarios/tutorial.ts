/**
 * "Get started with CodeArtifact via AWS CLI", control-plane steps. The tutorial's account
 * 326213389784 and names are replaced by the run's own.
 */
import {
  type CodeartifactClient,
  DescribeDomainCommand,
  DescribeRepositoryCommand,
  ListDomainsCommand,
} from '@aws-sdk/client-codeartifact';
import type { TutorialStep } from './types.ts';

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

export const controlPlaneSteps: TutorialStep[] = [
  {
    id: 'create-domain',
    number: '1',
    title: 'Use the AWS CLI to run the create-domain command',
    documented: 'aws codeartifact create-domain --domain my-domain',
    awsArgs: ({ names }) => ['codeartifact', 'create-domain', '--domain', names.domain],
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
    awsArgs: ({ names, account }) => [
      'codeartifact', 'create-repository', '--domain', names.domain, '--domain-owner', account, '--repository', names.myRepo,
    ],
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
    awsArgs: ({ names, account }) => [
      'codeartifact', 'create-repository', '--domain', names.domain, '--domain-owner', account, '--repository', names.npmStore,
    ],
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
    awsArgs: ({ names, account }) => [
      'codeartifact', 'associate-external-connection', '--domain', names.domain, '--domain-owner', account,
      '--repository', names.npmStore, '--external-connection', 'public:npmjs',
    ],
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
    awsArgs: ({ names, account }) => [
      'codeartifact', 'update-repository', '--repository', names.myRepo, '--domain', names.domain,
      '--domain-owner', account, '--upstreams', `repositoryName=${names.npmStore}`,
    ],
    async check({ codeartifact, names }) {
      const { repository } = await codeartifact.send(
        new DescribeRepositoryCommand({ domain: names.domain, repository: names.myRepo }),
      );
      expectEqual(`${names.myRepo} upstreams`, [{ repositoryName: names.npmStore }], repository?.upstreams);
      return `${names.myRepo} has ${names.npmStore} as its only upstream`;
    },
  },
];

/** The clean-up the tutorial asks for, in reverse order of creation. */
export const cleanupSteps: TutorialStep[] = [
  {
    id: 'cleanup-delete-my-repo',
    number: 'Clean up',
    title: 'Delete the my-repo repository',
    documented: 'aws codeartifact delete-repository --domain my-domain --domain-owner 326213389784 --repository my-repo',
    awsArgs: ({ names, account }) => [
      'codeartifact', 'delete-repository', '--domain', names.domain, '--domain-owner', account, '--repository', names.myRepo,
    ],
    check: ({ codeartifact, names }) => expectRepositoryGone(codeartifact, names.domain, names.myRepo),
  },
  {
    id: 'cleanup-delete-npm-store',
    number: 'Clean up',
    title: 'Delete the npm-store repository',
    documented: 'aws codeartifact delete-repository --domain my-domain --domain-owner 326213389784 --repository npm-store',
    awsArgs: ({ names, account }) => [
      'codeartifact', 'delete-repository', '--domain', names.domain, '--domain-owner', account, '--repository', names.npmStore,
    ],
    check: ({ codeartifact, names }) => expectRepositoryGone(codeartifact, names.domain, names.npmStore),
  },
  {
    id: 'cleanup-delete-domain',
    number: 'Clean up',
    title: 'Delete the my-domain domain',
    documented: 'aws codeartifact delete-domain --domain my-domain --domain-owner 326213389784',
    awsArgs: ({ names, account }) => ['codeartifact', 'delete-domain', '--domain', names.domain, '--domain-owner', account],
    async check({ codeartifact, names }) {
      const { domains } = await codeartifact.send(new ListDomainsCommand({}));
      if (domains?.some((d) => d.name === names.domain)) throw new Error(`domain ${names.domain} still exists after delete-domain`);
      return `domain ${names.domain} is gone`;
    },
  },
];
