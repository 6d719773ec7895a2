/** Origin configuration of a package, and publishing generic packages (PublishPackageVersion). */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hashAsset } from '../core/blobs.ts';
import { accessDenied, conflict, validationError } from '../core/errors.ts';
import { defineOperation, type RequestContext } from '../core/operation.ts';
import { enforceQuota } from '../core/quotas.ts';
import { bool } from '../core/shapes.ts';
import { epochSeconds, type DomainRecord, type PackageVersionRecord, type RepositoryRecord } from '../core/store.ts';
import { ensurePackage, searchOrder, type PackageId } from '../packages/graph.ts';
import { groupAllows } from '../packages/groups.ts';
import {
  AssetName,
  checkNamespace,
  fullName,
  idOf,
  isVisible,
  keyOf,
  originConfiguration,
  OriginMode,
  packageId,
  packageLocation,
  SHA256,
  versionId,
  versionLocation,
  withNamespace,
} from './package-lookup.ts';
import { requireRepository } from './resources.ts';

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
