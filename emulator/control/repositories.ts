import { z } from 'zod';
import { conflict, notFound, validationError } from '../core/errors.ts';
import { defineOperation } from '../core/operation.ts';
import { pageInput, pageOf, pageQuery } from '../core/pagination.ts';
import { enforceQuota, type Quotas } from '../core/quotas.ts';
import { shapes, TagList, UpstreamRepositoryList } from '../core/shapes.ts';
import { epochSeconds, type DomainRecord, type RepositoryRecord } from '../core/store.ts';
import { describeRepository, repositoryArn, requireDomain, requireRepository, summarizeRepository } from './resources.ts';

/** Public repositories CodeArtifact can connect to, and the package format each serves. */
export const EXTERNAL_CONNECTIONS: Record<string, string> = {
  'public:npmjs': 'npm',
  'public:pypi': 'pypi',
  'public:maven-central': 'maven',
  'public:maven-googleandroid': 'maven',
  'public:maven-gradleplugins': 'maven',
  'public:maven-commonsware': 'maven',
  'public:maven-clojars': 'maven',
  'public:nuget-org': 'nuget',
  'public:ruby-gems-org': 'ruby',
  'public:crates-io': 'cargo',
};

const repositoryLocation = { domain: 'domain', domainOwner: 'domain-owner', repository: 'repository' };
const repositoryId = {
  domain: shapes.DomainName,
  domainOwner: shapes.AccountId.optional(),
  repository: shapes.RepositoryName,
};

/** Upstreams live in the same domain, exist, are listed once, and never include the repository itself. */
function checkUpstreams(quotas: Quotas, domain: DomainRecord, self: string, upstreams: { repositoryName: string }[]): string[] {
  const names = upstreams.map((u) => u.repositoryName);
  enforceQuota(
    quotas,
    'directUpstreamsPerRepository',
    0,
    'repository',
    self,
    `Repository ${self} cannot have ${names.length} direct upstream repositories`,
    names.length,
  );
  const seen = new Set<string>();
  for (const name of names) {
    if (name === self) throw validationError(`Repository ${self} cannot be an upstream of itself.`);
    if (seen.has(name)) throw validationError(`Upstream repository ${name} is listed more than once.`);
    seen.add(name);
    if (!domain.repositories.has(name)) {
      throw notFound(
        'repository',
        name,
        `Upstream repository not found. Repository name: ${name}, domain name: ${domain.name}. Upstreams must be existing repositories in the same domain.`,
      );
    }
  }
  return names;
}

export const createRepository = defineOperation({
  name: 'CreateRepository',
  method: 'POST',
  path: '/v1/repository',
  query: repositoryLocation,
  input: z.object({
    ...repositoryId,
    description: shapes.Description.optional(),
    upstreams: UpstreamRepositoryList.optional(),
    tags: TagList.optional(),
  }),
  handler(input, ctx) {
    const domain = requireDomain(ctx, input.domain, input.domainOwner);
    if (domain.repositories.has(input.repository)) {
      throw conflict(
        'repository',
        input.repository,
        `Repository already exists. Repository name: ${input.repository}, domain name: ${domain.name}`,
      );
    }
    enforceQuota(
      ctx.settings.quotas,
      'repositoriesPerDomain',
      domain.repositories.size,
      'repository',
      input.repository,
      `Domain ${domain.name} cannot have more repositories`,
    );
    const upstreams = checkUpstreams(ctx.settings.quotas, domain, input.repository, input.upstreams ?? []);
    const record: RepositoryRecord = {
      name: input.repository,
      domainName: domain.name,
      domainOwner: domain.owner,
      administratorAccount: ctx.account,
      arn: repositoryArn(ctx.region, domain.owner, domain.name, input.repository),
      ...(input.description !== undefined ? { description: input.description } : {}),
      upstreams,
      externalConnections: [],
      createdTime: epochSeconds(),
      tags: input.tags ?? [],
      packages: new Map(),
    };
    domain.repositories.set(record.name, record);
    return { repository: describeRepository(record) };
  },
});

export const describeRepositoryOp = defineOperation({
  name: 'DescribeRepository',
  method: 'GET',
  path: '/v1/repository',
  query: repositoryLocation,
  input: z.object(repositoryId),
  handler(input, ctx) {
    return { repository: describeRepository(requireRepository(ctx, input.domain, input.domainOwner, input.repository).repository) };
  },
});

export const updateRepository = defineOperation({
  name: 'UpdateRepository',
  method: 'PUT',
  path: '/v1/repository',
  query: repositoryLocation,
  input: z.object({
    ...repositoryId,
    description: shapes.Description.optional(),
    upstreams: UpstreamRepositoryList.optional(),
  }),
  handler(input, ctx) {
    const { domain, repository } = requireRepository(ctx, input.domain, input.domainOwner, input.repository);
    // Validate everything before changing anything: a rejected update leaves the repository as it was.
    const upstreams =
      input.upstreams === undefined ? undefined : checkUpstreams(ctx.settings.quotas, domain, repository.name, input.upstreams);
    if (input.description !== undefined) repository.description = input.description;
    if (upstreams !== undefined) repository.upstreams = upstreams;
    // An update mends a dangling upstream graph (see deleteRepository): upstreams that no
    // longer exist are dropped, and the repository's endpoint answers again.
    if (repository.danglingUpstreams) {
      const gone = new Set(repository.danglingUpstreams);
      if (upstreams === undefined) repository.upstreams = repository.upstreams.filter((name) => !gone.has(name));
      delete repository.danglingUpstreams;
    }
    return { repository: describeRepository(repository) };
  },
});

export const deleteRepository = defineOperation({
  name: 'DeleteRepository',
  method: 'DELETE',
  path: '/v1/repository',
  query: repositoryLocation,
  input: z.object(repositoryId),
  handler(input, ctx) {
    const { domain, repository } = requireRepository(ctx, input.domain, input.domainOwner, input.repository);
    // AWS deletes a repository that is another's upstream and leaves the downstream's graph
    // dangling, until UpdateRepository is called on the downstream; a repository created again
    // under the same name is not linked back (user guide, "Delete a repository": delete it
    // from its downstreams' upstreams first, or their endpoints fail).
    for (const downstream of domain.repositories.values()) {
      if (downstream !== repository && downstream.upstreams.includes(repository.name)) {
        downstream.danglingUpstreams = [...new Set([...(downstream.danglingUpstreams ?? []), repository.name])];
      }
    }
    domain.repositories.delete(repository.name);
    // Package groups' allowed repository lists name repositories; a new one of the same name is another.
    for (const group of domain.packageGroups ?? []) {
      for (const type of Object.keys(group.allowedRepositories) as (keyof typeof group.allowedRepositories)[]) {
        group.allowedRepositories[type] = group.allowedRepositories[type].filter((name) => name !== repository.name);
      }
    }
    return { repository: describeRepository(repository) };
  },
});

function listAll(filter: (r: RepositoryRecord) => boolean, domains: Iterable<DomainRecord>) {
  const out: RepositoryRecord[] = [];
  for (const d of domains) for (const r of d.repositories.values()) if (filter(r)) out.push(r);
  return out.sort((a, b) => a.domainName.localeCompare(b.domainName) || a.name.localeCompare(b.name));
}

export const listRepositories = defineOperation({
  name: 'ListRepositories',
  method: 'POST',
  path: '/v1/repositories',
  query: { repositoryPrefix: 'repository-prefix', ...pageQuery },
  input: z.object({ repositoryPrefix: shapes.RepositoryName.optional(), ...pageInput }),
  handler(input, ctx) {
    const prefix = input.repositoryPrefix ?? '';
    const all = listAll((r) => r.name.startsWith(prefix), ctx.state.domains.values());
    return pageOf('repositories', all, input, { map: summarizeRepository });
  },
});

export const listRepositoriesInDomain = defineOperation({
  name: 'ListRepositoriesInDomain',
  method: 'POST',
  path: '/v1/domain/repositories',
  query: {
    domain: 'domain',
    domainOwner: 'domain-owner',
    administratorAccount: 'administrator-account',
    repositoryPrefix: 'repository-prefix',
    ...pageQuery,
  },
  input: z.object({
    domain: shapes.DomainName,
    domainOwner: shapes.AccountId.optional(),
    administratorAccount: shapes.AccountId.optional(),
    repositoryPrefix: shapes.RepositoryName.optional(),
    ...pageInput,
  }),
  handler(input, ctx) {
    const domain = requireDomain(ctx, input.domain, input.domainOwner);
    const prefix = input.repositoryPrefix ?? '';
    const all = listAll(
      (r) =>
        r.name.startsWith(prefix) && (input.administratorAccount === undefined || r.administratorAccount === input.administratorAccount),
      [domain],
    );
    return pageOf('repositories', all, input, { map: summarizeRepository });
  },
});

const connectionInput = z.object({
  ...repositoryId,
  externalConnection: shapes.ExternalConnectionName,
});
const connectionLocation = { ...repositoryLocation, externalConnection: 'external-connection' };

export const associateExternalConnection = defineOperation({
  name: 'AssociateExternalConnection',
  method: 'POST',
  path: '/v1/repository/external-connection',
  query: connectionLocation,
  input: connectionInput,
  handler(input, ctx) {
    const { repository } = requireRepository(ctx, input.domain, input.domainOwner, input.repository);
    const packageFormat = EXTERNAL_CONNECTIONS[input.externalConnection];
    if (!packageFormat) {
      throw validationError(
        `Unknown external connection '${input.externalConnection}'. Supported: ${Object.keys(EXTERNAL_CONNECTIONS).join(', ')}.`,
      );
    }
    const existing = repository.externalConnections[0];
    if (existing?.externalConnectionName === input.externalConnection) {
      throw conflict('repository', repository.name, `Repository ${repository.name} is already connected to ${input.externalConnection}.`);
    }
    if (existing) {
      // AWS's status and wording (awsdocs/aws-cloudformation-user-guide pull request 1127:
      // "ExternalConnections for repositories are currently limited to 1 (Service:
      // Codeartifact, Status Code: 400 ...)").
      throw validationError('ExternalConnections for repositories are currently limited to 1');
    }
    repository.externalConnections = [{ externalConnectionName: input.externalConnection, packageFormat, status: 'AVAILABLE' }];
    return { repository: describeRepository(repository) };
  },
});

export const disassociateExternalConnection = defineOperation({
  name: 'DisassociateExternalConnection',
  method: 'DELETE',
  path: '/v1/repository/external-connection',
  query: connectionLocation,
  input: connectionInput,
  handler(input, ctx) {
    const { repository } = requireRepository(ctx, input.domain, input.domainOwner, input.repository);
    if (!repository.externalConnections.some((c) => c.externalConnectionName === input.externalConnection)) {
      throw notFound(
        'repository',
        repository.name,
        `Repository ${repository.name} has no external connection ${input.externalConnection}.`,
      );
    }
    repository.externalConnections = repository.externalConnections.filter((c) => c.externalConnectionName !== input.externalConnection);
    return { repository: describeRepository(repository) };
  },
});
