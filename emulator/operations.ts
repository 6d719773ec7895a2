/**
 * The operation table: one entry per CodeArtifact API operation the emulator answers, in the
 * API model's order. Routing is derived from it (method + path), nothing else.
 */
import type { Operation } from './core/operation.ts';
import { getAuthorizationToken, getRepositoryEndpoint } from './control/access.ts';
import { createDomain, deleteDomain, describeDomainOp, listDomains } from './control/domains.ts';
import {
  copyPackageVersions,
  deletePackage,
  deletePackageVersions,
  describePackage,
  describePackageVersion,
  disposePackageVersions,
  getPackageVersionAsset,
  getPackageVersionReadme,
  listPackages,
  listPackageVersionAssets,
  listPackageVersionDependencies,
  listPackageVersions,
  publishPackageVersion,
  putPackageOriginConfiguration,
  updatePackageVersionsStatus,
} from './control/packages.ts';
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
  createRepository,
  deleteDomain,
  deleteDomainPermissionsPolicy,
  deletePackage,
  deletePackageVersions,
  deleteRepository,
  deleteRepositoryPermissionsPolicy,
  describeDomainOp,
  describePackage,
  describePackageVersion,
  describeRepositoryOp,
  disassociateExternalConnection,
  disposePackageVersions,
  getAuthorizationToken,
  getDomainPermissionsPolicy,
  getPackageVersionAsset,
  getPackageVersionReadme,
  getRepositoryEndpoint,
  getRepositoryPermissionsPolicy,
  listDomains,
  listPackageVersionAssets,
  listPackageVersionDependencies,
  listPackageVersions,
  listPackages,
  listRepositories,
  listRepositoriesInDomain,
  listTagsForResource,
  putDomainPermissionsPolicy,
  publishPackageVersion,
  putPackageOriginConfiguration,
  putRepositoryPermissionsPolicy,
  tagResource,
  untagResource,
  updatePackageVersionsStatus,
  updateRepository,
];

/**
 * Operations of the API model the emulator does not answer yet, with their routes, so that a
 * client calling one gets a plain "not implemented here" instead of an unknown-route error.
 */
export const unimplemented: Record<string, string> = {
  'POST /v1/package-group': 'CreatePackageGroup',
  'DELETE /v1/package-group': 'DeletePackageGroup',
  'GET /v1/package-group': 'DescribePackageGroup',
  'GET /v1/get-associated-package-group': 'GetAssociatedPackageGroup',
  'GET /v1/package-group-allowed-repositories': 'ListAllowedRepositoriesForGroup',
  'GET /v1/list-associated-packages': 'ListAssociatedPackages',
  'POST /v1/package-groups': 'ListPackageGroups',
  'POST /v1/package-groups/sub-groups': 'ListSubPackageGroups',
  'PUT /v1/package-group': 'UpdatePackageGroup',
  'PUT /v1/package-group-origin-configuration': 'UpdatePackageGroupOriginConfiguration',
};
