/**
 * Content-addressed storage for package assets: each blob is stored once, named by its
 * SHA-512, whichever repositories retain versions that point at it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncFile, fsyncFolder, removeStrayTemporaries } from './durable.ts';
import type { AssetRecord } from './store.ts';

export function hashAsset(name: string, bytes: Buffer): AssetRecord {
  const h = (alg: string) => createHash(alg).update(bytes).digest('hex');
  return { name, size: bytes.length, hashes: { 'SHA-512': h('sha512'), 'SHA-256': h('sha256'), 'SHA-1': h('sha1'), MD5: h('md5') } };
}

export interface BlobStore {
  put(sha512: string, bytes: Buffer): void;
  get(sha512: string): Buffer | undefined;
  has(sha512: string): boolean;
}

export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, Buffer>();
  put(sha512: string, bytes: Buffer): void {
    if (!this.blobs.has(sha512)) this.blobs.set(sha512, bytes);
  }
  get(sha512: string): Buffer | undefined {
    return this.blobs.get(sha512);
  }
  has(sha512: string): boolean {
    return this.blobs.has(sha512);
  }
}

/**
 * Blobs as files under DIR/blobs/, written atomically (temp file + rename). put() stays
 * synchronous for its callers; the fsync of each new blob runs in the background, and
 * settle() waits for all of them (and the folder), so that persistence writes a snapshot that
 * names a blob only once the blob is on disk.
 */
export class DirectoryBlobStore implements BlobStore {
  private readonly dir: string;
  /** Blobs this process wrote or checked: their file is complete. */
  private readonly known = new Set<string>();
  private readonly syncing = new Set<Promise<void>>();
  private folderDirty = false;
  private failure: unknown;

  constructor(root: string) {
    this.dir = join(root, 'blobs');
    mkdirSync(this.dir, { recursive: true });
    removeStrayTemporaries(this.dir);
  }
  private path(sha512: string): string {
    if (!/^[0-9a-f]{128}$/.test(sha512)) throw new Error(`not a sha512 digest: ${sha512}`);
    return join(this.dir, sha512);
  }
  put(sha512: string, bytes: Buffer): void {
    const path = this.path(sha512);
    if (this.known.has(sha512)) return;
    // A file left by an earlier run may be one whose write a crash cut short: trust it only
    // if its bytes are the blob's.
    if (existsSync(path) && createHash('sha512').update(readFileSync(path)).digest('hex') === sha512) {
      this.known.add(sha512);
      return;
    }
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
    this.known.add(sha512);
    this.folderDirty = true;
    const synced: Promise<void> = fsyncFile(path).then(
      () => void this.syncing.delete(synced),
      (err: unknown) => {
        this.syncing.delete(synced);
        this.known.delete(sha512);
        this.failure ??= err;
      },
    );
    this.syncing.add(synced);
  }
  /** Resolves once every blob put so far is on disk. */
  async settle(): Promise<void> {
    await Promise.all([...this.syncing]);
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
    if (this.folderDirty) {
      this.folderDirty = false;
      await fsyncFolder(this.dir);
    }
  }
  get(sha512: string): Buffer | undefined {
    const path = this.path(sha512);
    return existsSync(path) ? readFileSync(path) : undefined;
  }
  has(sha512: string): boolean {
    return existsSync(this.path(sha512));
  }
}
