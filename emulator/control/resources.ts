/** Finding domains and repositories, and describing them exactly as the API model does. */
import { createHash } from 'node:crypto';
import { notFound } from '../core/errors.ts';
import type { RequestContext } from '../core/operation.ts';
import type { DomainRecord, RepositoryRecord } from '../core/store.ts';

export function requireDomain(ctx: RequestContext, domain: string, domainOwner?: string): DomainRecord {
  const owner = domainOwner ?? ctx.account;
  const record = ctx.state.domain(owner, domain);
  if (!record) {
    // AWS's wording, as AWS printed it (aws/aws-cdk issue 19792): "Domain not found. Domain
    // 'mydomain' owned by account '123456789' does not exist".
    throw notFound('domain', domain, `Domain not found. Domain '${domain}' owned by account '${owner}' does not exist`);
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
    // AWS's wording, as the aws CLI printed it for CopyPackageVersions (a public cross-account
    // CodeArtifact example script, kyhau/aws-tools): "Repository not found. Repository
    // 'team-2-dev' in domain '...' owned by account '...' does not exist."
    throw notFound(
      'repository',
      repository,
      `Repository not found. Repository '${repository}' in domain '${domain}' owned by account '${d.owner}' does not exist.`,
    );
  }
  return { domain: d, repository: r };
}

export const domainArn = (region: string, owner: string, domain: string) => `arn:aws:codeartifact:${region}:${owner}:domain/${domain}`;

export const repositoryArn = (region: string, owner: string, domain: string, repository: string) =>
  `arn:aws:codeartifact:${region}:${owner}:repository/${domain}/${repository}`;

/** A stable, AWS-managed-looking KMS key id per account and region. */
export function defaultEncryptionKey(region: string, owner: string): string {
  const h = createHash('sha256').update(`${region}/${owner}/aws/codeartifact`).digest('hex');
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return `arn:aws:kms:${region}:${owner}:key/${id}`;
}

/**
 * The bytes of every asset stored in the domain's repositories. A blob is stored once per
 * domain however many repositories keep it (user guide, "Domain"), so it is counted once.
 */
export function domainAssetSizeBytes(d: DomainRecord): number {
  const seen = new Map<string, number>();
  for (const r of d.repositories.values()) {
    for (const p of r.packages.values()) {
      for (const v of p.versions.values()) for (const a of v.assets) seen.set(a.hashes['SHA-512'], a.size);
    }
  }
  let total = 0;
  for (const size of seen.values()) total += size;
  return total;
}

export function describeDomain(d: DomainRecord, assetSizeBytes = domainAssetSizeBytes(d)) {
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
    // status: AWS prints AVAILABLE (see ExternalConnection in store.ts); older snapshots say Available.
    externalConnections: r.externalConnections.map((c) => ({ ...c, status: 'AVAILABLE' })),
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
