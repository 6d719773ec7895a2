/** Resource policies on domains and repositories, with revision-based optimistic locking. */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { conflict, notFound, validationError } from '../core/errors.ts';
import { defineOperation } from '../core/operation.ts';
import { shapes } from '../core/shapes.ts';
import type { ResourcePolicy } from '../core/store.ts';
import { requireDomain, requireRepository } from './resources.ts';

interface PolicyHolder {
  policy?: ResourcePolicy;
  arn: string;
}

function checkDocument(document: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    throw validationError('The policy document is not valid JSON. Pass an IAM policy document.', 'CANNOT_PARSE');
  }
  const statement = (parsed as { Statement?: unknown } | null)?.Statement;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || statement === undefined) {
    throw validationError('The policy document has no Statement. Pass an IAM policy document with a Statement.');
  }
}

function putPolicy(holder: PolicyHolder, kind: 'domain' | 'repository', id: string, document: string, revision?: string) {
  checkDocument(document);
  if (revision !== undefined && holder.policy?.revision !== revision) {
    throw conflict(kind, id, `The policy revision ${revision} does not match the current revision of ${id}'s policy.`);
  }
  holder.policy = { revision: randomUUID(), document };
  return { policy: { resourceArn: holder.arn, revision: holder.policy.revision, document } };
}

function getPolicy(holder: PolicyHolder, kind: 'domain' | 'repository', id: string) {
  if (!holder.policy) throw notFound(kind, id, `No resource policy is set on ${kind} ${id}.`);
  return { policy: { resourceArn: holder.arn, ...holder.policy } };
}

function deletePolicy(holder: PolicyHolder, kind: 'domain' | 'repository', id: string, revision?: string) {
  const current = getPolicy(holder, kind, id);
  if (revision !== undefined && holder.policy?.revision !== revision) {
    throw conflict(kind, id, `The policy revision ${revision} does not match the current revision of ${id}'s policy.`);
  }
  delete holder.policy;
  return current;
}

const domainLocation = { domain: 'domain', domainOwner: 'domain-owner' };
const domainId = { domain: shapes.DomainName, domainOwner: shapes.AccountId.optional() };
const repositoryLocation = { ...domainLocation, repository: 'repository' };
const repositoryId = { ...domainId, repository: shapes.RepositoryName };

export const putDomainPermissionsPolicy = defineOperation({
  name: 'PutDomainPermissionsPolicy',
  method: 'PUT',
  path: '/v1/domain/permissions/policy',
  input: z.object({ ...domainId, policyRevision: shapes.PolicyRevision.optional(), policyDocument: shapes.PolicyDocument }),
  handler(input, ctx) {
    const d = requireDomain(ctx, input.domain, input.domainOwner);
    return putPolicy(d, 'domain', d.name, input.policyDocument, input.policyRevision);
  },
});

export const getDomainPermissionsPolicy = defineOperation({
  name: 'GetDomainPermissionsPolicy',
  method: 'GET',
  path: '/v1/domain/permissions/policy',
  query: domainLocation,
  input: z.object(domainId),
  handler(input, ctx) {
    const d = requireDomain(ctx, input.domain, input.domainOwner);
    return getPolicy(d, 'domain', d.name);
  },
});

export const deleteDomainPermissionsPolicy = defineOperation({
  name: 'DeleteDomainPermissionsPolicy',
  method: 'DELETE',
  path: '/v1/domain/permissions/policy',
  query: { ...domainLocation, policyRevision: 'policy-revision' },
  input: z.object({ ...domainId, policyRevision: shapes.PolicyRevision.optional() }),
  handler(input, ctx) {
    const d = requireDomain(ctx, input.domain, input.domainOwner);
    return deletePolicy(d, 'domain', d.name, input.policyRevision);
  },
});

export const putRepositoryPermissionsPolicy = defineOperation({
  name: 'PutRepositoryPermissionsPolicy',
  method: 'PUT',
  path: '/v1/repository/permissions/policy',
  query: repositoryLocation,
  input: z.object({ ...repositoryId, policyRevision: shapes.PolicyRevision.optional(), policyDocument: shapes.PolicyDocument }),
  handler(input, ctx) {
    const { repository } = requireRepository(ctx, input.domain, input.domainOwner, input.repository);
    return putPolicy(repository, 'repository', repository.name, input.policyDocument, input.policyRevision);
  },
});

export const getRepositoryPermissionsPolicy = defineOperation({
  name: 'GetRepositoryPermissionsPolicy',
  method: 'GET',
  path: '/v1/repository/permissions/policy',
  query: repositoryLocation,
  input: z.object(repositoryId),
  handler(input, ctx) {
    const { repository } = requireRepository(ctx, input.domain, input.domainOwner, input.repository);
    return getPolicy(repository, 'repository', repository.name);
  },
});

export const deleteRepositoryPermissionsPolicy = defineOperation({
  name: 'DeleteRepositoryPermissionsPolicy',
  method: 'DELETE',
  // Sic: the API model spells this route "policies", unlike its Get and Put siblings.
  path: '/v1/repository/permissions/policies',
  query: { ...repositoryLocation, policyRevision: 'policy-revision' },
  input: z.object({ ...repositoryId, policyRevision: shapes.PolicyRevision.optional() }),
  handler(input, ctx) {
    const { repository } = requireRepository(ctx, input.domain, input.domainOwner, input.repository);
    return deletePolicy(repository, 'repository', repository.name, input.policyRevision);
  },
});
