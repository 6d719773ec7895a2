/**
 * Packages and package versions, as the control plane sees them: listing, describing,
 * downloading, status changes, deletion, copying between repositories, origin configuration
 * and publishing generic packages. Like AWS, these operations look only at the repository
 * named (CopyPackageVersions with includeFromUpstream being the one exception).
 *
 * Visibility: a version that came in through an external connection is hidden from these
 * reads until AWS's ingestion delay has passed (`visibleAt`), or forever under the
 * `never-visible` fault. A package whose versions are all hidden is hidden too; a package
 * with no versions at all (created by PutPackageOriginConfiguration, or whose versions were
 * all deleted) exists, as it does on AWS.
 */
import { createHash, randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import semver from 'semver';
import { z } from 'zod';
import { hashAsset } from '../core/blobs.ts';
import { accessDenied, conflict, notFound, validationError } from '../core/errors.ts';
import { defineOperation, RawResponse, type RequestContext } from '../core/operation.ts';
import { paginate } from '../core/pagination.ts';
import { bool, enumOf, shapes, str } from '../core/shapes.ts';
import {
  epochSeconds,
  packageKey,
  type DomainRecord,
  type PackageRecord,
  type PackageVersionRecord,
  type PackageVersionStatus,
  type RepositoryRecord,
} from '../core/store.ts';
import { ensurePackage, npmId, searchOrder, type PackageId } from '../packages/graph.ts';
import { groupAllows } from '../packages/groups.ts';
import { enforceQuota } from '../core/quotas.ts';
import { requireRepository } from './resources.ts';

// ---------------------------------------------------------------------------------------------
// Shapes of the API model used only here.
// ---------------------------------------------------------------------------------------------

const PackageNamespace = str({ min: 1, max: 255, pattern: '[^#/\\s]+' });
const PackageName = str({ min: 1, max: 255, pattern: '[^#/\\s]+' });
const PackageVersion = str({ min: 1, max: 255, pattern: '[^#/\\s]+' });
const PackageVersionRevision = str({ min: 1, max: 50, pattern: '\\S+' });
const AssetName = str({ min: 1, max: 255, pattern: '\\P{C}+' });
const SHA256 = str({ min: 64, max: 64, pattern: '[0-9a-f]+' });
const STATUSES = ['Published', 'Unfinished', 'Unlisted', 'Archived', 'Disposed', 'Deleted'] as const;
const Status = enumOf(STATUSES);
const OriginMode = enumOf(['ALLOW', 'BLOCK']);
const OriginType = enumOf(['INTERNAL', 'EXTERNAL', 'UNKNOWN']);
const VersionList = z.array(PackageVersion).max(100, 'Member must have length less than or equal to 100');
const RevisionMap = z.record(PackageVersion, PackageVersionRevision);

const repositoryLocation = { domain: 'domain', domainOwner: 'domain-owner', repository: 'repository' };
const packageLocation = { ...repositoryLocation, format: 'format', namespace: 'namespace', package: 'package' };
const versionLocation = { ...packageLocation, packageVersion: 'version' };
const repositoryId = {
  domain: shapes.DomainName,
  domainOwner: shapes.AccountId.optional(),
  repository: shapes.RepositoryName,
};
const packageId = { ...repositoryId, format: shapes.PackageFormat, namespace: PackageNamespace.optional(), package: PackageName };
const versionId = { ...packageId, packageVersion: PackageVersion };

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
function checkNamespace(format: string, namespace: string | undefined): void {
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

const idOf = (input: Pick<PackageInput, 'format' | 'namespace' | 'package'>): PackageId => ({
  format: input.format,
  ...(input.namespace !== undefined ? { namespace: input.namespace } : {}),
  name: input.package,
});
const keyOf = (id: PackageId) => packageKey(id.format, id.namespace, id.name);
const withNamespace = (namespace: string | undefined) => (namespace !== undefined ? { namespace } : {});

/** How people write the package: @scope/name for npm, namespace:name or name elsewhere. */
function displayName(id: PackageId): string {
  if (id.namespace === undefined) return id.name;
  return id.format === 'npm' ? `@${id.namespace}/${id.name}` : id.name;
}

function fullName(id: PackageId): string {
  if (id.namespace === undefined) return id.name;
  return id.format === 'npm' ? `@${id.namespace}/${id.name}` : `${id.namespace}:${id.name}`;
}

function isVisible(ctx: RequestContext, v: PackageVersionRecord): boolean {
  if (v.visibleAt > Date.now()) return false;
  return !(ctx.faults.on('never-visible') && v.origin.originType === 'EXTERNAL');
}

function visibleVersions(ctx: RequestContext, pkg: PackageRecord): PackageVersionRecord[] {
  return [...pkg.versions.values()].filter((v) => isVisible(ctx, v));
}

function isListed(ctx: RequestContext, pkg: PackageRecord): boolean {
  return pkg.versions.size === 0 || visibleVersions(ctx, pkg).length > 0;
}

function packageNotFound(id: PackageId, repository: RepositoryRecord) {
  return notFound(
    'package',
    id.name,
    // Worded like AWS's domain and repository answers (see resources.ts); no public transcript
    // of AWS's package-not-found message was found to copy exactly.
    `Package not found. Package '${fullName(id)}' with format '${id.format}' in repository '${repository.name}' in domain '${repository.domainName}' owned by account '${repository.domainOwner}' does not exist.`,
  );
}

function requirePackage(ctx: RequestContext, input: PackageInput) {
  const { domain, repository } = requireRepository(ctx, input.domain, input.domainOwner, input.repository);
  checkNamespace(input.format, input.namespace);
  const id = idOf(input);
  const pkg = repository.packages.get(keyOf(id));
  if (!pkg || !isListed(ctx, pkg)) throw packageNotFound(id, repository);
  return { domain, repository, pkg, id };
}

function requireVersion(ctx: RequestContext, input: PackageInput & { packageVersion: string }) {
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

// ---------------------------------------------------------------------------------------------
// Descriptions.
// ---------------------------------------------------------------------------------------------

const originConfiguration = (pkg: PackageRecord) => ({ restrictions: { ...pkg.originConfiguration.restrictions } });

function summarizePackage(pkg: PackageRecord) {
  return { format: pkg.format, ...withNamespace(pkg.namespace), package: pkg.name, originConfiguration: originConfiguration(pkg) };
}

const originOf = (v: PackageVersionRecord) => ({
  domainEntryPoint: { ...v.origin.domainEntryPoint },
  originType: v.origin.originType,
});

const summarizeVersion = (v: PackageVersionRecord) => ({
  version: v.version,
  revision: v.revision,
  status: v.status,
  origin: originOf(v),
});

/** Which package and version an answer is about, as the list and readme outputs start. */
const versionHeader = (pkg: PackageRecord, v: PackageVersionRecord) => ({
  format: pkg.format,
  ...withNamespace(pkg.namespace),
  package: pkg.name,
  version: v.version,
  versionRevision: v.revision,
});

function licensesOf(manifest: Record<string, unknown>): { name?: string; url?: string }[] {
  const one = (value: unknown): { name?: string; url?: string } | undefined => {
    if (typeof value === 'string') return { name: value };
    if (value && typeof value === 'object') {
      const { type, url } = value as { type?: unknown; url?: unknown };
      return { ...(typeof type === 'string' ? { name: type } : {}), ...(typeof url === 'string' ? { url } : {}) };
    }
    return undefined;
  };
  const all = Array.isArray(manifest.licenses) ? manifest.licenses.map(one) : [one(manifest.license)];
  return all.filter((l): l is { name?: string; url?: string } => l !== undefined && Object.keys(l).length > 0);
}

function sourceRepositoryOf(manifest: Record<string, unknown>): string | undefined {
  const repo = manifest.repository;
  if (typeof repo === 'string') return repo;
  const url = (repo as { url?: unknown } | null | undefined)?.url;
  return typeof url === 'string' ? url : undefined;
}

function describeVersion(id: PackageId, v: PackageVersionRecord) {
  const m = v.manifest;
  const licenses = licensesOf(m);
  const source = sourceRepositoryOf(m);
  return {
    format: id.format,
    ...withNamespace(id.namespace),
    packageName: id.name,
    displayName: displayName(id),
    version: v.version,
    ...(typeof m.description === 'string' ? { summary: m.description } : {}),
    ...(typeof m.homepage === 'string' ? { homePage: m.homepage } : {}),
    ...(source !== undefined ? { sourceCodeRepository: source } : {}),
    publishedTime: v.publishedTime,
    ...(licenses.length > 0 ? { licenses } : {}),
    revision: v.revision,
    status: v.status,
    origin: originOf(v),
  };
}

/** Semver order where both are semver, else natural string order. */
function compareVersions(a: string, b: string): number {
  const va = semver.valid(a);
  const vb = semver.valid(b);
  if (va && vb) return semver.compare(va, vb);
  return a.localeCompare(b, 'en', { numeric: true });
}

/** npm: the version the latest tag names; otherwise (and without one) the highest version. */
function defaultDisplayVersion(pkg: PackageRecord, visible: PackageVersionRecord[]): string | undefined {
  const published = visible.filter((v) => v.status === 'Published');
  const pool = published.length > 0 ? published : visible;
  const latest = pkg.format === 'npm' ? pkg.distTags.latest : undefined;
  if (latest !== undefined && pool.some((v) => v.version === latest)) return latest;
  return pool
    .map((v) => v.version)
    .sort(compareVersions)
    .at(-1);
}

const DEPENDENCY_FIELDS = [
  ['dependencies', 'regular'],
  ['devDependencies', 'dev'],
  ['peerDependencies', 'peer'],
  ['optionalDependencies', 'optional'],
] as const;

function dependenciesOf(pkg: PackageRecord, v: PackageVersionRecord) {
  if (pkg.format !== 'npm') return [];
  return DEPENDENCY_FIELDS.flatMap(([field, dependencyType]) => {
    const deps = v.manifest[field];
    if (!deps || typeof deps !== 'object' || Array.isArray(deps)) return [];
    return Object.entries(deps as Record<string, unknown>)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([name, versionRequirement]) => {
        const dep = npmId(name);
        return { ...withNamespace(dep.namespace), package: dep.name, dependencyType, versionRequirement };
      });
  });
}

// ---------------------------------------------------------------------------------------------
// Reads.
// ---------------------------------------------------------------------------------------------

function comparePackages(a: PackageRecord, b: PackageRecord): number {
  return a.name.localeCompare(b.name) || (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.format.localeCompare(b.format);
}

export const listPackages = defineOperation({
  name: 'ListPackages',
  method: 'POST',
  path: '/v1/packages',
  query: {
    ...repositoryLocation,
    format: 'format',
    namespace: 'namespace',
    packagePrefix: 'package-prefix',
    maxResults: 'max-results',
    nextToken: 'next-token',
    publish: 'publish',
    upstream: 'upstream',
  },
  input: z.object({
    ...repositoryId,
    format: shapes.PackageFormat.optional(),
    namespace: PackageNamespace.optional(),
    packagePrefix: PackageName.optional(),
    maxResults: shapes.MaxResults.optional(),
    nextToken: shapes.PaginationToken.optional(),
    publish: OriginMode.optional(),
    upstream: OriginMode.optional(),
  }),
  handler(input, ctx) {
    const { repository } = requireRepository(ctx, input.domain, input.domainOwner, input.repository);
    if (input.namespace !== undefined && input.format === undefined) {
      throw validationError('namespace filters packages within one format: pass format with namespace.');
    }
    if (input.format === 'npm') checkNamespace('npm', input.namespace);
    const matches = (p: PackageRecord) =>
      (input.format === undefined || p.format === input.format) &&
      (input.namespace === undefined || (p.namespace?.startsWith(input.namespace) ?? false)) &&
      p.name.startsWith(input.packagePrefix ?? '') &&
      (input.publish === undefined || p.originConfiguration.restrictions.publish === input.publish) &&
      (input.upstream === undefined || p.originConfiguration.restrictions.upstream === input.upstream);
    const all = [...repository.packages.values()].filter((p) => matches(p) && isListed(ctx, p)).sort(comparePackages);
    const { page, nextToken } = paginate(all, input.maxResults, input.nextToken, 100);
    return { packages: page.map(summarizePackage), ...(nextToken ? { nextToken } : {}) };
  },
});

export const describePackage = defineOperation({
  name: 'DescribePackage',
  method: 'GET',
  path: '/v1/package',
  query: packageLocation,
  input: z.object(packageId),
  handler(input, ctx) {
    const { pkg } = requirePackage(ctx, input);
    return {
      package: { format: pkg.format, ...withNamespace(pkg.namespace), name: pkg.name, originConfiguration: originConfiguration(pkg) },
    };
  },
});

export const listPackageVersions = defineOperation({
  name: 'ListPackageVersions',
  method: 'POST',
  path: '/v1/package/versions',
  query: {
    ...packageLocation,
    status: 'status',
    sortBy: 'sortBy',
    maxResults: 'max-results',
    nextToken: 'next-token',
    originType: 'originType',
  },
  input: z.object({
    ...packageId,
    status: Status.optional(),
    sortBy: enumOf(['PUBLISHED_TIME']).optional(),
    maxResults: shapes.MaxResults.optional(),
    nextToken: shapes.PaginationToken.optional(),
    originType: OriginType.optional(),
  }),
  handler(input, ctx) {
    const { pkg } = requirePackage(ctx, input);
    const visible = visibleVersions(ctx, pkg);
    const byVersion = (a: PackageVersionRecord, b: PackageVersionRecord) => compareVersions(b.version, a.version);
    const order =
      input.sortBy === 'PUBLISHED_TIME'
        ? (a: PackageVersionRecord, b: PackageVersionRecord) => b.publishedTime - a.publishedTime || byVersion(a, b)
        : byVersion;
    const selected = visible
      .filter(
        (v) =>
          (input.status === undefined || v.status === input.status) &&
          (input.originType === undefined || v.origin.originType === input.originType),
      )
      .sort(order);
    const { page, nextToken } = paginate(selected, input.maxResults, input.nextToken, 50);
    const display = defaultDisplayVersion(pkg, visible);
    return {
      ...(display !== undefined ? { defaultDisplayVersion: display } : {}),
      format: pkg.format,
      ...withNamespace(pkg.namespace),
      package: pkg.name,
      versions: page.map(summarizeVersion),
      ...(nextToken ? { nextToken } : {}),
    };
  },
});

export const describePackageVersion = defineOperation({
  name: 'DescribePackageVersion',
  method: 'GET',
  path: '/v1/package/version',
  query: versionLocation,
  input: z.object(versionId),
  handler(input, ctx) {
    const { id, version } = requireVersion(ctx, input);
    return { packageVersion: describeVersion(id, version) };
  },
});

export const listPackageVersionAssets = defineOperation({
  name: 'ListPackageVersionAssets',
  method: 'POST',
  path: '/v1/package/version/assets',
  query: { ...versionLocation, maxResults: 'max-results', nextToken: 'next-token' },
  input: z.object({ ...versionId, maxResults: shapes.MaxResults.optional(), nextToken: shapes.PaginationToken.optional() }),
  handler(input, ctx) {
    const { pkg, version } = requireVersion(ctx, input);
    const { page, nextToken } = paginate(version.assets, input.maxResults, input.nextToken, 100);
    return {
      ...versionHeader(pkg, version),
      assets: page.map((a) => ({ name: a.name, size: a.size, hashes: { ...a.hashes } })),
      ...(nextToken ? { nextToken } : {}),
    };
  },
});

/** Header values must be visible ASCII; other asset names travel percent-encoded. */
const headerSafe = (value: string) => (/^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value));

export const getPackageVersionAsset = defineOperation({
  name: 'GetPackageVersionAsset',
  method: 'GET',
  path: '/v1/package/version/asset',
  query: { ...versionLocation, asset: 'asset', packageVersionRevision: 'revision' },
  input: z.object({ ...versionId, asset: AssetName, packageVersionRevision: PackageVersionRevision.optional() }),
  handler(input, ctx) {
    const { id, version } = requireVersion(ctx, input);
    const what = `${fullName(id)}@${version.version}`;
    if (input.packageVersionRevision !== undefined && input.packageVersionRevision !== version.revision) {
      throw notFound(
        'package-version',
        version.version,
        `${what} has no revision ${input.packageVersionRevision}; its current revision is ${version.revision}.`,
      );
    }
    if (version.status === 'Archived') {
      throw conflict(
        'package-version',
        version.version,
        `${what} is Archived; archived versions cannot be downloaded. Restore it with UpdatePackageVersionsStatus first.`,
      );
    }
    const asset = version.assets.find((a) => a.name === input.asset);
    const bytes = asset && ctx.blobs.get(asset.hashes['SHA-512']);
    if (!asset || !bytes) {
      const why = version.status === 'Disposed' ? ' (the version is Disposed: its assets were deleted)' : '';
      throw notFound('asset', input.asset, `Asset ${input.asset} not found in ${what}${why}.`);
    }
    return new RawResponse(bytes, {
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length),
      'X-AssetName': headerSafe(asset.name),
      'X-PackageVersion': headerSafe(version.version),
      'X-PackageVersionRevision': headerSafe(version.revision),
    });
  },
});

/** package/README* from an npm tarball (plain ustar entries; npm writes no others for it). */
function readmeFromTarball(tgz: Buffer): string | undefined {
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz);
  } catch {
    return undefined;
  }
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    const field = (start: number, length: number) => header.toString('utf8', start, start + length).replace(/\0.*$/s, '');
    const name = field(0, 100);
    if (name === '') return undefined;
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const prefix = field(345, 155);
    const path = prefix ? `${prefix}/${name}` : name;
    if (/^[^/]+\/readme(\.[a-z]+)?$/i.test(path) && ['0', ''].includes(field(156, 1))) {
      return tar.toString('utf8', at + 512, at + 512 + size);
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

/** The readme stored at publish, else (npm no longer sends one) the one inside the tarball. */
function readmeOf(ctx: RequestContext, pkg: PackageRecord, v: PackageVersionRecord): string {
  if (v.readme !== undefined) return v.readme;
  const tgz = pkg.format === 'npm' ? v.assets.find((a) => a.name.endsWith('.tgz')) : undefined;
  const bytes = tgz && ctx.blobs.get(tgz.hashes['SHA-512']);
  return (bytes && readmeFromTarball(bytes)) ?? '';
}

export const getPackageVersionReadme = defineOperation({
  name: 'GetPackageVersionReadme',
  method: 'GET',
  path: '/v1/package/version/readme',
  query: versionLocation,
  input: z.object(versionId),
  handler(input, ctx) {
    const { pkg, version } = requireVersion(ctx, input);
    return { ...versionHeader(pkg, version), readme: readmeOf(ctx, pkg, version) };
  },
});

export const listPackageVersionDependencies = defineOperation({
  name: 'ListPackageVersionDependencies',
  method: 'POST',
  path: '/v1/package/version/dependencies',
  query: { ...versionLocation, nextToken: 'next-token' },
  input: z.object({ ...versionId, nextToken: shapes.PaginationToken.optional() }),
  handler(input, ctx) {
    const { pkg, version } = requireVersion(ctx, input);
    const { page, nextToken } = paginate(dependenciesOf(pkg, version), undefined, input.nextToken, 100);
    return { ...versionHeader(pkg, version), dependencies: page, ...(nextToken ? { nextToken } : {}) };
  },
});

// ---------------------------------------------------------------------------------------------
// Batch changes to versions: every version is checked first; when any fails, the others are
// reported SKIPPED and nothing changes (AWS's documented current behaviour).
// ---------------------------------------------------------------------------------------------

type ErrorCode = 'ALREADY_EXISTS' | 'MISMATCHED_REVISION' | 'MISMATCHED_STATUS' | 'NOT_ALLOWED' | 'NOT_FOUND' | 'SKIPPED';
interface VersionError {
  errorCode: ErrorCode;
  errorMessage: string;
}
interface VersionInfo {
  revision: string;
  status: PackageVersionStatus;
}

function batch(
  versions: readonly string[],
  check: (version: string) => VersionError | undefined,
  apply: (version: string) => VersionInfo | undefined,
): { successfulVersions: Record<string, VersionInfo>; failedVersions: Record<string, VersionError> } {
  const unique = [...new Set(versions)];
  const errors = new Map<string, VersionError>();
  for (const v of unique) {
    const error = check(v);
    if (error) errors.set(v, error);
  }
  if (errors.size > 0) {
    const skipped = (v: string): VersionError => ({ errorCode: 'SKIPPED', errorMessage: `Version ${v} was skipped` });
    return { successfulVersions: {}, failedVersions: Object.fromEntries(unique.map((v) => [v, errors.get(v) ?? skipped(v)])) };
  }
  const successfulVersions: Record<string, VersionInfo> = {};
  for (const v of unique) {
    const info = apply(v);
    if (info) successfulVersions[v] = info;
  }
  return { successfulVersions, failedVersions: {} };
}

const notFoundError = (version: string): VersionError => ({ errorCode: 'NOT_FOUND', errorMessage: `Could not find version ${version}` });

/** The checks every batch operation shares: exists (and is visible), revision, expected status. */
function checkState(
  ctx: RequestContext,
  pkg: PackageRecord | undefined,
  version: string,
  revisions: Record<string, string> | undefined,
  expectedStatus: string | undefined,
): VersionError | undefined {
  const v = pkg?.versions.get(version);
  if (!v || !isVisible(ctx, v)) return notFoundError(version);
  const revision = revisions?.[version];
  if (revision !== undefined && revision !== v.revision) {
    return { errorCode: 'MISMATCHED_REVISION', errorMessage: `current revision: ${v.revision}, expected revision: ${revision}` };
  }
  if (expectedStatus !== undefined && expectedStatus !== v.status) {
    return { errorCode: 'MISMATCHED_STATUS', errorMessage: `current status: ${v.status}, expected status: ${expectedStatus}` };
  }
  return undefined;
}

function checkRevisionKeys(versions: readonly string[], revisions: Record<string, string> | undefined): void {
  const extra = Object.keys(revisions ?? {}).filter((v) => !versions.includes(v));
  if (extra.length > 0) {
    throw validationError(
      `versionRevisions names versions that are not in versions: ${extra.join(', ')}. List every version of versionRevisions in versions too.`,
    );
  }
}

const statusChangeInput = z.object({
  ...packageId,
  versions: VersionList,
  versionRevisions: RevisionMap.optional(),
  expectedStatus: Status.optional(),
});

export const deletePackageVersions = defineOperation({
  name: 'DeletePackageVersions',
  method: 'POST',
  path: '/v1/package/versions/delete',
  query: packageLocation,
  input: z.object({ ...packageId, versions: VersionList, expectedStatus: Status.optional() }),
  handler(input, ctx) {
    const { pkg } = requirePackage(ctx, input);
    return batch(
      input.versions,
      (v) => checkState(ctx, pkg, v, undefined, input.expectedStatus),
      (v) => {
        const record = pkg.versions.get(v)!;
        pkg.versions.delete(v);
        for (const [tag, tagged] of Object.entries(pkg.distTags)) if (tagged === v) delete pkg.distTags[tag];
        return { revision: record.revision, status: 'Deleted' };
      },
    );
  },
});

const SETTABLE_STATUSES = ['Published', 'Unlisted', 'Archived'];

export const updatePackageVersionsStatus = defineOperation({
  name: 'UpdatePackageVersionsStatus',
  method: 'POST',
  path: '/v1/package/versions/update_status',
  query: packageLocation,
  input: statusChangeInput.extend({ targetStatus: Status }),
  handler(input, ctx) {
    if (!SETTABLE_STATUSES.includes(input.targetStatus)) {
      const hint =
        input.targetStatus === 'Disposed'
          ? ' Use DisposePackageVersions.'
          : input.targetStatus === 'Deleted'
            ? ' Use DeletePackageVersions.'
            : '';
      throw validationError(`targetStatus ${input.targetStatus} cannot be set here: pass ${SETTABLE_STATUSES.join(', ')}.${hint}`);
    }
    checkRevisionKeys(input.versions, input.versionRevisions);
    const { pkg } = requirePackage(ctx, input);
    const target: PackageVersionStatus = input.targetStatus;
    return batch(
      input.versions,
      (v) =>
        checkState(ctx, pkg, v, input.versionRevisions, input.expectedStatus) ??
        (pkg.versions.get(v)!.status === 'Disposed'
          ? { errorCode: 'NOT_ALLOWED', errorMessage: `Version ${v} is Disposed; a disposed version can only be deleted` }
          : undefined),
      (v) => {
        const record = pkg.versions.get(v)!;
        record.status = target;
        return { revision: record.revision, status: record.status };
      },
    );
  },
});

export const disposePackageVersions = defineOperation({
  name: 'DisposePackageVersions',
  method: 'POST',
  path: '/v1/package/versions/dispose',
  query: packageLocation,
  input: statusChangeInput,
  handler(input, ctx) {
    checkRevisionKeys(input.versions, input.versionRevisions);
    const { pkg } = requirePackage(ctx, input);
    return batch(
      input.versions,
      (v) => checkState(ctx, pkg, v, input.versionRevisions, input.expectedStatus),
      (v) => {
        const record = pkg.versions.get(v)!;
        record.status = 'Disposed';
        record.assets = [];
        return { revision: record.revision, status: record.status };
      },
    );
  },
});

export const deletePackage = defineOperation({
  name: 'DeletePackage',
  method: 'DELETE',
  path: '/v1/package',
  query: packageLocation,
  input: z.object(packageId),
  handler(input, ctx) {
    const { repository, pkg, id } = requirePackage(ctx, input);
    repository.packages.delete(keyOf(id));
    return { deletedPackage: summarizePackage(pkg) };
  },
});

// ---------------------------------------------------------------------------------------------
// Copying between repositories.
// ---------------------------------------------------------------------------------------------

const sameContent = (a: PackageVersionRecord, b: PackageVersionRecord) =>
  a.revision === b.revision ||
  (JSON.stringify(a.assets.map((x) => [x.name, x.hashes['SHA-512']])) ===
    JSON.stringify(b.assets.map((x) => [x.name, x.hashes['SHA-512']])) &&
    JSON.stringify(a.manifest) === JSON.stringify(b.manifest));

const cloneVersion = (v: PackageVersionRecord): PackageVersionRecord => structuredClone(v);

/** Where each version to copy is: the source repository, then (includeFromUpstream) its upstreams. */
function copySources(ctx: RequestContext, domain: DomainRecord, source: RepositoryRecord, id: PackageId, includeFromUpstream: boolean) {
  const repos = includeFromUpstream ? searchOrder(domain, source, id) : [source];
  const packages = repos.map((r) => r.packages.get(keyOf(id))).filter((p): p is PackageRecord => p !== undefined && isListed(ctx, p));
  const find = (version: string) => {
    for (const pkg of packages) {
      const record = pkg.versions.get(version);
      if (record && isVisible(ctx, record)) return { pkg, record };
    }
    return undefined;
  };
  return { packages, find };
}

export const copyPackageVersions = defineOperation({
  name: 'CopyPackageVersions',
  method: 'POST',
  path: '/v1/package/versions/copy',
  query: {
    domain: 'domain',
    domainOwner: 'domain-owner',
    sourceRepository: 'source-repository',
    destinationRepository: 'destination-repository',
    format: 'format',
    namespace: 'namespace',
    package: 'package',
  },
  input: z.object({
    domain: shapes.DomainName,
    domainOwner: shapes.AccountId.optional(),
    sourceRepository: shapes.RepositoryName,
    destinationRepository: shapes.RepositoryName,
    format: shapes.PackageFormat,
    namespace: PackageNamespace.optional(),
    package: PackageName,
    versions: VersionList.optional(),
    versionRevisions: RevisionMap.optional(),
    allowOverwrite: bool.optional(),
    includeFromUpstream: bool.optional(),
  }),
  handler(input, ctx) {
    if ((input.versions === undefined) === (input.versionRevisions === undefined)) {
      throw validationError('Pass exactly one of versions and versionRevisions.');
    }
    if (input.sourceRepository === input.destinationRepository) {
      throw validationError(`The source and destination repositories are both ${input.sourceRepository}; copy between two repositories.`);
    }
    const { domain, repository: source } = requireRepository(ctx, input.domain, input.domainOwner, input.sourceRepository);
    const { repository: destination } = requireRepository(ctx, input.domain, input.domainOwner, input.destinationRepository);
    checkNamespace(input.format, input.namespace);
    const id = idOf(input);
    const sources = copySources(ctx, domain, source, id, input.includeFromUpstream ?? false);
    if (sources.packages.length === 0) throw packageNotFound(id, source);
    const versions = input.versions ?? Object.keys(input.versionRevisions!);
    const existing = (v: string) => destination.packages.get(keyOf(id))?.versions.get(v);
    return batch(
      versions,
      (v) => {
        const found = sources.find(v);
        if (!found) return notFoundError(v);
        const state = checkState(ctx, found.pkg, v, input.versionRevisions, undefined);
        if (state) return state;
        if (found.record.status === 'Disposed') {
          return { errorCode: 'NOT_ALLOWED', errorMessage: `Version ${v} is Disposed and has no assets to copy` };
        }
        const there = existing(v);
        if (there && !sameContent(there, found.record) && !input.allowOverwrite) {
          return { errorCode: 'ALREADY_EXISTS', errorMessage: `Version ${v} already exists` };
        }
        return undefined;
      },
      (v) => {
        const { pkg: from, record } = sources.find(v)!;
        const there = existing(v);
        if (there && sameContent(there, record)) return undefined;
        const to = ensurePackage(destination, id, 'published');
        to.versions.set(v, cloneVersion(record));
        for (const [tag, tagged] of Object.entries(from.distTags)) if (tagged === v) to.distTags[tag] = v;
        return { revision: record.revision, status: record.status };
      },
    );
  },
});

// ---------------------------------------------------------------------------------------------
// Origin configuration and publishing.
// ---------------------------------------------------------------------------------------------

export const putPackageOriginConfiguration = defineOperation({
  name: 'PutPackageOriginConfiguration',
  method: 'POST',
  path: '/v1/package',
  query: packageLocation,
  input: z.object({ ...packageId, restrictions: z.object({ publish: OriginMode, upstream: OriginMode }) }),
  handler(input, ctx) {
    const { repository } = requireRepository(ctx, input.domain, input.domainOwner, input.repository);
    checkNamespace(input.format, input.namespace);
    const pkg = ensurePackage(repository, idOf(input), 'published');
    pkg.originConfiguration.restrictions = { publish: input.restrictions.publish, upstream: input.restrictions.upstream };
    return { originConfiguration: originConfiguration(pkg) };
  },
});

/** The upstream repository that already has this version, when upstreams are reachable for the package. */
function upstreamHolder(ctx: RequestContext, domain: DomainRecord, repository: RepositoryRecord, id: PackageId, version: string) {
  return searchOrder(domain, repository, id)
    .slice(1)
    .find((r) => {
      const v = r.packages.get(keyOf(id))?.versions.get(version);
      return v !== undefined && isVisible(ctx, v);
    });
}

export const publishPackageVersion = defineOperation({
  name: 'PublishPackageVersion',
  method: 'POST',
  path: '/v1/package/version/publish',
  query: { ...versionLocation, assetName: 'asset', unfinished: 'unfinished' },
  headers: { assetSHA256: 'x-amz-content-sha256' },
  rawBody: 'assetContent',
  input: z.object({
    ...versionId,
    assetContent: z.instanceof(Buffer),
    assetName: AssetName,
    assetSHA256: SHA256,
    unfinished: bool.optional(),
  }),
  handler(input, ctx) {
    if (input.format !== 'generic') {
      throw validationError(
        `PublishPackageVersion publishes generic packages only; publish ${input.format} packages with their package manager.`,
      );
    }
    const { domain, repository } = requireRepository(ctx, input.domain, input.domainOwner, input.repository);
    checkNamespace(input.format, input.namespace);
    const actual = createHash('sha256').update(input.assetContent).digest('hex');
    if (actual !== input.assetSHA256) {
      throw validationError(
        `The asset's SHA-256 is ${actual}, not the ${input.assetSHA256} the request declared (assetSHA256). Send the hash of the exact bytes uploaded.`,
      );
    }
    const id = idOf(input);
    const what = `${fullName(id)}@${input.packageVersion}`;
    const pkg = repository.packages.get(keyOf(id));
    if (pkg?.originConfiguration.restrictions.publish === 'BLOCK') {
      throw accessDenied(
        `Publishing ${fullName(id)} to ${repository.name} is blocked by the package's origin configuration (publish=BLOCK). Change it with PutPackageOriginConfiguration.`,
      );
    }
    if (!groupAllows(domain, repository, id, 'PUBLISH')) {
      throw accessDenied(
        `Publishing ${fullName(id)} to ${repository.name} is blocked by the origin configuration of its package group (PUBLISH). Change it with UpdatePackageGroupOriginConfiguration.`,
      );
    }
    const existing = pkg?.versions.get(input.packageVersion);
    if (existing && existing.status !== 'Unfinished') {
      throw conflict(
        'package-version',
        input.packageVersion,
        `${what} already exists in ${repository.name} with status ${existing.status}; only Unfinished versions take more assets.`,
      );
    }
    if (existing)
      enforceQuota(
        ctx.settings.quotas,
        'assetsPerPackageVersion',
        existing.assets.length,
        'package-version',
        input.packageVersion,
        `${what} cannot have more assets`,
      );
    if (existing?.assets.some((a) => a.name === input.assetName)) {
      throw conflict('asset', input.assetName, `${what} already has an asset named ${input.assetName}.`);
    }
    const holder = !existing && pkg ? upstreamHolder(ctx, domain, repository, id, input.packageVersion) : undefined;
    if (holder) {
      throw conflict(
        'package-version',
        input.packageVersion,
        `${what} already exists in upstream repository ${holder.name}; publish a different version.`,
      );
    }
    const asset = hashAsset(input.assetName, input.assetContent);
    ctx.blobs.put(asset.hashes['SHA-512'], input.assetContent);
    const record = existing ?? newVersion(repository, input.packageVersion);
    record.assets.push(asset);
    record.revision = randomUUID();
    record.status = input.unfinished ? 'Unfinished' : 'Published';
    if (!existing) ensurePackage(repository, id, 'published').versions.set(record.version, record);
    return {
      format: id.format,
      ...withNamespace(id.namespace),
      package: id.name,
      version: record.version,
      versionRevision: record.revision,
      status: record.status,
      asset: { name: asset.name, size: asset.size, hashes: { ...asset.hashes } },
    };
  },
});

function newVersion(repository: RepositoryRecord, version: string): PackageVersionRecord {
  return {
    version,
    revision: '',
    status: 'Unfinished',
    publishedTime: epochSeconds(),
    manifest: {},
    assets: [],
    origin: { domainEntryPoint: { repositoryName: repository.name }, originType: 'INTERNAL' },
    visibleAt: Date.now(),
  };
}
