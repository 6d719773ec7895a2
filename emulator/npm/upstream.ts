/**
 * The public npm registry behind the `public:npmjs` external connection: packuments cached
 * for a TTL, tarballs fetched on demand and checked against the integrity the packument
 * declares before anything is stored.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import type { Faults } from '../core/faults.ts';

export interface UpstreamManifest extends Record<string, unknown> {
  name: string;
  version: string;
  dist: { tarball: string; integrity?: string; shasum?: string };
}

export interface UpstreamPackument {
  name: string;
  'dist-tags'?: Record<string, string>;
  versions: Record<string, UpstreamManifest>;
  time?: Record<string, string>;
  readme?: string;
}

export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'integrity' | 'bad-response',
  ) {
    super(message);
  }
}

/** Resolves the registry npm on this machine is configured with, once, when first needed. */
async function configuredRegistry(): Promise<string> {
  let answer = '';
  try {
    answer = (await promisify(execFile)('npm', ['config', 'get', 'registry'], { timeout: 15_000 })).stdout.trim();
  } catch (err) {
    answer = (err as Error).message;
  }
  if (/^https?:\/\//.test(answer)) return answer;
  throw new UpstreamError(
    `cannot tell which registry public:npmjs stands for: \`npm config get registry\` answered '${answer}'. Start the emulator with --npmjs-url <registry URL>.`,
    'unreachable',
  );
}

export class NpmUpstream {
  private readonly cache = new Map<string, { at: number; packument: UpstreamPackument | undefined }>();
  private readonly inflight = new Map<string, Promise<UpstreamPackument | undefined>>();
  private base?: Promise<string>;

  constructor(
    private readonly configuredUrl: string | undefined,
    private readonly ttlMs: number,
    private readonly faults: Faults,
  ) {}

  /** --npmjs-url if given, else whatever npm on this machine uses; asked once, lazily, to keep start-up fast. */
  registry(): Promise<string> {
    this.base ??= this.configuredUrl ? Promise.resolve(this.configuredUrl) : configuredRegistry();
    return this.base.then((u) => (u.endsWith('/') ? u : `${u}/`));
  }

  /** The packument, or undefined when the public registry has no such package. */
  async packument(name: string): Promise<UpstreamPackument | undefined> {
    const hit = this.cache.get(name);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.packument;
    let pending = this.inflight.get(name);
    if (!pending) {
      pending = this.fetchPackument(name).finally(() => this.inflight.delete(name));
      this.inflight.set(name, pending);
    }
    return pending;
  }

  private async fetchPackument(name: string): Promise<UpstreamPackument | undefined> {
    const base = await this.registry();
    const url = `${base}${name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name)}`;
    const res = await this.get(url, 'application/json');
    if (res.status === 404) {
      this.cache.set(name, { at: Date.now(), packument: undefined });
      return undefined;
    }
    if (res.status !== 200) throw new UpstreamError(`the public registry answered ${res.status} for ${name}`, 'bad-response');
    let packument: UpstreamPackument;
    try {
      packument = JSON.parse(res.body.toString('utf8')) as UpstreamPackument;
    } catch {
      throw new UpstreamError(`the public registry sent a packument for ${name} that is not JSON`, 'bad-response');
    }
    if (typeof packument !== 'object' || packument === null || typeof packument.versions !== 'object') {
      throw new UpstreamError(`the public registry sent a packument for ${name} without versions`, 'bad-response');
    }
    this.cache.set(name, { at: Date.now(), packument });
    return packument;
  }

  /** Downloads a tarball and verifies it against the manifest's declared integrity. */
  async tarball(manifest: UpstreamManifest): Promise<Buffer> {
    const res = await this.get(manifest.dist.tarball, 'application/octet-stream');
    if (res.status !== 200) {
      throw new UpstreamError(
        `the public registry answered ${res.status} for the tarball of ${manifest.name}@${manifest.version}`,
        'bad-response',
      );
    }
    verifyIntegrity(manifest, res.body);
    return res.body;
  }

  private async get(url: string, accept: string): Promise<{ status: number; body: Buffer }> {
    if (this.faults.on('upstream-unreachable')) {
      throw new UpstreamError(`cannot reach the public registry (${url}): connection refused [fault: upstream-unreachable]`, 'unreachable');
    }
    if (this.faults.on('upstream-slow')) {
      await new Promise((r) => setTimeout(r, Number(this.faults.arg('upstream-slow') ?? 5000)));
    }
    try {
      const res = await fetch(url, { headers: { accept }, signal: AbortSignal.timeout(60_000) });
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
    } catch (err) {
      throw new UpstreamError(`cannot reach the public registry (${url}): ${(err as Error).message}`, 'unreachable');
    }
  }
}

export function verifyIntegrity(manifest: UpstreamManifest, bytes: Buffer): void {
  const id = `${manifest.name}@${manifest.version}`;
  const sri = (manifest.dist.integrity ?? '').split(/\s+/).filter(Boolean);
  for (const entry of sri) {
    const dash = entry.indexOf('-');
    const alg = entry.slice(0, dash);
    if (alg !== 'sha512' && alg !== 'sha384' && alg !== 'sha256' && alg !== 'sha1') continue;
    const expected = entry.slice(dash + 1).split('?')[0];
    const actual = createHash(alg).update(bytes).digest('base64');
    if (actual !== expected) {
      throw new UpstreamError(
        `integrity mismatch for ${id}: the registry declared ${alg}-${expected}, the tarball it sent is ${alg}-${actual}; not stored`,
        'integrity',
      );
    }
    return;
  }
  if (manifest.dist.shasum) {
    const actual = createHash('sha1').update(bytes).digest('hex');
    if (actual !== manifest.dist.shasum) {
      throw new UpstreamError(
        `integrity mismatch for ${id}: the registry declared shasum ${manifest.dist.shasum}, the tarball it sent is ${actual}; not stored`,
        'integrity',
      );
    }
    return;
  }
  throw new UpstreamError(`the registry declared no integrity for ${id}; refusing to store an unverifiable tarball`, 'integrity');
}
