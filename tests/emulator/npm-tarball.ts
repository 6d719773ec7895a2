/** Real npm tarballs for tests that publish: the emulator checks them as a registry does. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create as createTar } from 'tar';

/** A real npm tarball: package/package.json (and an index.js), gzip-compressed tar. */
export function npmTarball(
  manifest: Record<string, unknown>,
  files: Record<string, string> = { 'index.js': 'module.exports = 1;\n' },
): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'publish-'));
  try {
    mkdirSync(path.join(dir, 'package'));
    writeFileSync(path.join(dir, 'package', 'package.json'), JSON.stringify(manifest));
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, 'package', name), text);
    const file = path.join(dir, 'out.tgz');
    createTar({ gzip: true, cwd: dir, sync: true, file, portable: true }, ['package']);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
