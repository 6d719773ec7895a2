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
  status: 'Available';
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
  private readonly regions = new Map<string, RegionState>();

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
