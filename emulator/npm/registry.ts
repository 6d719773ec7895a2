/**
 * The npm registry protocol at the URL GetRepositoryEndpoint returns:
 *   /<domain>-<owner>/<region>/npm/<repository>/...
 * Packuments (full and abbreviated), tarballs, dist-tags, ping and publish. Every request
 * carries a CodeArtifact authorization token for the domain (Bearer, or Basic aws:<token>).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import semver from 'semver';
import { hashAsset } from '../core/blobs.ts';
import type { ServiceError } from '../core/errors.ts';
import { jsonShapeProblem, NPM_JSON } from '../core/limits.ts';
import type { Services } from '../core/operation.ts';
import { epochSeconds, type DomainRecord, type PackageVersionRecord, type RepositoryRecord } from '../core/store.ts';
import {
  ensurePackage,
  fetchVersion,
  npmFullName,
  npmId,
  NPM_ASSET_NAME,
  resolvePackage,
  tarballName,
  type PackageId,
  type ResolvedPackage,
  type VersionSource,
} from '../packages/graph.ts';
import { danglingGraph, publishRefusal, revokedToken } from './guards.ts';
import { checkTarball } from './tarball.ts';
import { UpstreamError } from './upstream.ts';

const PREFIX = /^\/([a-z][a-z0-9-]{0,48}[a-z0-9])-(\d{12})\/([a-z0-9-]+)\/npm\/([A-Za-z0-9][A-Za-z0-9._-]{1,99})\/(.*)$/;
const ABBREVIATED = 'application/vnd.npm.install-v1+json';

export function isNpmRequest(path: string): boolean {
  return PREFIX.test(path);
}

interface NpmRequest {
  req: IncomingMessage;
  res: ServerResponse;
  body: Buffer;
  domain: DomainRecord;
  repository: RepositoryRecord;
  /** http://host:port/<domain>-<owner>/<region>/npm/<repo>/ as the client addressed it */
  endpoint: string;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(json)), ...headers });
  res.end(json);
}

const error = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) =>
  send(res, status, { error: message }, headers);

/** A modeled error (e.g. a body over the limit) answered on the npm endpoint: npm reads `error`. */
export function sendNpmError(res: ServerResponse, err: ServiceError): void {
  send(res, err.status, { error: err.message, message: err.message }, { 'x-amzn-ErrorType': err.type, ...err.headers });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

export async function handleNpm(services: Services, req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
  const rawPath = (req.url ?? '/').split('?')[0]!;
  const m = PREFIX.exec(rawPath)!;
  const [, domainName, owner, region, repoName, rest] = m as unknown as [string, string, string, string, string, string];
  const realm = `${domainName}/${repoName}`;
  const challenge = { 'www-authenticate': `Bearer realm="${realm}", Basic realm="${realm}"` };

  const token = bearerToken(req.headers.authorization);
  if (!token)
    return error(
      res,
      401,
      `Authentication required for ${realm}: run aws codeartifact login --tool npm, or set an _authToken from get-authorization-token.`,
      challenge,
    );
  if (services.faults.on('reject-tokens'))
    return error(res, 401, `The authorization token was rejected [fault: reject-tokens].`, challenge);
  const check = services.tokens.check(token);
  if (!check.ok) {
    const why = check.reason === 'expired' ? 'has expired' : 'is not a valid CodeArtifact authorization token';
    return error(res, 401, `The authorization token ${why}. Get a new one with aws codeartifact login --tool npm.`, challenge);
  }
  const c = check.claims;
  if (c.domain !== domainName || c.owner !== owner || c.region !== region) {
    return error(
      res,
      401,
      `The authorization token is for domain ${c.domain} (${c.owner}, ${c.region}), not ${domainName} (${owner}, ${region}).`,
      challenge,
    );
  }
  const revoked = revokedToken(services, c);
  if (revoked) return error(res, 401, revoked, challenge);
  const domain = services.store.region(region).domain(owner, domainName);
  const repository = domain?.repositories.get(repoName);
  if (!domain || !repository) return error(res, 404, `Repository ${repoName} not found in domain ${domainName}.`);
  const dangling = danglingGraph(domain, repository);
  if (dangling) return error(res, dangling.status, dangling.message);

  const host = req.headers.host ?? new URL(services.settings.baseUrl()).host;
  const endpoint = `http://${host}${rawPath.slice(0, rawPath.length - rest.length)}`;
  const ctx: NpmRequest = { req, res, body, domain, repository, endpoint };
  const method = req.method ?? 'GET';

  if (rest === '-/ping' || rest.startsWith('-/ping?')) return send(res, 200, {});
  if (rest.startsWith('-/package/')) return distTags(services, ctx, rest.slice('-/package/'.length), method);
  if (rest.startsWith('-/')) return unsupported(res, rest);

  const parsed = parsePackagePath(rest);
  if (!parsed) return error(res, 400, `'${rest}' is not an npm package path.`);
  const { name, tail } = parsed;
  if (method === 'PUT' && tail.length === 0) return putPackument(services, ctx, name);
  if (method === 'DELETE' || tail[0] === '-rev') {
    return error(res, 405, 'CodeArtifact does not support npm unpublish. Use aws codeartifact delete-package-versions instead.');
  }
  if (method !== 'GET' && method !== 'HEAD') return error(res, 405, `${method} is not supported on ${rest}.`);
  if (tail.length === 0) return packument(services, ctx, name);
  if (tail[0] === '-' && tail.length === 2) return tarball(services, ctx, name, tail[1]!);
  if (tail.length === 1) return versionManifest(services, ctx, name, tail[0]!);
  return error(res, 404, `Nothing is served at ${rest}.`);
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  // Exactly "<scheme> <credentials>": anything after the credentials (Bearer <token> junk) is refused.
  const parts = header.trim().split(/\s+/);
  if (parts.length !== 2) return undefined;
  const [scheme, value] = parts as [string, string];
  if (/^bearer$/i.test(scheme!)) return value;
  if (/^basic$/i.test(scheme!)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 && decoded.slice(0, colon) === 'aws' ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/** `lodash`, `@scope/name`, `@scope%2fname`, then any further segments. */
function parsePackagePath(rest: string): { name: string; tail: string[] } | undefined {
  const segments = rest
    .replace(/%2f/gi, '/')
    .split('/')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  const scoped = segments[0]?.startsWith('@');
  const nameParts = scoped ? segments.slice(0, 2) : segments.slice(0, 1);
  if (nameParts.length === 0 || nameParts.some((p) => !p) || (scoped && nameParts.length < 2)) return undefined;
  const name = nameParts.join('/');
  if (!/^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9._~-][\w.~-]*$/i.test(name)) return undefined;
  return { name, tail: segments.slice(nameParts.length).filter((s, i, all) => s !== '' || i < all.length - 1) };
}

function unsupported(res: ServerResponse, rest: string): void {
  const what = rest.startsWith('-/v1/search')
    ? 'npm search'
    : rest.startsWith('-/npm/v1/security')
      ? 'npm audit'
      : rest.startsWith('-/whoami')
        ? 'npm whoami'
        : rest.startsWith('-/user/token') || rest.startsWith('-/v1/tokens')
          ? 'npm logout and npm token (tokens come from aws codeartifact get-authorization-token)'
          : rest.startsWith('-/user/') || rest.startsWith('-/v1/login')
            ? 'npm login / adduser (use aws codeartifact login --tool npm)'
            : rest.startsWith('-/org/') || rest.startsWith('-/team/')
              ? 'npm org and team commands'
              : `the npm endpoint -/${rest.slice(2).split('/')[0]}`;
  error(res, 404, `CodeArtifact does not support ${what}.`);
}

function tarballUrl(endpoint: string, id: PackageId, version: string): string {
  return `${endpoint}${npmFullName(id)}/-/${tarballName(id, version)}`;
}

function dist(endpoint: string, id: PackageId, source: VersionSource) {
  if (source.stored) {
    const h = source.stored.assets[0]!.hashes;
    return {
      tarball: tarballUrl(endpoint, id, source.version),
      shasum: h['SHA-1'],
      integrity: `sha512-${Buffer.from(h['SHA-512'], 'hex').toString('base64')}`,
    };
  }
  const upstream = source.external!.manifest.dist;
  return {
    tarball: tarballUrl(endpoint, id, source.version),
    ...(upstream.shasum ? { shasum: upstream.shasum } : {}),
    ...(upstream.integrity ? { integrity: upstream.integrity } : {}),
  };
}

function manifestOf(source: VersionSource): Record<string, unknown> {
  if (source.stored) return source.stored.manifest;
  const { dist: _d, ...rest } = source.external!.manifest;
  return rest;
}

const ABBREVIATED_FIELDS = [
  'name',
  'version',
  'deprecated',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'bundleDependencies',
  'bundledDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bin',
  'directories',
  'engines',
  'cpu',
  'os',
  'libc',
  'funding',
  'license',
  '_hasShrinkwrap',
  'hasInstallScript',
];

async function resolveOr404(services: Services, ctx: NpmRequest, name: string): Promise<ResolvedPackage | undefined> {
  const resolved = await resolvePackage(services, ctx.domain, ctx.repository, npmId(name));
  if (resolved.versions.size === 0) {
    if (resolved.externalError) {
      error(ctx.res, 502, `${name} could not be fetched through the external connection: ${resolved.externalError.message}`);
    } else {
      error(
        ctx.res,
        404,
        `${name} is not in repository ${ctx.repository.name} or its upstreams (searched: ${resolved.searched.join(', ')}).`,
      );
    }
    return undefined;
  }
  return resolved;
}

async function packument(services: Services, ctx: NpmRequest, name: string): Promise<void> {
  const resolved = await resolveOr404(services, ctx, name);
  if (!resolved) return;
  const abbreviated = String(ctx.req.headers.accept ?? '').includes(ABBREVIATED);
  const versions: Record<string, unknown> = {};
  const time: Record<string, string> = {};
  let modified = 0;
  const sorted = [...resolved.versions.values()].sort((a, b) =>
    semver.valid(a.version) && semver.valid(b.version) ? semver.compare(a.version, b.version) : a.version.localeCompare(b.version),
  );
  for (const source of sorted) {
    const manifest = manifestOf(source);
    const base = abbreviated ? Object.fromEntries(ABBREVIATED_FIELDS.filter((f) => f in manifest).map((f) => [f, manifest[f]])) : manifest;
    versions[source.version] = { ...base, name, version: source.version, dist: dist(ctx.endpoint, resolved.id, source) };
    const upstreamTime = source.external?.publishedAt ? Date.parse(source.external.publishedAt) : NaN;
    const published = source.stored ? source.stored.publishedTime * 1000 : Number.isFinite(upstreamTime) ? upstreamTime : Date.now();
    time[source.version] = new Date(published).toISOString();
    modified = Math.max(modified, published);
  }
  const distTags = { ...resolved.distTags };
  if (!distTags.latest) {
    const latest = semver.maxSatisfying(Object.keys(versions), '*') ?? sorted.at(-1)?.version;
    if (latest) distTags.latest = latest;
  }
  const body = abbreviated
    ? { name, modified: new Date(modified).toISOString(), 'dist-tags': distTags, versions }
    : {
        _id: name,
        name,
        'dist-tags': distTags,
        versions,
        time: { created: time[sorted[0]!.version], modified: new Date(modified).toISOString(), ...time },
        ...(resolved.readme !== undefined ? { readme: resolved.readme } : {}),
      };
  send(ctx.res, 200, body, { 'content-type': abbreviated ? ABBREVIATED : 'application/json' });
}

async function versionManifest(services: Services, ctx: NpmRequest, name: string, spec: string): Promise<void> {
  const resolved = await resolveOr404(services, ctx, name);
  if (!resolved) return;
  const version =
    resolved.distTags[spec] ?? (resolved.versions.has(spec) ? spec : semver.maxSatisfying([...resolved.versions.keys()], spec));
  const source = version ? resolved.versions.get(version) : undefined;
  if (!source) return error(ctx.res, 404, `${name}@${spec} is not available in ${ctx.repository.name}.`);
  send(ctx.res, 200, { ...manifestOf(source), name, version: source.version, dist: dist(ctx.endpoint, resolved.id, source) });
}

async function tarball(services: Services, ctx: NpmRequest, name: string, file: string): Promise<void> {
  const id = npmId(name);
  const prefix = `${id.name}-`;
  if (!file.startsWith(prefix) || !file.endsWith('.tgz')) return error(ctx.res, 404, `${file} is not a tarball of ${name}.`);
  const version = file.slice(prefix.length, -'.tgz'.length);
  const resolved = await resolvePackage(services, ctx.domain, ctx.repository, id);
  const source = resolved.versions.get(version);
  if (!source) {
    if (resolved.externalError) return error(ctx.res, 502, `${name}@${version} could not be fetched: ${resolved.externalError.message}`);
    return error(ctx.res, 404, `${name}@${version} is not in repository ${ctx.repository.name} or its upstreams.`);
  }
  let fetched: Awaited<ReturnType<typeof fetchVersion>>;
  try {
    fetched = await fetchVersion(services, ctx.repository, resolved, source);
  } catch (err) {
    if (err instanceof UpstreamError) return error(ctx.res, 502, `${name}@${version}: ${err.message}`);
    throw err;
  }
  if (!fetched) return error(ctx.res, 404, `The tarball of ${name}@${version} is missing from the store.`);
  ctx.res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(fetched.bytes.length) });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : fetched.bytes);
}

interface PublishBody {
  name?: string;
  versions?: Record<string, Record<string, unknown> & { dist?: { integrity?: string; shasum?: string } }>;
  'dist-tags'?: Record<string, string>;
  readme?: string;
  _attachments?: Record<string, { data?: string; length?: number }>;
}

/** A PUT of a packument is a publish when it carries a tarball, else a metadata edit (npm deprecate). */
async function putPackument(services: Services, ctx: NpmRequest, name: string): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(ctx.body.toString('utf8'));
  } catch {
    return error(ctx.res, 400, 'The request body is not JSON.');
  }
  if (!isObject(parsed)) return error(ctx.res, 400, `The request body must be a JSON object (a packument); it is ${describe(parsed)}.`);
  const problem = jsonShapeProblem(parsed, NPM_JSON);
  if (problem) return error(ctx.res, 400, `The packument cannot be handled: ${problem}.`);
  for (const member of ['versions', '_attachments', 'dist-tags'] as const) {
    if (parsed[member] !== undefined && !isObject(parsed[member])) {
      return error(ctx.res, 400, `'${member}' must be a JSON object; it is ${describe(parsed[member])}.`);
    }
  }
  const body = parsed as PublishBody;
  if (Object.keys(body._attachments ?? {}).length === 0) return deprecate(services, ctx, name, body);
  return publish(services, ctx, name, body);
}

/** npm deprecate sends the whole packument back with `deprecated` set on some versions. */
async function deprecate(services: Services, ctx: NpmRequest, name: string, body: PublishBody): Promise<void> {
  const id = npmId(name);
  const pkg = ctx.repository.packages.get(`npm:${id.namespace ?? ''}:${id.name}`);
  if (!pkg) return error(ctx.res, 404, `${name} has no versions stored in ${ctx.repository.name}; only stored versions can be deprecated.`);
  let changed = 0;
  for (const [version, manifest] of Object.entries(body.versions ?? {})) {
    const stored = pkg.versions.get(version);
    if (!stored || !isObject(manifest)) continue;
    const message = (manifest as { deprecated?: unknown }).deprecated;
    if (typeof message === 'string' && message !== '') stored.manifest = { ...stored.manifest, deprecated: message };
    else if (message === undefined || message === '') {
      const { deprecated: _d, ...rest } = stored.manifest;
      stored.manifest = rest;
    } else continue;
    changed++;
  }
  if (changed === 0) return error(ctx.res, 400, `The request changed no version of ${name} stored in ${ctx.repository.name}.`);
  await services.changed();
  send(ctx.res, 200, { ok: true, id: name });
}

/**
 * A publish, checked as a registry checks it: exactly the one version named in the URL, its
 * manifest naming the same package and version, dist-tags naming versions, a gzip tarball
 * holding package/package.json for that package and version, a sha512 integrity (and a shasum,
 * if sent) that match the bytes. Each problem is a 400 that names it; nothing is stored then.
 */
async function publish(services: Services, ctx: NpmRequest, name: string, body: PublishBody): Promise<void> {
  const bad = (message: string) => error(ctx.res, 400, `Cannot publish ${name}: ${message}`);
  if (body.name !== name) return bad(`the packument's name is ${JSON.stringify(body.name ?? null)?.slice(0, 100)}, not '${name}'.`);
  const versions = Object.entries(body.versions ?? {});
  if (versions.length !== 1) {
    return bad(`'versions' must hold exactly the version being published; it holds ${versions.length}.`);
  }
  const [version, manifest] = versions[0]!;
  if (!semver.valid(version)) return bad(`'${version.slice(0, 100)}' is not a valid semver version.`);
  if (!isObject(manifest))
    return bad(`versions['${version}'] must be a JSON object (the version's manifest); it is ${describe(manifest)}.`);
  if (manifest.name !== name || manifest.version !== version) {
    return bad(
      `versions['${version}'] names ${String(manifest.name).slice(0, 100)}@${String(manifest.version).slice(0, 100)}, not ${name}@${version}.`,
    );
  }
  const attachments = Object.values(body._attachments ?? {});
  if (attachments.length !== 1) return bad(`'_attachments' must hold exactly one tarball; it holds ${attachments.length}.`);
  const attachment = attachments[0] as unknown;
  if (!isObject(attachment) || typeof attachment.data !== 'string' || attachment.data === '') {
    return bad(`the attachment must be an object whose 'data' is the tarball in base64.`);
  }
  const distTags = body['dist-tags'] ?? { latest: version };
  for (const [tag, target] of Object.entries(distTags)) {
    if (tag === '' || tag.length > 256 || semver.validRange(tag)) {
      return bad(`'${tag.slice(0, 100)}' cannot be a dist-tag (a tag must be a non-empty name that is not a version range).`);
    }
    if (typeof target !== 'string' || !semver.valid(target)) {
      return bad(
        `dist-tags['${tag}'] must be a semver version string; it is ${typeof target === 'string' ? `'${target.slice(0, 100)}'` : describe(target)}.`,
      );
    }
  }
  const dist = manifest.dist;
  if (!isObject(dist)) return bad(`versions['${version}'].dist must be an object with the tarball's integrity; it is ${describe(dist)}.`);
  const integrity = typeof dist.integrity === 'string' ? dist.integrity : undefined;
  const sha512s = (integrity ?? '').split(/\s+/).filter((h) => h.startsWith('sha512-'));
  if (sha512s.length === 0) {
    return bad(
      `dist.integrity must be a sha512 integrity (sha512-<base64>); it is ${integrity === undefined ? describe(dist.integrity) : `'${integrity.slice(0, 100)}'`}.`,
    );
  }
  if (dist.shasum !== undefined && (typeof dist.shasum !== 'string' || !/^[0-9a-f]{40}$/i.test(dist.shasum))) {
    return bad(`dist.shasum must be a hex SHA-1 digest when it is sent.`);
  }

  const id = npmId(name);
  const existingPackage = () => ctx.repository.packages.get(`npm:${id.namespace ?? ''}:${id.name}`);
  const conflictOrBlocked = (): boolean => {
    const existing = existingPackage();
    if (existing?.originConfiguration.restrictions.publish === 'BLOCK') {
      error(
        ctx.res,
        403,
        `Publishing ${name} to ${ctx.repository.name} is blocked by the package's origin configuration (publish=BLOCK). Change it with aws codeartifact put-package-origin-configuration.`,
      );
      return true;
    }
    if (existing?.versions.has(version)) {
      error(ctx.res, 409, `${name}@${version} already exists in ${ctx.repository.name}; versions cannot be published over.`);
      return true;
    }
    return false;
  };
  if (conflictOrBlocked()) return;
  for (const target of Object.values(distTags)) {
    if (target !== version && !existingPackage()?.versions.has(target)) {
      return bad(`a dist-tag points at ${target}, which is neither the version being published nor stored in ${ctx.repository.name}.`);
    }
  }
  // Refused as AWS refuses it: the version exists upstream or through the external connection, or a package group blocks publishing.
  const refusal = await publishRefusal(services, ctx.domain, ctx.repository, id, version);
  if (refusal) return error(ctx.res, refusal.status, refusal.message);

  const bytes = Buffer.from(attachment.data, 'base64');
  if (attachment.length !== undefined && attachment.length !== bytes.length) {
    return bad(`the attachment's length says ${String(attachment.length).slice(0, 30)} bytes but its data holds ${bytes.length}.`);
  }
  const asset = hashAsset(NPM_ASSET_NAME, bytes);
  const actual = Buffer.from(asset.hashes['SHA-512'], 'hex').toString('base64');
  if (sha512s.some((h) => h.slice('sha512-'.length) !== actual)) {
    return bad(`the attached tarball does not match the integrity ${integrity!.slice(0, 200)} declared for ${name}@${version}.`);
  }
  if (typeof dist.shasum === 'string' && dist.shasum.toLowerCase() !== asset.hashes['SHA-1']) {
    return bad(`the attached tarball does not match the shasum ${dist.shasum} declared for ${name}@${version}.`);
  }
  const tarball = await checkTarball(bytes);
  if (!tarball.ok) return bad(`the attached tarball ${tarball.problem}.`);
  if (tarball.packageJson.name !== name || tarball.packageJson.version !== version) {
    return bad(
      `the tarball's package/package.json is for ${String(tarball.packageJson.name).slice(0, 100)}@${String(tarball.packageJson.version).slice(0, 100)}, not ${name}@${version}.`,
    );
  }
  // The checks above took time: another publish of this version may have landed meanwhile.
  if (conflictOrBlocked()) return;

  services.blobs.put(asset.hashes['SHA-512'], bytes);
  const { dist: _d, _id, _nodeVersion, _npmVersion, ...clean } = manifest;
  void _d;
  void _id;
  void _nodeVersion;
  void _npmVersion;
  const record: PackageVersionRecord = {
    version,
    revision: randomUUID(),
    status: 'Published',
    publishedTime: epochSeconds(),
    manifest: clean,
    assets: [asset],
    origin: { domainEntryPoint: { repositoryName: ctx.repository.name }, originType: 'INTERNAL' },
    visibleAt: Date.now(),
    ...(typeof body.readme === 'string' ? { readme: body.readme } : {}),
  };
  const pkg = ensurePackage(ctx.repository, id, 'published');
  pkg.versions.set(version, record);
  for (const [tag, v] of Object.entries(distTags)) pkg.distTags[tag] = v;
  // Acknowledged only once it is on disk (with --data-dir).
  await services.changed();
  send(ctx.res, 200, { ok: true, id: name });
}

/** -/package/<name>/dist-tags[/<tag>] : npm dist-tag ls / add / rm on the repository's own package. */
async function distTags(services: Services, ctx: NpmRequest, rest: string, method: string): Promise<void> {
  const m = /^(.+?)\/dist-tags(?:\/([^/]+))?$/.exec(rest.replace(/%2f/gi, '/'));
  if (!m) return error(ctx.res, 404, `Nothing is served at -/package/${rest}.`);
  const name = safeDecode(m[1]!);
  const tag = m[2] ? safeDecode(m[2]) : undefined;
  if (method === 'GET') {
    const resolved = await resolveOr404(services, ctx, name);
    if (resolved) send(ctx.res, 200, resolved.distTags);
    return;
  }
  const id = npmId(name);
  const pkg = ctx.repository.packages.get(`npm:${id.namespace ?? ''}:${id.name}`);
  if (!pkg || !tag) return error(ctx.res, 404, `${name} has no versions stored in ${ctx.repository.name}.`);
  if (method === 'PUT') {
    let version: unknown;
    try {
      version = JSON.parse(ctx.body.toString('utf8'));
    } catch {
      return error(ctx.res, 400, 'The dist-tag body must be a JSON string naming a version.');
    }
    // Checked before anything stringifies it: String() of JSON nested thousands deep overflows the stack.
    if (typeof version !== 'string')
      return error(ctx.res, 400, `The dist-tag body must be a JSON string naming a version; it is ${describe(version)}.`);
    if (!pkg.versions.has(version)) return error(ctx.res, 404, `${name}@${version.slice(0, 100)} is not stored in ${ctx.repository.name}.`);
    pkg.distTags[tag] = version;
  } else if (method === 'DELETE') {
    delete pkg.distTags[tag];
  } else {
    return error(ctx.res, 405, `${method} is not supported on dist-tags.`);
  }
  await services.changed();
  send(ctx.res, 200, pkg.distTags);
}
