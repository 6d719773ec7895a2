/**
 * --data-dir: the store as one JSON snapshot (written atomically, shortly after each change
 * and on shutdown) plus content-addressed blobs, and the token key, so that state, tarballs
 * and issued tokens all survive a restart.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegionState, type Store, type DomainRecord, type PackageRecord, type RepositoryRecord } from './store.ts';

const SNAPSHOT = 'state.json';
const VERSION = 1;

/** Maps become arrays of entries; everything else in the records is plain JSON. */
function toJson(store: Store): unknown {
  return {
    version: VERSION,
    regions: [...store.regions].map(([region, state]) => ({
      region,
      domains: [...state.domains.values()].map((d) => ({
        ...d,
        repositories: [...d.repositories.values()].map((r) => ({
          ...r,
          packages: [...r.packages].map(([key, p]) => ({ key, ...p, versions: [...p.versions.values()] })),
        })),
      })),
    })),
  };
}

type Json<T> = Omit<T, 'repositories' | 'packages' | 'versions'>;
interface Snapshot {
  version: number;
  regions: {
    region: string;
    domains: (Json<DomainRecord> & {
      repositories: (Json<RepositoryRecord> & {
        packages: (Json<PackageRecord> & { key: string; versions: PackageRecord['versions'] extends Map<string, infer V> ? V[] : never })[];
      })[];
    })[];
  }[];
}

function fromJson(snapshot: Snapshot, store: Store): void {
  for (const { region, domains } of snapshot.regions) {
    const state = store.region(region);
    for (const d of domains) {
      const repositories = new Map<string, RepositoryRecord>();
      for (const r of d.repositories) {
        const packages = new Map<string, PackageRecord>();
        for (const { key, versions, ...p } of r.packages) {
          packages.set(key, { ...p, versions: new Map(versions.map((v) => [v.version, v])) });
        }
        repositories.set(r.name, { ...r, packages });
      }
      state.domains.set(RegionState.key(d.owner, d.name), { ...d, repositories });
    }
  }
}

export class Persistence {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly store: Store,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** Loads an earlier snapshot into the store; returns the token key to use. */
  load(): Buffer {
    const path = join(this.dir, SNAPSHOT);
    if (existsSync(path)) {
      let snapshot: Snapshot;
      try {
        snapshot = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
      } catch (err) {
        throw new Error(`${path} is not a readable emulator snapshot (${(err as Error).message}). Move it away or pass another --data-dir.`);
      }
      if (snapshot.version !== VERSION) {
        throw new Error(`${path} was written by an incompatible emulator (format ${snapshot.version}). Pass another --data-dir.`);
      }
      fromJson(snapshot, this.store);
    }
    const keyPath = join(this.dir, 'token.key');
    if (!existsSync(keyPath)) writeFileSync(keyPath, randomBytes(32), { mode: 0o600 });
    return readFileSync(keyPath);
  }

  /** Schedules a snapshot; many changes in a burst cost one write. */
  changed(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, 50);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const path = join(this.dir, SNAPSHOT);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(toJson(this.store)));
    renameSync(tmp, path);
  }
}
