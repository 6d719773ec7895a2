/**
 * The emulator's behaviour table: for every operation of the API model, what AWS documents it
 * does (API reference, user guide, AWS's own transcripts) and where the emulator stands:
 * done, differs (and why), or not modelled (and why). `npm run emulator:coverage` renders it,
 * with the operation table's routes, as emulator/COVERAGE.md; a contract test checks that it
 * names every operation of the table and nothing else.
 */
export type CoverageState = 'done' | 'differs' | 'not modelled';

export interface Behaviour {
  behaviour: string;
  state: CoverageState;
  /** Why it differs or is not modelled (required unless done). */
  why?: string;
  /** Where AWS documents the behaviour. */
  source: string;
  /** The spec that shows it (file under tests/emulator/). */
  test?: string;
}

const API = (op: string) => `API reference, ${op}`;
const UG = (page: string) => `User guide, "${page}"`;

const errorsWorded = (op: string, test = 'aws-parity.spec.ts'): Behaviour => ({
  behaviour: 'Modeled errors (status, x-amzn-ErrorType, message + members); not-found messages worded as AWS words them',
  state: 'done',
  source: `${API(op)}; AWS transcripts cited in emulator/control/resources.ts`,
  test,
});

export const coverage: Record<string, Behaviour[]> = {
  AssociateExternalConnection: [
    {
      behaviour: 'Connects one of the ten public repositories; the format follows the connection',
      state: 'done',
      source: API('AssociateExternalConnection'),
      test: 'sdk-contract.spec.ts',
    },
    {
      behaviour: 'Status printed AVAILABLE (AWS transcripts), not the model enum value Available',
      state: 'done',
      source: 'The tutorial\'s sample output; DESIGN.md "Evidence"',
      test: 'aws-parity.spec.ts',
    },
    {
      behaviour: 'A second connection: 400 ValidationException "ExternalConnections for repositories are currently limited to 1"',
      state: 'done',
      source: 'awsdocs/aws-cloudformation-user-guide pull request 1127',
      test: 'cli-contract.spec.ts, bad-requests.spec.ts',
    },
  ],
  CopyPackageVersions: [
    {
      behaviour: 'Copies versions (or versionRevisions), allowOverwrite, includeFromUpstream; batch failures SKIPPED',
      state: 'done',
      source: API('CopyPackageVersions'),
      test: 'packages-copy.spec.ts',
    },
    {
      behaviour: 'Rate quota (5 requests per second)',
      state: 'not modelled',
      why: 'request-rate quotas are not enforced; the throttle fault simulates ThrottlingException',
      source: UG('Quotas in AWS CodeArtifact'),
    },
  ],
  CreateDomain: [
    {
      behaviour: 'DomainDescription with KMS key, S3 bucket ARN, epoch-second createdTime',
      state: 'done',
      source: API('CreateDomain'),
      test: 'sdk-contract.spec.ts',
    },
    {
      behaviour: 'Creates the root package group /*',
      state: 'done',
      source: UG('Package groups in CodeArtifact'),
      test: 'package-groups.spec.ts',
    },
    {
      behaviour: 'Quota: 10 domains per account and region (402 ServiceQuotaExceededException); --quota domainsPerAccount=<n>',
      state: 'done',
      source: UG('Quotas in AWS CodeArtifact'),
      test: 'aws-parity.spec.ts',
    },
    {
      behaviour: 'The KMS key must exist and be usable',
      state: 'not modelled',
      why: 'there is no KMS in the emulator; only the ARN form is checked',
      source: API('CreateDomain'),
    },
  ],
  CreatePackageGroup: [
    {
      behaviour: 'Pattern syntax ($ exact, ~ prefix, * wildcard) validated; ConflictException for an existing pattern',
      state: 'done',
      source: UG('Package group definition syntax and matching behavior'),
      test: 'package-groups.spec.ts',
    },
    {
      behaviour: 'New groups inherit every restriction; parent is the most specific containing group',
      state: 'done',
      source: UG('Package group origin controls'),
      test: 'package-groups.spec.ts',
    },
    {
      behaviour: 'Quota: package groups per domain (1000, value as remembered from the quotas page)',
      state: 'done',
      source: UG('Quotas in AWS CodeArtifact'),
      test: 'aws-parity.spec.ts',
    },
    {
      behaviour: 'Name normalisation of pypi, nuget and swift patterns',
      state: 'not modelled',
      why: 'the emulator serves npm; other formats are matched as written',
      source: UG('Package group definition syntax and matching behavior'),
    },
  ],
  CreateRepository: [
    {
      behaviour: 'RepositoryDescription with upstreams in order, empty lists always sent',
      state: 'done',
      source: API('CreateRepository'),
      test: 'sdk-contract.spec.ts',
    },
    {
      behaviour: 'Quotas: 10 direct upstreams (not adjustable), repositories per domain (1000, as remembered) -> 402',
      state: 'done',
      source: UG('Quotas in AWS CodeArtifact'),
      test: 'aws-parity.spec.ts, bad-requests.spec.ts',
    },
  ],
  DeleteDomain: [
    {
      behaviour: 'Returns the domain; deleting a missing domain answers an empty success',
      state: 'done',
      source: API('DeleteDomain'),
      test: 'sdk-contract.spec.ts',
    },
    {
      behaviour: 'A domain with repositories: 409 "Domain must contain 0 repositories before deletion"',
      state: 'done',
      source: 'aws-cloudformation-resource-providers-codeartifact pull request 63',
      test: 'aws-parity.spec.ts, bad-requests.spec.ts',
    },
    {
      behaviour: 'Its authorization tokens stop working, also after a domain of the same name is created again',
      state: 'done',
      source: API('GetAuthorizationToken'),
      test: 'aws-parity.spec.ts',
    },
  ],
  DeleteDomainPermissionsPolicy: [
    {
      behaviour: 'Deletes the policy (policyRevision checked)',
      state: 'done',
      source: API('DeleteDomainPermissionsPolicy'),
      test: 'sdk-contract.spec.ts',
    },
  ],
  DeletePackage: [
    {
      behaviour: 'Deletes the package with all its versions; returns deletedPackage',
      state: 'done',
      source: API('DeletePackage'),
      test: 'packages-lifecycle.spec.ts',
    },
  ],
  DeletePackageGroup: [
    {
      behaviour: 'Deletes a group; its packages and sub-groups fall to its parent',
      state: 'done',
      source: UG('Delete a package group'),
      test: 'package-groups.spec.ts',
    },
    {
      behaviour: 'The root group /* cannot be deleted (ValidationException)',
      state: 'done',
      source: UG('Delete a package group'),
      test: 'package-groups.spec.ts',
    },
  ],
  DeletePackageVersions: [
    {
      behaviour: 'Deletes versions; batch semantics (all checked first, others SKIPPED)',
      state: 'done',
      source: API('DeletePackageVersions'),
      test: 'packages-lifecycle.spec.ts',
    },
  ],
  DeleteRepository: [
    {
      behaviour: 'Returns the repository; it is gone afterwards',
      state: 'done',
      source: API('DeleteRepository'),
      test: 'sdk-contract.spec.ts',
    },
    {
      behaviour:
        'Deleting another repository\'s upstream succeeds; the downstream\'s npm endpoint answers "A repository referenced in your upstream graph no longer exists..." until UpdateRepository; a repository created again under that name is not re-linked',
      state: 'done',
      source: 'Issue 14 (AWS behaviour as observed); the status (404) is ours: no public transcript gives it',
      test: 'aws-parity.spec.ts',
    },
  ],
  DeleteRepositoryPermissionsPolicy: [
    {
      behaviour: 'Deletes the policy (policyRevision checked)',
      state: 'done',
      source: API('DeleteRepositoryPermissionsPolicy'),
      test: 'sdk-contract.spec.ts',
    },
  ],
  DescribeDomain: [
    {
      behaviour: 'repositoryCount and assetSizeBytes reflect the stored assets (each blob counted once per domain)',
      state: 'done',
      source: `${API('DescribeDomain')}; ${UG('Domain concepts')}`,
      test: 'aws-parity.spec.ts',
    },
    errorsWorded('DescribeDomain'),
  ],
  DescribePackage: [
    {
      behaviour: 'Package with its origin configuration; hidden until ingestion delay passes',
      state: 'done',
      source: API('DescribePackage'),
      test: 'packages-lifecycle.spec.ts, packages-list.spec.ts',
    },
  ],
  DescribePackageGroup: [
    {
      behaviour: 'Origin configuration with mode, effectiveMode, inheritedFrom, repositoriesCount; parent',
      state: 'done',
      source: API('DescribePackageGroup'),
      test: 'package-groups.spec.ts',
    },
  ],
  DescribePackageVersion: [
    {
      behaviour: 'Version with summary, homepage, licenses, origin, status',
      state: 'done',
      source: API('DescribePackageVersion'),
      test: 'packages-publish.spec.ts',
    },
  ],
  DescribeRepository: [
    {
      behaviour: 'Always sends upstreams and externalConnections',
      state: 'done',
      source: API('DescribeRepository'),
      test: 'sdk-contract.spec.ts',
    },
    errorsWorded('DescribeRepository'),
  ],
  DisassociateExternalConnection: [
    {
      behaviour: 'Removes the connection; ResourceNotFound when not connected',
      state: 'done',
      source: API('DisassociateExternalConnection'),
      test: 'sdk-contract.spec.ts',
    },
  ],
  DisposePackageVersions: [
    {
      behaviour: 'Status Disposed, assets removed',
      state: 'done',
      source: API('DisposePackageVersions'),
      test: 'packages-lifecycle.spec.ts',
    },
  ],
  GetAssociatedPackageGroup: [
    {
      behaviour: 'The most specific matching group wins; associationType STRONG for an exact ($) pattern, WEAK otherwise',
      state: 'done',
      source: UG('Package group definition syntax and matching behavior'),
      test: 'package-groups.spec.ts',
    },
  ],
  GetAuthorizationToken: [
    {
      behaviour: 'Token for the domain; durationSeconds 0 or 900-43200; expiration epoch seconds',
      state: 'done',
      source: API('GetAuthorizationToken'),
      test: 'sdk-contract.spec.ts',
    },
    {
      behaviour: 'Bearer <token> junk refused; a token dies with its domain',
      state: 'done',
      source: 'RFC 6750 (one token per header); issue 14',
      test: 'aws-parity.spec.ts',
    },
  ],
  GetDomainPermissionsPolicy: [
    {
      behaviour: 'Returns the policy or ResourceNotFound',
      state: 'done',
      source: API('GetDomainPermissionsPolicy'),
      test: 'sdk-contract.spec.ts',
    },
  ],
  GetPackageVersionAsset: [
    {
      behaviour: 'Streams the asset with X-AssetName, X-PackageVersion, X-PackageVersionRevision',
      state: 'done',
      source: API('GetPackageVersionAsset'),
      test: 'packages-publish.spec.ts',
    },
    {
      behaviour: 'npm assets are named package.tgz',
      state: 'done',
      source: UG('Download package version assets'),
      test: 'aws-parity.spec.ts',
    },
  ],
  GetPackageVersionReadme: [
    {
      behaviour: 'The readme stored at publish, else the one in the tarball',
      state: 'done',
      source: API('GetPackageVersionReadme'),
      test: 'packages-publish.spec.ts',
    },
  ],
  GetRepositoryEndpoint: [
    {
      behaviour: 'URL ending in /<format>/<repo>/ on the emulator',
      state: 'done',
      source: API('GetRepositoryEndpoint'),
      test: 'sdk-contract.spec.ts',
    },
    {
      behaviour: 'Endpoints of formats other than npm serve packages',
      state: 'not modelled',
      why: 'the tutorial uses npm; other formats have control-plane support only',
      source: UG('Using CodeArtifact with ...'),
    },
  ],
  GetRepositoryPermissionsPolicy: [
    {
      behaviour: 'Returns the policy or ResourceNotFound',
      state: 'done',
      source: API('GetRepositoryPermissionsPolicy'),
      test: 'sdk-contract.spec.ts',
    },
  ],
  ListAllowedRepositoriesForGroup: [
    {
      behaviour: 'Allowed repository list of one restriction type, paginated',
      state: 'done',
      source: API('ListAllowedRepositoriesForGroup'),
      test: 'package-groups.spec.ts',
    },
  ],
  ListAssociatedPackages: [
    {
      behaviour: 'Packages of the domain whose most specific group is this one; preview for a pattern not yet created',
      state: 'done',
      source: API('ListAssociatedPackages'),
      test: 'package-groups.spec.ts',
    },
  ],
  ListDomains: [{ behaviour: 'DomainSummary entries, paginated', state: 'done', source: API('ListDomains'), test: 'sdk-contract.spec.ts' }],
  ListPackageGroups: [
    {
      behaviour: 'Groups of the domain, root included, filtered by prefix, paginated',
      state: 'done',
      source: API('ListPackageGroups'),
      test: 'package-groups.spec.ts',
    },
  ],
  ListPackageVersionAssets: [
    {
      behaviour: 'Assets with size and hashes; npm asset named package.tgz',
      state: 'done',
      source: `${API('ListPackageVersionAssets')}; ${UG('Download package version assets')}`,
      test: 'aws-parity.spec.ts',
    },
  ],
  ListPackageVersionDependencies: [
    {
      behaviour: 'npm dependencies by type',
      state: 'done',
      source: API('ListPackageVersionDependencies'),
      test: 'packages-publish.spec.ts',
    },
  ],
  ListPackageVersions: [
    {
      behaviour: 'Versions, status/originType filters, sortBy, defaultDisplayVersion',
      state: 'done',
      source: API('ListPackageVersions'),
      test: 'packages-list.spec.ts',
    },
  ],
  ListPackages: [
    {
      behaviour: 'Packages of one repository, filters, pagination',
      state: 'done',
      source: API('ListPackages'),
      test: 'packages-list.spec.ts',
    },
    {
      behaviour: 'Ingested packages appear after a delay (minutes on AWS)',
      state: 'differs',
      why: 'the delay is configurable (--ingestion-delay) and 0 by default, so tests stay fast; the harness polls either way',
      source: UG('Working with packages'),
    },
  ],
  ListRepositories: [
    {
      behaviour: 'RepositorySummary entries of every domain, prefix filter, paginated',
      state: 'done',
      source: API('ListRepositories'),
      test: 'sdk-contract.spec.ts',
    },
  ],
  ListRepositoriesInDomain: [
    {
      behaviour: 'RepositorySummary entries, prefix and administrator filters, paginated',
      state: 'done',
      source: API('ListRepositoriesInDomain'),
      test: 'sdk-contract.spec.ts',
    },
  ],
  ListSubPackageGroups: [
    { behaviour: 'Direct children of a group', state: 'done', source: API('ListSubPackageGroups'), test: 'package-groups.spec.ts' },
  ],
  ListTagsForResource: [
    { behaviour: 'Tags of domain and repository ARNs', state: 'done', source: API('ListTagsForResource'), test: 'sdk-contract.spec.ts' },
    {
      behaviour: 'Tags of package-group ARNs',
      state: 'not modelled',
      why: 'tags given to CreatePackageGroup are stored but the tagging operations resolve domain and repository ARNs only',
      source: API('TagResource'),
    },
  ],
  PublishPackageVersion: [
    {
      behaviour: 'Generic packages: SHA-256 checked, unfinished versions take more assets',
      state: 'done',
      source: API('PublishPackageVersion'),
      test: 'packages-publish.spec.ts',
    },
    {
      behaviour: 'A version that exists in an upstream: 409; the package group PUBLISH restriction applies',
      state: 'done',
      source: UG('Publishing and upstream repositories'),
      test: 'aws-parity.spec.ts, package-groups.spec.ts',
    },
    {
      behaviour: 'Quota: 150 assets per package version (402)',
      state: 'done',
      source: UG('Quotas in AWS CodeArtifact'),
      test: 'aws-parity.spec.ts',
    },
  ],
  PutDomainPermissionsPolicy: [
    {
      behaviour: 'Stores the policy with a revision',
      state: 'done',
      source: API('PutDomainPermissionsPolicy'),
      test: 'sdk-contract.spec.ts',
    },
    {
      behaviour: 'Policies are enforced',
      state: 'not modelled',
      why: 'the emulator has one account and no IAM; policies are stored and returned only',
      source: UG('Domain policies'),
    },
  ],
  PutPackageOriginConfiguration: [
    {
      behaviour: 'publish/upstream ALLOW|BLOCK, honoured by the npm endpoint',
      state: 'done',
      source: UG('Editing package origin controls'),
      test: 'packages-lifecycle.spec.ts',
    },
    {
      behaviour: 'npm publish of a version that exists upstream or through the external connection with publish=ALLOW, upstream=ALLOW: 409',
      state: 'done',
      source: UG('Publishing and upstream repositories'),
      test: 'aws-parity.spec.ts',
    },
  ],
  PutRepositoryPermissionsPolicy: [
    {
      behaviour: 'Stores the policy with a revision',
      state: 'done',
      source: API('PutRepositoryPermissionsPolicy'),
      test: 'sdk-contract.spec.ts',
    },
    { behaviour: 'Policies are enforced', state: 'not modelled', why: 'one account, no IAM', source: UG('Repository policies') },
  ],
  TagResource: [
    {
      behaviour: 'Merges tags (existing keys overwritten), 50 tags at most',
      state: 'done',
      source: API('TagResource'),
      test: 'sdk-contract.spec.ts',
    },
  ],
  UntagResource: [{ behaviour: 'Removes the keys given', state: 'done', source: API('UntagResource'), test: 'sdk-contract.spec.ts' }],
  UpdatePackageGroup: [
    { behaviour: 'Changes contactInfo and description', state: 'done', source: API('UpdatePackageGroup'), test: 'package-groups.spec.ts' },
  ],
  UpdatePackageGroupOriginConfiguration: [
    {
      behaviour: 'Restriction modes per type; allowed repository lists added/removed and reported; the root group cannot INHERIT',
      state: 'done',
      source: UG('Package group origin controls'),
      test: 'package-groups.spec.ts',
    },
    {
      behaviour: "The npm endpoint honours EXTERNAL_UPSTREAM, INTERNAL_UPSTREAM and PUBLISH of the package's group",
      state: 'done',
      source: UG('Package group origin controls'),
      test: 'package-groups.spec.ts',
    },
    {
      behaviour: 'How package-level and group-level origin controls combine',
      state: 'differs',
      why: 'simplified: a version enters only when both allow it; AWS documents precedence rules in more detail',
      source: UG('Package group origin controls'),
    },
  ],
  UpdatePackageVersionsStatus: [
    {
      behaviour: 'Published, Unlisted, Archived; revisions and expected status checked',
      state: 'done',
      source: API('UpdatePackageVersionsStatus'),
      test: 'packages-lifecycle.spec.ts',
    },
  ],
  UpdateRepository: [
    {
      behaviour: 'Replaces upstreams (validated first), updates the description',
      state: 'done',
      source: API('UpdateRepository'),
      test: 'sdk-contract.spec.ts',
    },
    {
      behaviour: 'Mends a dangling upstream graph: deleted upstreams are dropped',
      state: 'done',
      source: 'Issue 14 (AWS behaviour as observed)',
      test: 'aws-parity.spec.ts',
    },
  ],
};

/** Behaviours that belong to the service rather than to one operation. */
export const serviceBehaviours: Behaviour[] = [
  {
    behaviour: 'SigV4 with service codeartifact, verified with @smithy/signature-v4; 15-minute clock skew',
    state: 'done',
    source: 'AWS General Reference, "Signature Version 4"',
    test: 'bad-requests.spec.ts',
  },
  {
    behaviour: 'The credential scope must name a real AWS region ("Credential should be scoped to a valid region")',
    state: 'done',
    source: 'AWS General Reference, "Regions and Zones"',
    test: 'aws-parity.spec.ts',
  },
  {
    behaviour: 'IAM authorization of callers',
    state: 'not modelled',
    why: 'one account, static keys; every signed caller may do everything',
    source: UG('Identity and access management'),
  },
  {
    behaviour: 'Request-rate quotas (requests per second per operation)',
    state: 'not modelled',
    why: 'the throttle fault injects ThrottlingException when a test needs it',
    source: UG('Quotas in AWS CodeArtifact'),
  },
];
