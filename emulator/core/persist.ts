/**
 * --data-dir: the store as one JSON snapshot plus content-addressed blobs, and the token key,
 * so that state, tarballs and issued tokens all survive a restart.
 *
 * A change is acknowledged only once it is on disk: changed() resolves after a snapshot that
 * holds the change (and every blob it names) has been written, fsynced and renamed into
 * place. Changes that arrive while a snapshot is being written share the next one (group
 * commit), so a burst of writes costs a few snapshots, not one each. kill -9 at any moment
 * leaves the previous complete snapshot or the new one, never a torn one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeStrayTemporaries, writeFileDurably, writeFileDurablySync } from './durable.ts';
import { RegionState, Store, type DomainRecord, type PackageRecord, type RepositoryRecord } from './store.ts';

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
  /** The snapshot being written, and the one that will follow it for changes made meanwhile. */
  private writing: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly store: Store,
    /** Resolves once every blob stored so far is on disk. */
    private readonly blobsSettled: () => Promise<void> = () => Promise.resolve(),
  ) {
    mkdirSync(dir, { recursive: true });
    removeStrayTemporaries(dir);
  }

  /** Loads an earlier snapshot into the store; returns the token key to use. */
  load(): Buffer {
    const path = join(this.dir, SNAPSHOT);
    if (existsSync(path)) {
      let snapshot: Snapshot;
      try {
        snapshot = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
      } catch (err) {
        throw new Error(
          `${path} is not a readable emulator snapshot (${(err as Error).message}). Move it away or pass another --data-dir.`,
        );
      }
      if (snapshot.version !== VERSION) {
        throw new Error(`${path} was written by an incompatible emulator (format ${snapshot.version}). Pass another --data-dir.`);
      }
      fromJson(snapshot, this.store);
    }
    const keyPath = join(this.dir, 'token.key');
    if (!existsSync(keyPath) || readFileSync(keyPath).length !== 32) writeFileDurablySync(keyPath, randomBytes(32), 0o600);
    return readFileSync(keyPath);
  }

  /** Resolves once the store as it is now is on disk. */
  changed(): Promise<void> {
    if (this.next) return this.next;
    if (this.writing) {
      // The snapshot being written may predate this change: it goes into the next one.
      const after = this.writing.catch(() => {});
      this.next = after.then(() => {
        this.next = undefined;
        return this.write();
      });
      return this.next;
    }
    return this.write();
  }

  private write(): Promise<void> {
    // The snapshot is taken now, synchronously: everything changed so far is in it.
    const json = JSON.stringify(toJson(this.store));
    const blobs = this.blobsSettled();
    const written = blobs.then(() => writeFileDurably(join(this.dir, SNAPSHOT), json));
    this.writing = written;
    const done = () => {
      if (this.writing === written) this.writing = undefined;
    };
    written.then(done, done);
    return written;
  }

  /** Writes the snapshot now (on shutdown). */
  flush(): void {
    writeFileDurablySync(join(this.dir, SNAPSHOT), JSON.stringify(toJson(this.store)));
  }
}
