/**
 * A tiny, deterministic npm registry for tests: the upstream the emulator's `public:npmjs`
 * external connection is pointed at, so that nothing depends on the public registry.
 *
 * - `GET /<name>` (scoped: `/@scope%2fname` or `/@scope/name`) answers the full packument, or
 *   the abbreviated one ("corgi") when the client accepts `application/vnd.npm.install-v1+json`.
 * - `GET /<name>/-/<basename>-<version>.tgz` answers the tarball.
 * - Tarballs are real gzip'd tar archives (`package/package.json`, `package/index.js`, ...),
 *   built once at startup with `tar`, portable and with a fixed mtime, so that the same
 *   package definitions produce byte-for-byte the same tarballs on every run. Their sha512
 *   integrity and sha1 shasum are computed from those bytes.
 * - `corruptIntegrity` makes the packument lie about some tarballs' integrity and shasum, to
 *   test that clients (and the emulator) refuse them; `delayMs`/`setDelay` slow every answer.
 * - Every request is recorded in `requests`.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import semver from 'semver';
import { create as createTar } from 'tar';

export interface FixtureVersion {
  dependencies?: Record<string, string>;
  /** The package's files, besides `package.json` (which is always generated from the manifest).
   * Paths relative to the package root, `/`-separated. Default: `index.js` and `README.md`. */
  files?: Record<string, string>;
  /** Extra package.json fields (description, bin, engines, license, ...), merged into the manifest. */
  extra?: Record<string, unknown>;
}

export interface FixturePackage {
  /** May be scoped: '@scope/name'. */
  name: string;
  versions: Record<string, FixtureVersion>;
  /** Default: `{ latest: <highest semver version> }`. */
  distTags?: Record<string, string>;
}

export interface FixtureRegistryOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 'name@version' whose packument declares a wrong sha512 integrity and shasum. */
  corruptIntegrity?: string[];
  /** Wait this long before answering every request. */
  delayMs?: number;
}

export interface FixtureRequest {
  method: string;
  /** The request target as received (path and query, still percent-encoded). */
  path: string;
  accept?: string;
}

export interface FixtureTarball {
  /** `sha512-<base64>` of `bytes` (the real one, even for a package in `corruptIntegrity`). */
  integrity: string;
  /** sha1 hex of `bytes`. */
  shasum: string;
  bytes: Buffer;
}

export interface FixtureRegistry {
  /** `http://127.0.0.1:PORT/`, with the trailing slash. */
  url: string;
  requests: FixtureRequest[];
  /** By 'name@version'. */
  tarballs: Map<string, FixtureTarball>;
  setDelay(ms: number): void;
  close(): Promise<void>;
}

/** Every entry of every tarball gets this mtime; packument `time`s are derived from it too. */
const FIXED_MTIME = new Date('2020-01-01T00:00:00.000Z');
const DAY_MS = 24 * 60 * 60 * 1000;
const ABBREVIATED_TYPE = 'application/vnd.npm.install-v1+json';
/** Manifest fields kept in the abbreviated packument (as the public registry does). */
const ABBREVIATED_FIELDS = [
  'name',
  'version',
  'deprecated',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'bundleDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'acceptDependencies',
  'bin',
  'directories',
  'dist',
  'engines',
  'cpu',
  'os',
  'libc',
  '_hasShrinkwrap',
  'hasInstallScript',
  'funding',
] as const;

const NAME_PATTERN = /^(?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*$/i;

interface BuiltVersion {
  version: string;
  /** package.json inside the tarball. */
  manifest: Record<string, unknown>;
  tarball: FixtureTarball;
  tarballFile: string;
  /** What the packument declares (differs from `tarball` for corrupted versions). */
  declared: { integrity: string; shasum: string };
  time: string;
  readme: string;
}

interface BuiltPackage {
  name: string;
  /** Sorted ascending by semver. */
  versions: BuiltVersion[];
  distTags: Record<string, string>;
}

/** 'name' for '@scope/name', else the name itself: the tarball file's prefix. */
function basename(name: string): string {
  return name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
}

function integrityOf(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

function shasumOf(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}

function defaultFiles(name: string, version: string): Record<string, string> {
  return {
    'index.js': `'use strict';\nmodule.exports = { name: ${JSON.stringify(name)}, version: ${JSON.stringify(version)} };\n`,
    'README.md': `# ${name}\n\nFixture package ${name}@${version}, served by the conformance harness's fixture npm registry.\n`,
  };
}

function checkFilePath(pkg: string, file: string): void {
  const normalized = path.posix.normalize(file);
  if (
    file === '' ||
    normalized !== file ||
    file.startsWith('/') ||
    file.split('/').includes('..') ||
    file.includes('\\') ||
    file === 'package.json'
  ) {
    throw new Error(`Fixture ${pkg}: invalid file path ${JSON.stringify(file)} (relative, normalized, not package.json).`);
  }
}

/** Builds one tarball from a temp dir: `package/package.json` first, then the files in sorted order. */
async function buildTarball(id: string, manifest: Record<string, unknown>, files: Record<string, string>): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fixture-tgz-'));
  try {
    const entries: Array<[string, string]> = [
      ['package.json', `${JSON.stringify(manifest, null, 2)}\n`],
      ...Object.keys(files)
        .sort()
        .map((f): [string, string] => {
          checkFilePath(id, f);
          return [f, files[f]!];
        }),
    ];
    for (const [file, content] of entries) {
      const target = path.join(dir, 'package', ...file.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
      await chmod(target, 0o644);
    }
    const pack = createTar(
      { cwd: dir, gzip: { level: 9 }, portable: true, mtime: FIXED_MTIME, noDirRecurse: true },
      entries.map(([file]) => `package/${file}`),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function buildPackage(pkg: FixturePackage, corrupt: Set<string>): Promise<BuiltPackage> {
  if (!NAME_PATTERN.test(pkg.name)) throw new Error(`Fixture package name ${JSON.stringify(pkg.name)} is not a valid npm name.`);
  const versionList = Object.keys(pkg.versions);
  if (versionList.length === 0) throw new Error(`Fixture package ${pkg.name} has no versions.`);
  for (const v of versionList) {
    if (semver.valid(v) !== v) throw new Error(`Fixture ${pkg.name}: ${JSON.stringify(v)} is not a clean semver version.`);
  }
  const sorted = [...versionList].sort(semver.compare);
  const versions: BuiltVersion[] = [];
  for (const [index, version] of sorted.entries()) {
    const def = pkg.versions[version]!;
    const id = `${pkg.name}@${version}`;
    const files = def.files ?? defaultFiles(pkg.name, version);
    const manifest: Record<string, unknown> = {
      name: pkg.name,
      version,
      description: `Fixture package ${pkg.name}`,
      main: 'index.js',
      license: 'MIT',
      ...(def.dependencies !== undefined ? { dependencies: { ...def.dependencies } } : {}),
      ...def.extra,
    };
    // The identity fields are not negotiable.
    manifest.name = pkg.name;
    manifest.version = version;
    const bytes = await buildTarball(id, manifest, files);
    const tarball: FixtureTarball = { integrity: integrityOf(bytes), shasum: shasumOf(bytes), bytes };
    const declared = corrupt.has(id)
      ? (() => {
          const wrong = Buffer.concat([bytes, Buffer.from('\ncorrupted by the fixture registry\n')]);
          return { integrity: integrityOf(wrong), shasum: shasumOf(wrong) };
        })()
      : { integrity: tarball.integrity, shasum: tarball.shasum };
    const readmeFile = Object.keys(files).find((f) => /^readme(\.md|\.markdown|\.txt)?$/i.test(f));
    versions.push({
      version,
      manifest,
      tarball,
      tarballFile: `${basename(pkg.name)}-${version}.tgz`,
      declared,
      time: new Date(FIXED_MTIME.getTime() + (index + 1) * DAY_MS).toISOString(),
      readme: readmeFile !== undefined ? files[readmeFile]! : `# ${pkg.name}\n`,
    });
  }
  const distTags = pkg.distTags !== undefined ? { ...pkg.distTags } : {};
  if (distTags.latest === undefined) distTags.latest = sorted[sorted.length - 1]!;
  for (const [tag, v] of Object.entries(distTags)) {
    if (pkg.versions[v] === undefined) throw new Error(`Fixture ${pkg.name}: dist-tag ${tag} points at unknown version ${v}.`);
  }
  return { name: pkg.name, versions, distTags };
}

function tarballUrl(base: string, pkg: BuiltPackage, v: BuiltVersion): string {
  return `${base}${pkg.name}/-/${v.tarballFile}`;
}

function versionManifest(base: string, pkg: BuiltPackage, v: BuiltVersion): Record<string, unknown> {
  return {
    ...v.manifest,
    _id: `${pkg.name}@${v.version}`,
    dist: { tarball: tarballUrl(base, pkg, v), integrity: v.declared.integrity, shasum: v.declared.shasum },
  };
}

function fullPackument(base: string, pkg: BuiltPackage): Record<string, unknown> {
  const first = pkg.versions[0]!;
  const last = pkg.versions[pkg.versions.length - 1]!;
  const latest = pkg.versions.find((v) => v.version === pkg.distTags.latest) ?? last;
  return {
    _id: pkg.name,
    name: pkg.name,
    description: latest.manifest.description,
    'dist-tags': pkg.distTags,
    versions: Object.fromEntries(pkg.versions.map((v) => [v.version, versionManifest(base, pkg, v)])),
    time: {
      created: first.time,
      modified: last.time,
      ...Object.fromEntries(pkg.versions.map((v) => [v.version, v.time])),
    },
    license: latest.manifest.license,
    readme: latest.readme,
    readmeFilename: 'README.md',
  };
}

function abbreviatedPackument(base: string, pkg: BuiltPackage): Record<string, unknown> {
  const last = pkg.versions[pkg.versions.length - 1]!;
  return {
    name: pkg.name,
    modified: last.time,
    'dist-tags': pkg.distTags,
    versions: Object.fromEntries(
      pkg.versions.map((v) => {
        const full = versionManifest(base, pkg, v);
        const kept = Object.fromEntries(ABBREVIATED_FIELDS.filter((f) => full[f] !== undefined).map((f) => [f, full[f]]));
        return [v.version, kept];
      }),
    ),
  };
}

/** True when the Accept header asks for the abbreviated packument with a non-zero quality. */
function wantsAbbreviated(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    if (type?.toLowerCase() !== ABBREVIATED_TYPE) return false;
    const q = params.find((p) => /^q=/i.test(p));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

type Route = { kind: 'packument'; name: string } | { kind: 'tarball'; name: string; file: string } | { kind: 'none' };

function route(rawUrl: string): Route {
  const pathname = rawUrl.split('?')[0]!.replace(/%2f/gi, '/');
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { kind: 'none' };
  }
  const m = /^\/((?:@[^/]+\/)?[^/@][^/]*)(?:\/-\/([^/]+\.tgz))?\/?$/.exec(decoded);
  if (!m) return { kind: 'none' };
  const name = m[1]!;
  return m[2] !== undefined ? { kind: 'tarball', name, file: m[2] } : { kind: 'packument', name };
}

export async function startFixtureRegistry(packages: FixturePackage[], options: FixtureRegistryOptions = {}): Promise<FixtureRegistry> {
  const host = options.host ?? '127.0.0.1';
  const corrupt = new Set(options.corruptIntegrity ?? []);
  const byName = new Map<string, BuiltPackage>();
  for (const pkg of packages) {
    if (byName.has(pkg.name)) throw new Error(`Fixture package ${pkg.name} is defined twice.`);
    byName.set(pkg.name, await buildPackage(pkg, corrupt));
  }
  const tarballs = new Map<string, FixtureTarball>();
  for (const pkg of byName.values()) for (const v of pkg.versions) tarballs.set(`${pkg.name}@${v.version}`, v.tarball);
  for (const id of corrupt) {
    if (!tarballs.has(id)) throw new Error(`corruptIntegrity: ${id} is not one of the fixture packages' versions.`);
  }

  const requests: FixtureRequest[] = [];
  let delayMs = Math.max(0, options.delayMs ?? 0);
  let base = '';
  const pending = new Set<NodeJS.Timeout>();
  let closed = false;

  const send = (
    res: ServerResponse,
    status: number,
    type: string,
    body: Buffer | string,
    head: boolean,
    extra: Record<string, string> = {},
  ) => {
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { 'content-type': type, 'content-length': String(buf.length), ...extra });
    res.end(head ? undefined : buf);
  };
  const sendJson = (
    res: ServerResponse,
    status: number,
    value: unknown,
    head: boolean,
    type = 'application/json',
    extra: Record<string, string> = {},
  ) => send(res, status, type, JSON.stringify(value), head, extra);

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const head = method === 'HEAD';
    if (method !== 'GET' && !head) {
      sendJson(res, 405, { error: 'Method not allowed' }, false, 'application/json', { allow: 'GET, HEAD' });
      return;
    }
    const r = route(req.url ?? '/');
    const pkg = r.kind === 'none' ? undefined : byName.get(r.name);
    if (r.kind === 'none' || pkg === undefined) {
      sendJson(res, 404, { error: 'Not found' }, head);
      return;
    }
    if (r.kind === 'packument') {
      const abbreviated = wantsAbbreviated(req.headers.accept);
      const doc = abbreviated ? abbreviatedPackument(base, pkg) : fullPackument(base, pkg);
      sendJson(res, 200, doc, head, abbreviated ? ABBREVIATED_TYPE : 'application/json', { vary: 'Accept' });
      return;
    }
    const v = pkg.versions.find((x) => x.tarballFile === r.file);
    if (v === undefined) {
      sendJson(res, 404, { error: 'Not found' }, head);
      return;
    }
    send(res, 200, 'application/octet-stream', v.tarball.bytes, head);
  };

  const server = createServer((req, res) => {
    requests.push({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      ...(req.headers.accept !== undefined ? { accept: req.headers.accept } : {}),
    });
    const respond = () => {
      try {
        answer(req, res);
      } catch (err) {
        if (!res.headersSent) sendJson(res, 500, { error: String(err) }, false);
        else res.destroy();
      }
    };
    if (delayMs > 0) {
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (!closed) respond();
      }, delayMs);
      pending.add(timer);
    } else {
      respond();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  base = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;

  return {
    url: base,
    requests,
    tarballs,
    setDelay(ms: number) {
      delayMs = Math.max(0, ms);
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      for (const t of pending) clearTimeout(t);
      pending.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function lodashIndex(version: string): string {
  return [
    "'use strict';",
    '// A fake lodash, served by the fixture npm registry.',
    `var VERSION = ${JSON.stringify(version)};`,
    'function identity(value) { return value; }',
    'function chunk(array, size) {',
    '  var out = [];',
    '  for (var i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));',
    '  return out;',
    '}',
    'module.exports = { VERSION: VERSION, identity: identity, chunk: chunk };',
    '',
  ].join('\n');
}

function lodashVersion(version: string): FixtureVersion {
  return {
    files: {
      'index.js': lodashIndex(version),
      'README.md': `# lodash (fixture)\n\nA tiny stand-in for lodash ${version}, for deterministic tests.\n`,
    },
    extra: { description: 'Lodash modular utilities (fixture stand-in).', keywords: ['modules', 'stdlib', 'util'] },
  };
}

/** The packages the tutorial and the install tests need: a fake lodash and a tiny dependency tree. */
export const tutorialPackages: FixturePackage[] = [
  {
    name: 'lodash',
    versions: { '4.17.20': lodashVersion('4.17.20'), '4.17.21': lodashVersion('4.17.21') },
    distTags: { latest: '4.17.21' },
  },
  {
    name: 'fixture-app-dep-a',
    versions: { '1.0.0': { dependencies: { 'fixture-app-dep-b': '^1.0.0' } } },
  },
  {
    name: 'fixture-app-dep-b',
    versions: { '1.0.0': {}, '1.1.0': {} },
  },
  {
    name: '@fixture/scoped-pkg',
    versions: { '1.0.0': { dependencies: { 'fixture-app-dep-a': '^1.0.0' } } },
  },
];
