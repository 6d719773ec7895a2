/**
 * The emulator's state: plain, serialisable records, partitioned by region (CodeArtifact
 * domains are regional) and keyed by domain owner + name.
 */
export interface Tag {
  key: string;
  value: string;
}

export interface ResourcePolicy {
  revision: string;
  document: string;
}

export interface ExternalConnection {
  externalConnectionName: string;
  packageFormat: string;
  /**
   * The API model's enum says `Available`; every AWS transcript (the tutorial's, the CLI's
   * examples) prints `AVAILABLE`. AWS's transcripts win.
   */
  status: 'AVAILABLE';
}

export type OriginMode = 'ALLOW' | 'BLOCK';

export interface OriginRestrictions {
  publish: OriginMode;
  upstream: OriginMode;
}

export interface AssetRecord {
  name: string;
  size: number;
  /** Hex digests; the SHA-512 one names the blob in the blob store. */
  hashes: { 'SHA-512': string; 'SHA-256': string; 'SHA-1': string; MD5: string };
}

export type PackageVersionStatus = 'Published' | 'Unfinished' | 'Unlisted' | 'Archived' | 'Disposed' | 'Deleted';

export interface PackageVersionRecord {
  version: string;
  revision: string;
  status: PackageVersionStatus;
  publishedTime: number;
  /** The version's manifest as npm serves it in a packument (without dist, which is derived). */
  manifest: Record<string, unknown>;
  assets: AssetRecord[];
  origin: {
    domainEntryPoint: { repositoryName?: string; externalConnectionName?: string };
    originType: 'INTERNAL' | 'EXTERNAL' | 'UNKNOWN';
  };
  /**
   * When control-plane reads (ListPackages, ...) may see this version, epoch ms. Versions that
   * came in through an external connection become visible only after AWS's ingestion delay.
   */
  visibleAt: number;
  readme?: string;
}

export interface PackageRecord {
  format: string;
  /** npm scope without the '@'; maven group id; absent for unscoped npm packages. */
  namespace?: string;
  name: string;
  originConfiguration: { restrictions: OriginRestrictions };
  versions: Map<string, PackageVersionRecord>;
  distTags: Record<string, string>;
}

export interface RepositoryRecord {
  name: string;
  domainName: string;
  domainOwner: string;
  administratorAccount: string;
  arn: string;
  description?: string;
  upstreams: string[];
  externalConnections: ExternalConnection[];
  createdTime: number;
  tags: Tag[];
  policy?: ResourcePolicy;
  /** key: packageKey(format, namespace, name) */
  packages: Map<string, PackageRecord>;
  /**
   * Upstreams that were deleted while this repository still listed them. AWS leaves the graph
   * dangling: the npm endpoint refuses requests until UpdateRepository is called on this
   * repository. A repository created again under the same name does not re-link.
   */
  danglingUpstreams?: string[];
}

export function packageKey(format: string, namespace: string | undefined, name: string): string {
  return `${format}:${namespace ?? ''}:${name}`;
}

export interface DomainRecord {
  name: string;
  owner: string;
  region: string;
  arn: string;
  encryptionKey: string;
  s3BucketArn: string;
  createdTime: number;
  tags: Tag[];
  policy?: ResourcePolicy;
  repositories: Map<string, RepositoryRecord>;
  /**
   * Identifies this incarnation of the domain: tokens carry it, so a token stops working when
   * its domain is deleted, also after a domain of the same name is created again.
   * (Absent in snapshots written before it existed.)
   */
  incarnation?: string;
  /** Package groups, the root group `/*` first (absent in older snapshots: created on use). */
  packageGroups?: PackageGroupRecord[];
}

export type PackageGroupRestrictionType = 'EXTERNAL_UPSTREAM' | 'INTERNAL_UPSTREAM' | 'PUBLISH';
export type PackageGroupRestrictionMode = 'ALLOW' | 'ALLOW_SPECIFIC_REPOSITORIES' | 'BLOCK' | 'INHERIT';

export interface PackageGroupRecord {
  /** The pattern as stored (normalised): `/*`, `/npm/*`, `/npm/space/*`, `/npm/space/name$`, ... */
  pattern: string;
  arn: string;
  createdTime: number;
  contactInfo?: string;
  description?: string;
  tags: Tag[];
  restrictions: Record<PackageGroupRestrictionType, PackageGroupRestrictionMode>;
  /** Allowed repository lists, per restriction type. */
  allowedRepositories: Record<PackageGroupRestrictionType, string[]>;
}

export class RegionState {
  readonly domains = new Map<string, DomainRecord>();

  static key(owner: string, name: string): string {
    return `${owner}/${name}`;
  }

  domain(owner: string, name: string): DomainRecord | undefined {
    return this.domains.get(RegionState.key(owner, name));
  }
}

export class Store {
  readonly regions = new Map<string, RegionState>();

  region(region: string): RegionState {
    let state = this.regions.get(region);
    if (!state) {
      state = new RegionState();
      this.regions.set(region, state);
    }
    return state;
  }
}

/** AWS timestamps on the wire: epoch seconds with millisecond precision. */
export const epochSeconds = (ms: number = Date.now()): number => Math.round(ms) / 1000;

/** Applies TagResource semantics: existing keys are overwritten, new keys appended. */
export function mergeTags(existing: Tag[], incoming: Tag[]): Tag[] {
  const byKey = new Map(existing.map((t) => [t.key, t.value]));
  for (const t of incoming) byKey.set(t.key, t.value);
  return [...byKey].map(([key, value]) => ({ key, value }));
}
