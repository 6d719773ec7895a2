/**
 * Writing files so that they survive a crash: the data goes to a temporary file that is
 * fsynced, renamed over the target, and the folder is fsynced so the rename itself is on
 * disk. A reader sees the old file or the new one, never a torn one; a crash leaves at most a
 * stray temporary file, which removeStrayTemporaries() deletes on the next start.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TMP_SUFFIX = '.tmp';
let sequence = 0;
const temporaryFor = (path: string) => `${path}.${process.pid}.${++sequence}${TMP_SUFFIX}`;

export async function fsyncFolder(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function writeFileDurably(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = temporaryFor(path);
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncFolder(dirname(path));
}

export function writeFileDurablySync(path: string, data: string | Buffer, mode = 0o644): void {
  const tmp = temporaryFor(path);
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Deletes what a crash in the middle of a write left in `dir`. */
export function removeStrayTemporaries(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (name.endsWith(TMP_SUFFIX)) rmSync(join(dir, basename(name)), { force: true });
  }
}
