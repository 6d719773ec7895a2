/** A version's contents: its assets (downloaded), its readme and its dependencies. */
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { conflict, notFound } from '../core/errors.ts';
import { defineOperation, RawResponse, type RequestContext } from '../core/operation.ts';
import { pageInput, pageOf, pageQuery } from '../core/pagination.ts';
import type { PackageRecord, PackageVersionRecord } from '../core/store.ts';
import { npmId } from '../packages/graph.ts';
import {
  AssetName,
  fullName,
  PackageVersionRevision,
  requireVersion,
  versionId,
  versionLocation,
  withNamespace,
} from './package-lookup.ts';

/** Which package and version an answer is about, as the list and readme outputs start. */
const versionHeader = (pkg: PackageRecord, v: PackageVersionRecord) => ({
  format: pkg.format,
  ...withNamespace(pkg.namespace),
  package: pkg.name,
  version: v.version,
  versionRevision: v.revision,
});

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

export const listPackageVersionAssets = defineOperation({
  name: 'ListPackageVersionAssets',
  method: 'POST',
  path: '/v1/package/version/assets',
  query: { ...versionLocation, ...pageQuery },
  input: z.object({ ...versionId, ...pageInput }),
  handler(input, ctx) {
    const { pkg, version } = requireVersion(ctx, input);
    return {
      ...versionHeader(pkg, version),
      ...pageOf('assets', version.assets, input, { map: (a) => ({ name: a.name, size: a.size, hashes: { ...a.hashes } }) }),
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
  query: { ...versionLocation, nextToken: pageQuery.nextToken },
  input: z.object({ ...versionId, nextToken: pageInput.nextToken }),
  handler(input, ctx) {
    const { pkg, version } = requireVersion(ctx, input);
    return { ...versionHeader(pkg, version), ...pageOf('dependencies', dependenciesOf(pkg, version), { nextToken: input.nextToken }) };
  },
});
