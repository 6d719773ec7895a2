/**
 * Property-based fuzzing of both planes with fast-check, seeded and bounded: signed (and
 * unsigned, and wrongly signed) control-plane requests with arbitrary query strings and JSON
 * bodies for every operation of the table in emulator/operations.ts, and npm requests with
 * odd paths, methods, headers and bodies (publish-shaped and not). The property: no answer is
 * a 5xx and the connection is never dropped. Afterwards the tutorial's calls must still work.
 * Traffic goes to a local emulator only.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { operations } from '../../../emulator/operations.ts';
import { ACCOUNT, json, npmPath, REGION, Wire, wellFormed, type WireRequest } from './wire.ts';

export const FUZZ_DOMAINS = ['fuzz-a', 'fuzz-b'];
export const FUZZ_REPOSITORIES = ['my-repo', 'npm-store', 'other'];

export interface FuzzOptions {
  count: number;
  seed: number;
  timeLimitMs: number;
  /** The emulator's process id, for its peak RSS (VmHWM). */
  pid?: number;
}

export interface FuzzReport {
  seed: number;
  requests: number;
  byStatus: Record<string, number>;
  serverErrors: { request: string; status: number; body: string }[];
  connectionErrors: string[];
  counterexample?: string;
  durationMs: number;
  peakRssMb?: number;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '%',
  '%zz',
  '../..',
  '🙂',
  '\ud800',
  'a'.repeat(101),
  'x'.repeat(5000),
  'null',
  '-1',
  '1e309',
  'public:npmjs',
  'arn:aws:codeartifact:us-east-1:000000000000:domain/fuzz-a',
  `arn:aws:codeartifact:us-east-1:000000000000:repository/fuzz-a/my-repo`,
  'npm',
  'generic',
  'lodash',
  '4.17.21',
  '000000000000',
  '111122223333',
  'true',
);

/** Names that exist (so that handlers get past "not found"), plausible names, and junk. */
const nameArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FUZZ_DOMAINS, ...FUZZ_REPOSITORIES) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}[a-z0-9]$/) },
  { weight: 2, arbitrary: nasty },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

const deepJson = fc
  .integer({ min: 1, max: 6000 })
  .chain((depth) => fc.constantFrom(`${'['.repeat(depth)}${']'.repeat(depth)}`, `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nameArb },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.record({ key: nameArb, value: nameArb }), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.array(fc.record({ repositoryName: nameArb }), { maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, 0, -1, 1e21, [], {}, 'x'.repeat(3000)) },
);

/** Input member names of an operation's schema (zod object), for bodies that look right. */
function memberNames(op: (typeof operations)[number]): string[] {
  const schema = op.input as unknown as { shape?: Record<string, unknown> };
  const fromSchema = schema.shape ? Object.keys(schema.shape) : [];
  const inQuery = new Set(Object.keys(op.query ?? {}));
  return fromSchema.filter((m) => !inQuery.has(m));
}

const COMMON_MEMBERS = [
  'tags',
  'upstreams',
  'description',
  'policyDocument',
  'encryptionKey',
  'versions',
  'versionRevisions',
  'restrictions',
  'expectedStatus',
];

const controlArb: fc.Arbitrary<WireRequest> = fc
  .constantFrom(...operations)
  .chain((op) => {
    const members = [...new Set([...memberNames(op), ...COMMON_MEMBERS])];
    const model = Object.fromEntries(Object.values(op.query ?? {}).map((name) => [name, nameArb]));
    // Mostly every query member present (so that handlers run), sometimes any of them missing.
    const query = fc.oneof(
      { weight: 4, arbitrary: fc.record(model) },
      { weight: 1, arbitrary: fc.record(model, { requiredKeys: [] }) },
    ) as fc.Arbitrary<Record<string, string>>;
    const extraQuery = fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 30 }), { maxKeys: 2 });
    const objectBody = fc
      .dictionary(fc.oneof(fc.constantFrom(...members), fc.string({ maxLength: 10 })), valueArb, { maxKeys: 5 })
      .map((o) => JSON.stringify(o));
    const body = fc.oneof(
      { weight: 6, arbitrary: objectBody },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null') },
      { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
      { weight: 1, arbitrary: deepJson.map((d) => `{"tags":${d}}`) },
      { weight: 1, arbitrary: fc.constant(JSON.stringify({ description: 'd'.repeat(1_500_000) })) },
    );
    return fc.record({
      method: fc.oneof(
        { weight: 9, arbitrary: fc.constant(op.method as string) },
        { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH') },
      ),
      path: fc.oneof(
        { weight: 9, arbitrary: fc.constant(op.path) },
        { weight: 1, arbitrary: fc.constantFrom(`${op.path}/x`, '/v1/nope', '/', '/v1/%zz', '//v1/domain') },
      ),
      query: fc.tuple(query, extraQuery).map(([a, b]) => ({ ...b, ...a })),
      body,
      sign: fc.oneof(
        { weight: 12, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant('wrong' as const) },
      ),
    });
  })
  .map((r) => ({ ...r, ...(r.body === undefined ? { body: undefined } : {}) }) as WireRequest);

/** A small valid npm tarball (package/package.json) for publish-shaped bodies. */
function tarballOf(name: string, version: string): Buffer {
  // ustar: one header for package/package.json, its data, two zero blocks; gzip.
  const data = Buffer.from(JSON.stringify({ name, version }));
  const header = Buffer.alloc(512);
  header.write('package/package.json', 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\u000000', 257);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const body = Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512), Buffer.alloc(1024)]);
  return gzipSync(body);
}

const packageNameArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('lodash', 'fuzz-pkg', '@fixture/scoped-pkg', 'fixture-app-dep-b', '@fuzz/pkg') },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-z0-9.-]{0,10}$/) },
  { weight: 1, arbitrary: nasty },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((n) => encodeURIComponent(wellFormed(n))) },
);

function publishArb(): fc.Arbitrary<{ body: string; name: string }> {
  return fc
    .record({
      name: fc.constantFrom('fuzz-pkg', '@fuzz/pkg', 'other-pkg'),
      version: fc.oneof(fc.constantFrom('1.0.0', '1.0.1', '2.0.0-beta.1'), fc.string({ maxLength: 8 })),
      mutation: fc.constantFrom(
        'none',
        'integrity',
        'no-dist',
        'tags-string',
        'tags-bad',
        'null-version',
        'not-gzip',
        'two-versions',
        'name',
        'length',
        'shasum',
        'deep',
      ),
      extra: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    })
    .map(({ name, version, mutation, extra }) => {
      let bytes = tarballOf(name, version);
      if (mutation === 'not-gzip') bytes = Buffer.from('not a tarball');
      const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
      const manifest: Record<string, unknown> = {
        ...extra,
        name,
        version,
        dist: { integrity, shasum: createHash('sha1').update(bytes).digest('hex') },
      };
      const doc: Record<string, unknown> = {
        _id: name,
        name,
        'dist-tags': { latest: version },
        versions: { [version]: manifest },
        _attachments: { [`${name}-${version}.tgz`]: { data: bytes.toString('base64'), length: bytes.length } },
      };
      if (mutation === 'integrity') (manifest.dist as Record<string, unknown>).integrity = 'sha1-abc';
      if (mutation === 'no-dist') delete manifest.dist;
      if (mutation === 'tags-string') doc['dist-tags'] = version;
      if (mutation === 'tags-bad') doc['dist-tags'] = { latest: { nested: [1] } };
      if (mutation === 'null-version') (doc.versions as Record<string, unknown>)[version] = null;
      if (mutation === 'two-versions') (doc.versions as Record<string, unknown>)['9.9.9'] = manifest;
      if (mutation === 'name') doc.name = 'someone-else';
      if (mutation === 'length') (Object.values(doc._attachments as object)[0] as Record<string, unknown>).length = -1;
      if (mutation === 'shasum') (manifest.dist as Record<string, unknown>).shasum = 'z'.repeat(40);
      if (mutation === 'deep') manifest.deep = JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`);
      return { body: JSON.stringify(doc), name };
    });
}

function npmArb(token: (domain: string) => string): fc.Arbitrary<WireRequest> {
  const auth = fc.oneof(
    { weight: 8, arbitrary: fc.constant('valid') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        'Bearer',
        'Bearer x.y',
        'Basic !!!',
        `Basic ${Buffer.from('aws:nope').toString('base64')}`,
        'Digest abc',
      ),
    },
  );
  const tail = fc.oneof(
    fc.constant(''),
    fc.constant('/'),
    fc.tuple(fc.constantFrom('1.0.0', 'latest', '^1', 'x'.repeat(300), '%zz'), fc.constant('')).map(([v]) => `/${v}`),
    packageNameArb.map((n) => `/-/${n}-1.0.0.tgz`),
    fc.string({ maxLength: 20 }).map((s) => `/${s}`),
  );
  const path = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(fc.constantFrom(...FUZZ_DOMAINS), fc.constantFrom(...FUZZ_REPOSITORIES), packageNameArb, tail)
        .map(([d, r, n, t]) => `${npmPath(d, r)}${n}${t}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...FUZZ_DOMAINS),
          fc.constantFrom(...FUZZ_REPOSITORIES),
          fc.constantFrom(
            '-/ping',
            '-/whoami',
            '-/v1/search?text=x',
            '-/package/fuzz-pkg/dist-tags',
            '-/package/fuzz-pkg/dist-tags/beta',
            '-/package/%zz/dist-tags/x',
            '-/npm/v1/security/audits',
            '-/',
          ),
        )
        .map(([d, r, rest]) => `${npmPath(d, r)}${rest}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(nameArb, nameArb)
        .map(
          ([d, r]) =>
            `/${encodeURIComponent(wellFormed(String(d)))}-${ACCOUNT}/${REGION}/npm/${encodeURIComponent(wellFormed(String(r)))}/x`,
        ),
    },
  );
  const body = fc.oneof(
    { weight: 3, arbitrary: publishArb().map((p) => p.body) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'null',
        '"1.0.0"',
        '[]',
        '{}',
        '{"versions":{"1.0.0":null}}',
        '{"_attachments":"x"}',
        '{"dist-tags":"latest"}',
        'not json',
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: deepJson },
  );
  return fc
    .record({
      method: fc.constantFrom('GET', 'GET', 'PUT', 'HEAD', 'DELETE', 'POST'),
      path,
      auth,
      body,
      accept: fc.constantFrom(undefined, 'application/vnd.npm.install-v1+json', '*/*', '\u00ff'),
    })
    .map(({ method, path, auth, body, accept }) => {
      const headers: Record<string, string> = {};
      if (auth === 'valid')
        headers.authorization = `Bearer ${token(FUZZ_DOMAINS.find((d) => path.startsWith(`/${d}-`)) ?? FUZZ_DOMAINS[0]!)}`;
      else if (auth !== '') headers.authorization = auth;
      if (accept !== undefined && /^[\x20-\x7e]*$/.test(accept)) headers.accept = accept;
      const withBody = method === 'PUT' || method === 'POST';
      return { method, path, headers, sign: false, ...(withBody ? { body } : {}) } as WireRequest;
    });
}

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

const describeRequest = (r: WireRequest) =>
  `${r.method} ${r.path}${r.query && Object.keys(r.query).length ? `?${Wire.queryString(r.query)}` : ''} sign=${String(r.sign ?? true)} body=${
    r.body === undefined
      ? '-'
      : String(r.body).length > 300
        ? `${String(r.body).slice(0, 300)}... (${String(r.body).length} chars)`
        : String(r.body)
  }`;

/** Creates the fuzz domains and repositories again where a fuzzed call removed them (ignoring 409s). */
export async function ensureFuzzResources(wire: Wire): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  for (const domain of FUZZ_DOMAINS) {
    await wire.send({ method: 'POST', path: '/v1/domain', query: { domain }, body: '{}' });
    for (const repository of FUZZ_REPOSITORIES) {
      await wire.send({ method: 'POST', path: '/v1/repository', query: { domain, repository }, body: '{}' });
    }
  }
  for (const domain of FUZZ_DOMAINS) {
    const token = await wire.send({ method: 'POST', path: '/v1/authorization-token', query: { domain } });
    tokens.set(domain, String(json(token).authorizationToken ?? ''));
  }
  return tokens;
}

export function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

export async function fuzzEmulator(wire: Wire, options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const report: FuzzReport = { seed: options.seed, requests: 0, byStatus: {}, serverErrors: [], connectionErrors: [], durationMs: 0 };
  let tokens = await ensureFuzzResources(wire);
  const requestArb = fc.oneof(
    controlArb,
    npmArb((domain) => tokens.get(domain) ?? ''),
  );
  const property = fc.asyncProperty(requestArb, async (request) => {
    if (report.requests > 0 && report.requests % 500 === 0) tokens = await ensureFuzzResources(wire);
    report.requests++;
    let status: number;
    try {
      const answer = await wire.send(request);
      status = answer.status;
      if (status >= 500)
        report.serverErrors.push({ request: describeRequest(request), status, body: answer.body.toString('utf8').slice(0, 500) });
    } catch (err) {
      report.connectionErrors.push(`${describeRequest(request)}: ${(err as Error).message}`);
      return false;
    }
    report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
    return status < 500;
  });
  const details = await fc.check(property, {
    seed: options.seed,
    numRuns: options.count,
    interruptAfterTimeLimit: options.timeLimitMs,
    markInterruptAsFailure: false,
    // Shrinking re-sends requests; a few hundred are enough for a small counterexample.
    endOnFailure: false,
    maxSkipsPerRun: 0,
  });
  if (details.failed && details.counterexample) report.counterexample = describeRequest(details.counterexample[0] as WireRequest);
  report.durationMs = Date.now() - started;
  report.peakRssMb = peakRssMb(options.pid);
  return report;
}

/** The tutorial's calls, made afresh after the fuzzing; throws naming the call that failed. */
export async function tutorialStillWorks(wire: Wire): Promise<void> {
  const domain = `after-fuzz-${Date.now().toString(36)}`;
  const step = async (what: string, r: WireRequest) => {
    const a = await wire.send(r);
    if (a.status !== 200) throw new Error(`After fuzzing, ${what} answered ${a.status}: ${a.body.toString('utf8').slice(0, 300)}`);
    return json(a);
  };
  await step('create-domain', { method: 'POST', path: '/v1/domain', query: { domain }, body: '{}' });
  await step('create-repository my-repo', { method: 'POST', path: '/v1/repository', query: { domain, repository: 'my-repo' }, body: '{}' });
  await step('create-repository npm-store', {
    method: 'POST',
    path: '/v1/repository',
    query: { domain, repository: 'npm-store' },
    body: '{}',
  });
  await step('associate-external-connection', {
    method: 'POST',
    path: '/v1/repository/external-connection',
    query: { domain, repository: 'npm-store', 'external-connection': 'public:npmjs' },
  });
  await step('update-repository --upstreams', {
    method: 'PUT',
    path: '/v1/repository',
    query: { domain, repository: 'my-repo' },
    body: JSON.stringify({ upstreams: [{ repositoryName: 'npm-store' }] }),
  });
  const { authorizationToken } = await step('get-authorization-token', {
    method: 'POST',
    path: '/v1/authorization-token',
    query: { domain },
  });
  const { repositoryEndpoint } = await step('get-repository-endpoint', {
    method: 'GET',
    path: '/v1/repository/endpoint',
    query: { domain, repository: 'my-repo', format: 'npm' },
  });
  const endpoint = new URL(String(repositoryEndpoint));
  const packument = await wire.send({
    method: 'GET',
    path: `${endpoint.pathname}lodash`,
    headers: { authorization: `Bearer ${String(authorizationToken)}` },
    sign: false,
  });
  if (packument.status !== 200 || !(json(packument).versions as Record<string, unknown> | undefined)?.['4.17.21']) {
    throw new Error(`After fuzzing, lodash through my-repo answered ${packument.status}: ${packument.body.toString('utf8').slice(0, 300)}`);
  }
}
