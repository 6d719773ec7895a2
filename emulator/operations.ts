/**
 * The operation table: one entry per CodeArtifact API operation, all 48 of the API model
 * (2018-09-22), in the model's (alphabetical) order. Routing is derived from it (method +
 * path), nothing else; so is the coverage page (npm run emulator:coverage).
 */
import type { Operation } from './core/operation.ts';
import { getAuthorizationToken, getRepositoryEndpoint } from './control/access.ts';
import {
  createPackageGroup,
  deletePackageGroup,
  describePackageGroup,
  getAssociatedPackageGroup,
  listAllowedRepositoriesForGroup,
  listAssociatedPackages,
  listPackageGroups,
  listSubPackageGroups,
  updatePackageGroup,
  updatePackageGroupOriginConfiguration,
} from './control/package-groups.ts';
import { createDomain, deleteDomain, describeDomainOp, listDomains } from './control/domains.ts';
import {
  getPackageVersionAsset,
  getPackageVersionReadme,
  listPackageVersionAssets,
  listPackageVersionDependencies,
} from './control/package-assets.ts';
import { copyPackageVersions } from './control/package-copy.ts';
import { publishPackageVersion, putPackageOriginConfiguration } from './control/package-publish.ts';
import { describePackage, describePackageVersion, listPackages, listPackageVersions } from './control/package-reads.ts';
import { deletePackage, deletePackageVersions, disposePackageVersions, updatePackageVersionsStatus } from './control/package-versions.ts';
import {
  deleteDomainPermissionsPolicy,
  deleteRepositoryPermissionsPolicy,
  getDomainPermissionsPolicy,
  getRepositoryPermissionsPolicy,
  putDomainPermissionsPolicy,
  putRepositoryPermissionsPolicy,
} from './control/policies.ts';
import {
  associateExternalConnection,
  createRepository,
  deleteRepository,
  describeRepositoryOp,
  disassociateExternalConnection,
  listRepositories,
  listRepositoriesInDomain,
  updateRepository,
} from './control/repositories.ts';
import { listTagsForResource, tagResource, untagResource } from './control/tags.ts';

export const operations: readonly Operation[] = [
  associateExternalConnection,
  copyPackageVersions,
  createDomain,
  createPackageGroup,
  createRepository,
  deleteDomain,
  deleteDomainPermissionsPolicy,
  deletePackage,
  deletePackageGroup,
  deletePackageVersions,
  deleteRepository,
  deleteRepositoryPermissionsPolicy,
  describeDomainOp,
  describePackage,
  describePackageGroup,
  describePackageVersion,
  describeRepositoryOp,
  disassociateExternalConnection,
  disposePackageVersions,
  getAssociatedPackageGroup,
  getAuthorizationToken,
  getDomainPermissionsPolicy,
  getPackageVersionAsset,
  getPackageVersionReadme,
  getRepositoryEndpoint,
  getRepositoryPermissionsPolicy,
  listAllowedRepositoriesForGroup,
  listAssociatedPackages,
  listDomains,
  listPackageGroups,
  listPackageVersionAssets,
  listPackageVersionDependencies,
  listPackageVersions,
  listPackages,
  listRepositories,
  listRepositoriesInDomain,
  listSubPackageGroups,
  listTagsForResource,
  publishPackageVersion,
  putDomainPermissionsPolicy,
  putPackageOriginConfiguration,
  putRepositoryPermissionsPolicy,
  tagResource,
  untagResource,
  updatePackageGroup,
  updatePackageGroupOriginConfiguration,
  updatePackageVersionsStatus,
  updateRepository,
];
