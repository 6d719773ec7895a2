/**
 * Packages and package versions, as the control plane sees them. The operations live by
 * family: package-reads.ts (list and describe), package-assets.ts (assets, readme,
 * dependencies), package-versions.ts (status changes, disposal, deletion), package-copy.ts
 * (CopyPackageVersions) and package-publish.ts (origin configuration, generic publishing).
 * This module has what they share: the API model's shapes, how a package is named, and how
 * one is found. Like AWS, these operations look only at the repository named
 * (CopyPackageVersions with includeFromUpstream being the one exception).
 *
 * Visibility: a version that came in through an external connection is hidden from these
 * reads until AWS's ingestion delay has passed (`visibleAt`), or forever under the
 * `never-visible` fault. A package whose versions are all hidden is hidden too; a package
 * with no versions at all (created by PutPackageOriginConfiguration, or whose versions were
 * all deleted) exists, as it does on AWS.
 */
import { z } from 'zod';
import { notFound, validationError } from '../core/errors.ts';
import type { RequestContext } from '../core/operation.ts';
import { enumOf, shapes, str } from '../core/shapes.ts';
import { packageKey, type PackageRecord, type PackageVersionRecord, type RepositoryRecord } from '../core/store.ts';
import type { PackageId } from '../packages/graph.ts';
import { requireRepository } from './resources.ts';

// ---------------------------------------------------------------------------------------------
// Shapes of the API model used only by the package operations.
// ---------------------------------------------------------------------------------------------

export const PackageVersion = str({ min: 1, max: 255, pattern: '[^#/\\s]+' });
export const PackageVersionRevision = str({ min: 1, max: 50, pattern: '\\S+' });
export const AssetName = str({ min: 1, max: 255, pattern: '\\P{C}+' });
export const SHA256 = str({ min: 64, max: 64, pattern: '[0-9a-f]+' });
const STATUSES = ['Published', 'Unfinished', 'Unlisted', 'Archived', 'Disposed', 'Deleted'] as const;
export const Status = enumOf(STATUSES);
export const OriginMode = enumOf(['ALLOW', 'BLOCK']);
export const OriginType = enumOf(['INTERNAL', 'EXTERNAL', 'UNKNOWN']);
export const VersionList = z.array(PackageVersion).max(100, 'Member must have length less than or equal to 100');
export const RevisionMap = z.record(PackageVersion, PackageVersionRevision);

export const repositoryLocation = { domain: 'domain', domainOwner: 'domain-owner', repository: 'repository' };
export const packageLocation = { ...repositoryLocation, format: 'format', namespace: 'namespace', package: 'package' };
export const versionLocation = { ...packageLocation, packageVersion: 'version' };
export const repositoryId = {
  domain: shapes.DomainName,
  domainOwner: shapes.AccountId.optional(),
  repository: shapes.RepositoryName,
};
export const packageId = {
  ...repositoryId,
  format: shapes.PackageFormat,
  namespace: shapes.PackageNamespace.optional(),
  package: shapes.PackageName,
};
export const versionId = { ...packageId, packageVersion: PackageVersion };

interface PackageInput {
  domain: string;
  domainOwner?: string | undefined;
  repository: string;
  format: string;
  namespace?: string | undefined;
  package: string;
}

// ---------------------------------------------------------------------------------------------
// Identity, visibility and lookups.
// ---------------------------------------------------------------------------------------------

const NAMESPACE_REQUIRED = new Set(['maven', 'swift', 'generic']);
const NO_NAMESPACE = new Set(['pypi', 'nuget', 'ruby', 'cargo']);

/** Each format's namespace rules (npm: the scope without its '@'). */
export function checkNamespace(format: string, namespace: string | undefined): void {
  if (namespace === undefined) {
    if (NAMESPACE_REQUIRED.has(format)) {
      throw validationError(`A ${format} package always has a namespace: pass namespace.`);
    }
    return;
  }
  if (NO_NAMESPACE.has(format)) {
    throw validationError(`${format} packages have no namespace: omit namespace ('${namespace}' was given).`);
  }
  if (format === 'npm' && namespace.startsWith('@')) {
    throw validationError(
      `The namespace of an npm package is its scope without the '@': pass '${namespace.slice(1)}', not '${namespace}'.`,
    );
  }
}

export const idOf = (input: Pick<PackageInput, 'format' | 'namespace' | 'package'>): PackageId => ({
  format: input.format,
  ...(input.namespace !== undefined ? { namespace: input.namespace } : {}),
  name: input.package,
});
export const keyOf = (id: PackageId) => packageKey(id.format, id.namespace, id.name);
export const withNamespace = (namespace: string | undefined) => (namespace !== undefined ? { namespace } : {});

export function fullName(id: PackageId): string {
  if (id.namespace === undefined) return id.name;
  return id.format === 'npm' ? `@${id.namespace}/${id.name}` : `${id.namespace}:${id.name}`;
}

export function isVisible(ctx: RequestContext, v: PackageVersionRecord): boolean {
  if (v.visibleAt > Date.now()) return false;
  return !(ctx.faults.on('never-visible') && v.origin.originType === 'EXTERNAL');
}

export function visibleVersions(ctx: RequestContext, pkg: PackageRecord): PackageVersionRecord[] {
  return [...pkg.versions.values()].filter((v) => isVisible(ctx, v));
}

export function isListed(ctx: RequestContext, pkg: PackageRecord): boolean {
  return pkg.versions.size === 0 || visibleVersions(ctx, pkg).length > 0;
}

export function packageNotFound(id: PackageId, repository: RepositoryRecord) {
  return notFound(
    'package',
    id.name,
    // Worded like AWS's domain and repository answers (see resources.ts); no public transcript
    // of AWS's package-not-found message was found to copy exactly.
    `Package not found. Package '${fullName(id)}' with format '${id.format}' in repository '${repository.name}' in domain '${repository.domainName}' owned by account '${repository.domainOwner}' does not exist.`,
  );
}

export function requirePackage(ctx: RequestContext, input: PackageInput) {
  const { domain, repository } = requireRepository(ctx, input.domain, input.domainOwner, input.repository);
  checkNamespace(input.format, input.namespace);
  const id = idOf(input);
  const pkg = repository.packages.get(keyOf(id));
  if (!pkg || !isListed(ctx, pkg)) throw packageNotFound(id, repository);
  return { domain, repository, pkg, id };
}

export function requireVersion(ctx: RequestContext, input: PackageInput & { packageVersion: string }) {
  const found = requirePackage(ctx, input);
  const version = found.pkg.versions.get(input.packageVersion);
  if (!version || !isVisible(ctx, version)) {
    throw notFound(
      'package-version',
      input.packageVersion,
      `Package version not found. Package: ${fullName(found.id)}, version: ${input.packageVersion}, format: ${input.format}, repository: ${found.repository.name}.`,
    );
  }
  return { ...found, version };
}

export const originConfiguration = (pkg: PackageRecord) => ({ restrictions: { ...pkg.originConfiguration.restrictions } });

export function summarizePackage(pkg: PackageRecord) {
  return { format: pkg.format, ...withNamespace(pkg.namespace), package: pkg.name, originConfiguration: originConfiguration(pkg) };
}
