/**
 * What a registry checks in a published tarball before it stores it: that it is gzip, that it
 * unpacks to a tar archive, and that the archive holds package/package.json. The archive is
 * read as it is unpacked (a header at a time, file contents skipped), so neither a large
 * tarball nor a gzip bomb is ever held unpacked in memory.
 */
import { createGunzip } from 'node:zlib';

export type TarballCheck = { ok: true; packageJson: Record<string, unknown> } | { ok: false; problem: string };

const BLOCK = 512;
/** Stop unpacking after this much: a real package's manifest comes long before. */
const MAX_UNPACKED_BYTES = 256 * 1024 * 1024;
/** package.json, a GNU long name or a pax header larger than this is not a real package's. */
const MAX_META_BYTES = 4 * 1024 * 1024;

const cString = (b: Buffer, start: number, length: number): string => {
  const field = b.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? field.length : nul).toString('utf8');
};

function octal(b: Buffer, start: number, length: number): number {
  if (b[start]! & 0x80) {
    // base-256 (GNU) for sizes over 8 GiB: far beyond anything accepted here.
    return Number.MAX_SAFE_INTEGER;
  }
  const text = cString(b, start, length).trim();
  return text === '' ? 0 : /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
}

function checksumMatches(header: Buffer): boolean {
  const declared = octal(header, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return declared === sum;
}

/** `path=` from a pax extended header ("<len> path=<value>\n" records). */
function paxPath(data: Buffer): string | undefined {
  let path: string | undefined;
  let off = 0;
  while (off < data.length) {
    const space = data.indexOf(0x20, off);
    if (space < 0) break;
    const len = Number(data.subarray(off, space).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = data.subarray(space + 1, off + len - 1).toString('utf8');
    if (record.startsWith('path=')) path = record.slice(5);
    off += len;
  }
  return path;
}

const normal = (path: string) => path.replace(/^(\.\/)+/, '');

export function checkTarball(bytes: Buffer): Promise<TarballCheck> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    return Promise.resolve({ ok: false, problem: 'is not gzip-compressed (a gzip stream starts with the bytes 1f 8b)' });
  }
  return new Promise<TarballCheck>((resolve) => {
    const gunzip = createGunzip();
    let settled = false;
    const done = (result: TarballCheck) => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      resolve(result);
    };
    let pending: Buffer = Buffer.alloc(0);
    let unpacked = 0;
    /** Bytes of the current entry still to come, and whether (and why) they are kept. */
    let remaining = 0;
    let padding = 0;
    let keep: 'package.json' | 'longname' | 'pax' | undefined;
    let kept: Buffer[] = [];
    let nextPath: string | undefined;

    const onEntryData = (data: Buffer) => {
      if (keep === 'package.json') {
        let manifest: unknown;
        try {
          manifest = JSON.parse(data.toString('utf8'));
        } catch {
          return done({ ok: false, problem: 'holds a package/package.json that is not valid JSON' });
        }
        if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
          return done({ ok: false, problem: 'holds a package/package.json that is not a JSON object' });
        }
        return done({ ok: true, packageJson: manifest as Record<string, unknown> });
      }
      if (keep === 'longname') nextPath = cString(data, 0, data.length);
      if (keep === 'pax') nextPath = paxPath(data) ?? nextPath;
    };

    const parse = () => {
      for (;;) {
        if (remaining > 0 || padding > 0) {
          if (pending.length === 0) return;
          if (remaining > 0) {
            const take = Math.min(remaining, pending.length);
            if (keep) kept.push(pending.subarray(0, take));
            pending = pending.subarray(take);
            remaining -= take;
            if (remaining === 0 && keep) {
              onEntryData(Buffer.concat(kept));
              if (settled) return;
              keep = undefined;
              kept = [];
            }
          } else {
            const take = Math.min(padding, pending.length);
            pending = pending.subarray(take);
            padding -= take;
          }
          continue;
        }
        if (pending.length < BLOCK) return;
        const header = pending.subarray(0, BLOCK);
        pending = pending.subarray(BLOCK);
        if (header.every((b) => b === 0)) {
          return done({ ok: false, problem: 'is a tar archive without package/package.json' });
        }
        if (!checksumMatches(header)) {
          return done({ ok: false, problem: 'unpacks to something that is not a tar archive (bad tar header checksum)' });
        }
        const size = octal(header, 124, 12);
        if (!Number.isFinite(size) || size < 0) return done({ ok: false, problem: 'has a tar entry with an unreadable size' });
        const type = String.fromCharCode(header[156]!);
        const ustar = cString(header, 257, 6) === 'ustar';
        const prefix = ustar ? cString(header, 345, 155) : '';
        const name = cString(header, 0, 100);
        const path = normal(nextPath ?? (prefix ? `${prefix}/${name}` : name));
        if (type === 'L' || type === 'x') {
          if (size > MAX_META_BYTES) return done({ ok: false, problem: 'has a tar extended header that is too large' });
          keep = type === 'L' ? 'longname' : 'pax';
        } else {
          nextPath = undefined;
          if (path === 'package/package.json' && (type === '0' || type === '\0')) {
            if (size > MAX_META_BYTES)
              return done({ ok: false, problem: `holds a package/package.json larger than ${MAX_META_BYTES} bytes` });
            keep = 'package.json';
            if (size === 0) return onEntryData(Buffer.alloc(0));
          }
        }
        remaining = size;
        padding = (BLOCK - (size % BLOCK)) % BLOCK;
      }
    };

    gunzip.on('data', (chunk: Buffer) => {
      if (settled) return;
      unpacked += chunk.length;
      if (unpacked > MAX_UNPACKED_BYTES) {
        return done({ ok: false, problem: `unpacks to more than ${MAX_UNPACKED_BYTES} bytes before package/package.json` });
      }
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      parse();
    });
    gunzip.on('error', (err) => done({ ok: false, problem: `is not a valid gzip stream (${err.message})` }));
    gunzip.on('end', () => done({ ok: false, problem: 'is a tar archive without package/package.json' }));
    gunzip.end(bytes);
  });
}
