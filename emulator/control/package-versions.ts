/**
 * Changes to versions in batches (DeletePackageVersions, UpdatePackageVersionsStatus,
 * DisposePackageVersions; CopyPackageVersions in package-copy.ts) and DeletePackage.
 */
import { z } from 'zod';
import { validationError } from '../core/errors.ts';
import { defineOperation, type RequestContext } from '../core/operation.ts';
import type { PackageRecord, PackageVersionRecord, PackageVersionStatus } from '../core/store.ts';
import {
  isVisible,
  keyOf,
  packageId,
  packageLocation,
  requirePackage,
  RevisionMap,
  Status,
  summarizePackage,
  VersionList,
} from './package-lookup.ts';

// ---------------------------------------------------------------------------------------------
// Batch changes to versions: every version is checked first; when any fails, the others are
// reported SKIPPED and nothing changes (AWS's documented current behaviour).
// ---------------------------------------------------------------------------------------------

type ErrorCode = 'ALREADY_EXISTS' | 'MISMATCHED_REVISION' | 'MISMATCHED_STATUS' | 'NOT_ALLOWED' | 'NOT_FOUND' | 'SKIPPED';
export interface VersionError {
  errorCode: ErrorCode;
  errorMessage: string;
}
interface VersionInfo {
  revision: string;
  status: PackageVersionStatus;
}

export function batch(
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

export const notFoundError = (version: string): VersionError => ({
  errorCode: 'NOT_FOUND',
  errorMessage: `Could not find version ${version}`,
});

/** The checks every batch operation shares: exists (and is visible), revision, expected status. */
export function checkState(
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

/**
 * A batch change of status: every version's state checked (and `refuse`d where the change does
 * not apply to it), then `change` made to each version's record.
 */
function changeVersions(
  ctx: RequestContext,
  input: z.output<typeof statusChangeInput>,
  change: (record: PackageVersionRecord) => void,
  refuse?: (record: PackageVersionRecord) => VersionError | undefined,
) {
  checkRevisionKeys(input.versions, input.versionRevisions);
  const { pkg } = requirePackage(ctx, input);
  return batch(
    input.versions,
    (v) => checkState(ctx, pkg, v, input.versionRevisions, input.expectedStatus) ?? refuse?.(pkg.versions.get(v)!),
    (v) => {
      const record = pkg.versions.get(v)!;
      change(record);
      return { revision: record.revision, status: record.status };
    },
  );
}

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
    const target: PackageVersionStatus = input.targetStatus;
    return changeVersions(
      ctx,
      input,
      (record) => {
        record.status = target;
      },
      (record) =>
        record.status === 'Disposed'
          ? { errorCode: 'NOT_ALLOWED', errorMessage: `Version ${record.version} is Disposed; a disposed version can only be deleted` }
          : undefined,
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
    return changeVersions(ctx, input, (record) => {
      record.status = 'Disposed';
      record.assets = [];
    });
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
