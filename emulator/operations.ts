/**
 * The operation table: one entry per CodeArtifact API operation the emulator answers, in the
 * API model's order. Routing is derived from it (method + path), nothing else.
 */
import type { Operation } from './core/operation.ts';
import { getAuthorizationToken, getRepositoryEndpoint } from './control/access.ts';
import { createDomain, deleteDomain, describeDomainOp, listDomains } from './control/domains.ts';
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
  createDomain,
  createRepository,
  deleteDomain,
  deleteDomainPermissionsPolicy,
  deleteRepository,
  deleteRepositoryPermissionsPolicy,
  describeDomainOp,
  describeRepositoryOp,
  disassociateExternalConnection,
  getAuthorizationToken,
  getDomainPermissionsPolicy,
  getRepositoryEndpoint,
  getRepositoryPermissionsPolicy,
  listDomains,
  listRepositories,
  listRepositoriesInDomain,
  listTagsForResource,
  putDomainPermissionsPolicy,
  putRepositoryPermissionsPolicy,
  tagResource,
  untagResource,
  updateRepository,
];

/**
 * Operations of the API model the emulator does not answer yet, with their routes, so that a
 * client calling one gets a plain "not implemented here" instead of an unknown-route error.
 */
export const unimplemented: Record<string, string> = {
  'POST /v1/package/versions/copy': 'CopyPackageVersions',
  'POST /v1/package-group': 'CreatePackageGroup',
  'DELETE /v1/package': 'DeletePackage',
  'DELETE /v1/package-group': 'DeletePackageGroup',
  'POST /v1/package/versions/delete': 'DeletePackageVersions',
  'GET /v1/package': 'DescribePackage',
  'GET /v1/package-group': 'DescribePackageGroup',
  'GET /v1/package/version': 'DescribePackageVersion',
  'POST /v1/package/versions/dispose': 'DisposePackageVersions',
  'GET /v1/get-associated-package-group': 'GetAssociatedPackageGroup',
  'GET /v1/package/version/asset': 'GetPackageVersionAsset',
  'GET /v1/package/version/readme': 'GetPackageVersionReadme',
  'GET /v1/package-group-allowed-repositories': 'ListAllowedRepositoriesForGroup',
  'GET /v1/list-associated-packages': 'ListAssociatedPackages',
  'POST /v1/package-groups': 'ListPackageGroups',
  'POST /v1/package/version/assets': 'ListPackageVersionAssets',
  'POST /v1/package/version/dependencies': 'ListPackageVersionDependencies',
  'POST /v1/package/versions': 'ListPackageVersions',
  'POST /v1/packages': 'ListPackages',
  'POST /v1/package-groups/sub-groups': 'ListSubPackageGroups',
  'POST /v1/package/version/publish': 'PublishPackageVersion',
  'POST /v1/package': 'PutPackageOriginConfiguration',
  'PUT /v1/package-group': 'UpdatePackageGroup',
  'PUT /v1/package-group-origin-configuration': 'UpdatePackageGroupOriginConfiguration',
  'POST /v1/package/versions/update_status': 'UpdatePackageVersionsStatus',
};
