/** Listing and describing packages and their versions: what the tutorial's list-packages reads. */
import semver from 'semver';
import { z } from 'zod';
import { validationError } from '../core/errors.ts';
import { defineOperation } from '../core/operation.ts';
import { pageInput, pageOf, pageQuery } from '../core/pagination.ts';
import { enumOf, shapes } from '../core/shapes.ts';
import type { PackageRecord, PackageVersionRecord } from '../core/store.ts';
import type { PackageId } from '../packages/graph.ts';
import {
  checkNamespace,
  isListed,
  originConfiguration,
  OriginMode,
  OriginType,
  packageId,
  packageLocation,
  repositoryId,
  repositoryLocation,
  requirePackage,
  requireVersion,
  Status,
  summarizePackage,
  versionId,
  versionLocation,
  visibleVersions,
  withNamespace,
} from './package-lookup.ts';
import { requireRepository } from './resources.ts';

/** How people write the package: @scope/name for npm, namespace:name or name elsewhere. */
function displayName(id: PackageId): string {
  if (id.namespace === undefined) return id.name;
  return id.format === 'npm' ? `@${id.namespace}/${id.name}` : id.name;
}

export const originOf = (v: PackageVersionRecord) => ({
  domainEntryPoint: { ...v.origin.domainEntryPoint },
  originType: v.origin.originType,
});

const summarizeVersion = (v: PackageVersionRecord) => ({
  version: v.version,
  revision: v.revision,
  status: v.status,
  origin: originOf(v),
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
export function compareVersions(a: string, b: string): number {
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
    ...pageQuery,
    publish: 'publish',
    upstream: 'upstream',
  },
  input: z.object({
    ...repositoryId,
    format: shapes.PackageFormat.optional(),
    namespace: shapes.PackageNamespace.optional(),
    packagePrefix: shapes.PackageName.optional(),
    ...pageInput,
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
    return pageOf('packages', all, input, { map: summarizePackage });
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
    ...pageQuery,
    originType: 'originType',
  },
  input: z.object({
    ...packageId,
    status: Status.optional(),
    sortBy: enumOf(['PUBLISHED_TIME']).optional(),
    ...pageInput,
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
    const page = pageOf('versions', selected, input, { map: summarizeVersion, pageSize: 50 });
    const display = defaultDisplayVersion(pkg, visible);
    return {
      ...(display !== undefined ? { defaultDisplayVersion: display } : {}),
      format: pkg.format,
      ...withNamespace(pkg.namespace),
      package: pkg.name,
      ...page,
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
