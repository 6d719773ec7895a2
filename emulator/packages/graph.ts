/**
 * Finding package versions through a repository's upstream graph, as CodeArtifact does it:
 * the repository itself, then (depth-first, pre-order, in upstream list order) its upstreams,
 * each repository's external connection right after its own contents; the first repository
 * that has a version wins; at most 25 repositories are searched. A package whose origin
 * configuration blocks upstreams in a repository stops the search below that repository.
 *
 * Retention: a version fetched through the graph is kept in the repository that was asked
 * and in the repository that owns the external connection it came through, never in the
 * repositories in between.
 */
import { randomUUID } from 'node:crypto';
import { hashAsset } from '../core/blobs.ts';
import type { Services } from '../core/operation.ts';
import {
  epochSeconds,
  packageKey,
  type DomainRecord,
  type PackageRecord,
  type PackageVersionRecord,
  type RepositoryRecord,
} from '../core/store.ts';
import type { UpstreamError, UpstreamManifest, UpstreamPackument } from '../npm/upstream.ts';
import { groupAllows } from './groups.ts';

export const MAX_SEARCHED_REPOSITORIES = 25;

export interface PackageId {
  format: string;
  namespace?: string;
  name: string;
}

export interface VersionSource {
  version: string;
  repository: RepositoryRecord;
  /** Set when the version is stored in `repository`. */
  stored?: PackageVersionRecord;
  /** Set when the version is available through `repository`'s external connection. */
  external?: { connection: string; manifest: UpstreamManifest; publishedAt?: string };
}

export interface ResolvedPackage {
  id: PackageId;
  versions: Map<string, VersionSource>;
  distTags: Record<string, string>;
  readme?: string;
  /** Repository names in the order they were searched. */
  searched: string[];
  /** Why an external connection could not be consulted, when it could not. */
  externalError?: UpstreamError;
}

export const npmId = (fullName: string): PackageId =>
  fullName.startsWith('@')
    ? { format: 'npm', namespace: fullName.slice(1, fullName.indexOf('/')), name: fullName.slice(fullName.indexOf('/') + 1) }
    : { format: 'npm', name: fullName };

export const npmFullName = (id: PackageId): string => (id.namespace ? `@${id.namespace}/${id.name}` : id.name);

const keyOf = (id: PackageId) => packageKey(id.format, id.namespace, id.name);

/** The repositories searched for a package from `start`, in priority order. */
export function searchOrder(domain: DomainRecord, start: RepositoryRecord, id: PackageId): RepositoryRecord[] {
  const order: RepositoryRecord[] = [];
  const seen = new Set<string>();
  const key = keyOf(id);
  const visit = (repo: RepositoryRecord) => {
    if (seen.has(repo.name) || order.length >= MAX_SEARCHED_REPOSITORIES) return;
    seen.add(repo.name);
    order.push(repo);
    if (repo.packages.get(key)?.originConfiguration.restrictions.upstream === 'BLOCK') return;
    // The package group's INTERNAL_UPSTREAM decides whether this repository takes versions from its upstreams.
    if (!groupAllows(domain, repo, id, 'INTERNAL_UPSTREAM')) return;
    for (const name of repo.upstreams) {
      const upstream = domain.repositories.get(name);
      if (upstream) visit(upstream);
    }
  };
  visit(start);
  return order;
}

/** Which repositories may consult their external connection (not those whose package blocks upstreams). */
function externalAllowed(domain: DomainRecord, repo: RepositoryRecord, id: PackageId): boolean {
  return (
    repo.packages.get(keyOf(id))?.originConfiguration.restrictions.upstream !== 'BLOCK' &&
    groupAllows(domain, repo, id, 'EXTERNAL_UPSTREAM')
  );
}

export async function resolvePackage(
  services: Services,
  domain: DomainRecord,
  asked: RepositoryRecord,
  id: PackageId,
): Promise<ResolvedPackage> {
  const resolved: ResolvedPackage = { id, versions: new Map(), distTags: {}, searched: [] };
  const tagSources: Record<string, string>[] = [];
  for (const repo of searchOrder(domain, asked, id)) {
    resolved.searched.push(repo.name);
    const pkg = repo.packages.get(keyOf(id));
    if (pkg) {
      for (const v of pkg.versions.values()) {
        if (v.status !== 'Published' || resolved.versions.has(v.version)) continue;
        resolved.versions.set(v.version, { version: v.version, repository: repo, stored: v });
        resolved.readme ??= v.readme;
      }
      tagSources.push(pkg.distTags);
    }
    const connection = repo.externalConnections.find((c) => c.packageFormat === id.format);
    if (connection && id.format === 'npm' && externalAllowed(domain, repo, id)) {
      let packument: UpstreamPackument | undefined;
      try {
        packument = await services.npmjs.packument(npmFullName(id));
      } catch (err) {
        resolved.externalError ??= err as UpstreamError;
        continue;
      }
      if (!packument) continue;
      for (const [version, manifest] of Object.entries(packument.versions)) {
        if (resolved.versions.has(version) || !manifest?.dist?.tarball) continue;
        resolved.versions.set(version, {
          version,
          repository: repo,
          external: {
            connection: connection.externalConnectionName,
            manifest,
            ...(packument.time?.[version] ? { publishedAt: packument.time[version] } : {}),
          },
        });
      }
      resolved.readme ??= packument.readme;
      if (packument['dist-tags']) tagSources.push(packument['dist-tags']);
    }
  }
  // On a clash the upstream's tag wins (AWS: "CodeArtifact uses the tag that is present in
  // the upstream repository"), so later sources overwrite earlier ones. A tag only counts when
  // its version is available here.
  for (const tags of tagSources) {
    for (const [tag, version] of Object.entries(tags)) {
      if (resolved.versions.has(version)) resolved.distTags[tag] = version;
    }
  }
  return resolved;
}

function ensurePackage(repo: RepositoryRecord, id: PackageId, firstArrival: 'published' | 'ingested'): PackageRecord {
  const key = keyOf(id);
  let pkg = repo.packages.get(key);
  if (!pkg) {
    // AWS's defaults: whichever way a package arrives first decides what is allowed after.
    const restrictions =
      firstArrival === 'published'
        ? ({ publish: 'ALLOW', upstream: 'BLOCK' } as const)
        : ({ publish: 'BLOCK', upstream: 'ALLOW' } as const);
    pkg = {
      format: id.format,
      ...(id.namespace ? { namespace: id.namespace } : {}),
      name: id.name,
      originConfiguration: { restrictions: { ...restrictions } },
      versions: new Map(),
      distTags: {},
    };
    repo.packages.set(key, pkg);
  }
  return pkg;
}

/** Stores a version in a repository (a copy of the record; the blob is shared). */
export function retain(
  repo: RepositoryRecord,
  id: PackageId,
  record: PackageVersionRecord,
  how: 'published' | 'ingested',
): PackageVersionRecord {
  const pkg = ensurePackage(repo, id, how);
  const existing = pkg.versions.get(record.version);
  if (existing) return existing;
  const copy: PackageVersionRecord = { ...record, revision: record.revision, assets: record.assets.map((a) => ({ ...a })) };
  pkg.versions.set(record.version, copy);
  return copy;
}

export interface FetchedVersion {
  record: PackageVersionRecord;
  bytes: Buffer;
}

/**
 * Gets one version's tarball for `asked`, from wherever the graph has it, and retains it as
 * AWS does. Throws UpstreamError when the external connection fails or the tarball does not
 * match its declared integrity (nothing is stored then).
 */
export async function fetchVersion(
  services: Services,
  asked: RepositoryRecord,
  resolved: ResolvedPackage,
  source: VersionSource,
): Promise<FetchedVersion | undefined> {
  const skipRetention = services.faults.on('retention-skipped');
  if (source.stored) {
    const asset = source.stored.assets[0];
    const bytes = asset && services.blobs.get(asset.hashes['SHA-512']);
    if (!bytes) return undefined;
    if (source.repository !== asked && !skipRetention) {
      retain(asked, resolved.id, source.stored, 'ingested');
      // On disk before the tarball is answered, as every other acknowledged write.
      await services.changed();
    }
    return { record: source.stored, bytes };
  }
  if (!source.external) return undefined;
  const { manifest, connection } = source.external;
  const bytes = await services.npmjs.tarball(manifest);
  const asset = hashAsset(NPM_ASSET_NAME, bytes);
  const { dist: _dist, ...rest } = manifest;
  const record: PackageVersionRecord = {
    version: source.version,
    revision: randomUUID(),
    status: 'Published',
    publishedTime: epochSeconds(),
    manifest: rest,
    assets: [asset],
    origin: { domainEntryPoint: { externalConnectionName: connection }, originType: 'EXTERNAL' },
    visibleAt: Date.now() + services.settings.ingestionDelayMs(),
    ...(resolved.readme !== undefined ? { readme: resolved.readme } : {}),
  };
  if (!skipRetention) {
    services.blobs.put(asset.hashes['SHA-512'], bytes);
    const kept = retain(source.repository, resolved.id, record, 'ingested');
    if (asked !== source.repository) retain(asked, resolved.id, kept, 'ingested');
    await services.changed();
    return { record: kept, bytes };
  }
  return { record, bytes };
}

/**
 * The name of an npm package version's one asset, as ListPackageVersionAssets and
 * GetPackageVersionAsset show it on AWS (user guide, "Download package version assets":
 * `--asset package.tgz` for npm). The tarball's URL keeps npm's <name>-<version>.tgz.
 */
export const NPM_ASSET_NAME = 'package.tgz';

export function tarballName(id: PackageId, version: string): string {
  return `${id.name}-${version}.tgz`;
}

export { ensurePackage };
