/** Finding domains and repositories, and describing them exactly as the API model does. */
import { createHash } from 'node:crypto';
import { notFound } from '../core/errors.ts';
import type { RequestContext } from '../core/operation.ts';
import type { DomainRecord, RepositoryRecord } from '../core/store.ts';

export function requireDomain(ctx: RequestContext, domain: string, domainOwner?: string): DomainRecord {
  const owner = domainOwner ?? ctx.account;
  const record = ctx.state.domain(owner, domain);
  if (!record) {
    throw notFound('domain', domain, `Domain not found. Domain name: ${domain}, domain owner: ${owner}`);
  }
  return record;
}

export function requireRepository(
  ctx: RequestContext,
  domain: string,
  domainOwner: string | undefined,
  repository: string,
): { domain: DomainRecord; repository: RepositoryRecord } {
  const d = requireDomain(ctx, domain, domainOwner);
  const r = d.repositories.get(repository);
  if (!r) {
    throw notFound(
      'repository',
      repository,
      `Repository not found. Repository name: ${repository}, domain name: ${domain}, domain owner: ${d.owner}`,
    );
  }
  return { domain: d, repository: r };
}

export const domainArn = (region: string, owner: string, domain: string) =>
  `arn:aws:codeartifact:${region}:${owner}:domain/${domain}`;

export const repositoryArn = (region: string, owner: string, domain: string, repository: string) =>
  `arn:aws:codeartifact:${region}:${owner}:repository/${domain}/${repository}`;

/** A stable, AWS-managed-looking KMS key id per account and region. */
export function defaultEncryptionKey(region: string, owner: string): string {
  const h = createHash('sha256').update(`${region}/${owner}/aws/codeartifact`).digest('hex');
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return `arn:aws:kms:${region}:${owner}:key/${id}`;
}

export function describeDomain(d: DomainRecord, assetSizeBytes = 0) {
  return {
    name: d.name,
    owner: d.owner,
    arn: d.arn,
    status: 'Active',
    createdTime: d.createdTime,
    encryptionKey: d.encryptionKey,
    repositoryCount: d.repositories.size,
    assetSizeBytes,
    s3BucketArn: d.s3BucketArn,
  };
}

export function summarizeDomain(d: DomainRecord) {
  return {
    name: d.name,
    owner: d.owner,
    arn: d.arn,
    status: 'Active',
    createdTime: d.createdTime,
    encryptionKey: d.encryptionKey,
  };
}

export function describeRepository(r: RepositoryRecord) {
  return {
    name: r.name,
    administratorAccount: r.administratorAccount,
    domainName: r.domainName,
    domainOwner: r.domainOwner,
    arn: r.arn,
    ...(r.description !== undefined ? { description: r.description } : {}),
    // AWS always sends both lists, empty or not; clients and the tutorial's readers rely on it.
    upstreams: r.upstreams.map((repositoryName) => ({ repositoryName })),
    externalConnections: r.externalConnections.map((c) => ({ ...c })),
    createdTime: r.createdTime,
  };
}

export function summarizeRepository(r: RepositoryRecord) {
  return {
    name: r.name,
    administratorAccount: r.administratorAccount,
    domainName: r.domainName,
    domainOwner: r.domainOwner,
    arn: r.arn,
    ...(r.description !== undefined ? { description: r.description } : {}),
    createdTime: r.createdTime,
  };
}
