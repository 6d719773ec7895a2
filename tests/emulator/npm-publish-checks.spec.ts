/**
 * npm publish, checked as a registry checks it. Each malformed publish is a 400 whose message
 * names the problem, and leaves nothing behind; a body that is not a packument (null, a null
 * version, a string for dist-tags) is a 400, never a 500; the well-formed publish after them
 * is stored and served byte for byte.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateDomainCommand, CreateRepositoryCommand, GetAuthorizationTokenCommand } from '@aws-sdk/client-codeartifact';
import { expect, test, uniqueName } from './fixtures.ts';
import { npmTarball } from './npm-tarball.ts';
import { create as createTar } from 'tar';
import { npmPath, Wire } from './robustness/wire.ts';

const integrityOf = (bytes: Buffer, alg = 'sha512') => `${alg}-${createHash(alg).update(bytes).digest('base64')}`;
const shasumOf = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');

/** The packument `npm publish` sends for name@version with these tarball bytes. */
function publishBody(name: string, version: string, bytes: Buffer): Record<string, any> {
  return {
    _id: name,
    name,
    'dist-tags': { latest: version },
    versions: {
      [version]: {
        name,
        version,
        main: 'index.js',
        dist: { integrity: integrityOf(bytes), shasum: shasumOf(bytes), tarball: `http://x/${name}/-/${name}-${version}.tgz` },
      },
    },
    _attachments: {
      [`${name}-${version}.tgz`]: { content_type: 'application/octet-stream', data: bytes.toString('base64'), length: bytes.length },
    },
  };
}

test('malformed publishes get a 400 naming the problem and store nothing; the good one is stored', async ({
  emulator,
  codeartifact,
  cleanup,
}) => {
  const domain = cleanup.track(codeartifact, uniqueName('pub'));
  const wire = new Wire(emulator.url);
  try {
    await codeartifact.send(new CreateDomainCommand({ domain }));
    await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'repo' }));
    const { authorizationToken } = await codeartifact.send(new GetAuthorizationTokenCommand({ domain }));
    const base = npmPath(domain, 'repo');
    const headers = { authorization: `Bearer ${authorizationToken}`, 'content-type': 'application/json' };
    const put = (name: string, body: unknown) =>
      wire.send({
        method: 'PUT',
        path: `${base}${name}`,
        headers,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        sign: false,
      });

    const name = 'checked-pkg';
    const good = npmTarball({ name, version: '1.0.0' });
    const mutate = (change: (b: Record<string, any>) => void, bytes = good) => {
      const b = publishBody(name, '1.0.0', bytes);
      change(b);
      return b;
    };
    const notGzip = Buffer.from('just some bytes, not a tarball');
    const gzipNotTar = gzipSync(Buffer.from('plain text inside gzip, no tar headers here '.repeat(20)));
    const tarWithoutManifest = (() => {
      const dir = mkdtempSync(path.join(tmpdir(), 'publish-'));
      mkdirSync(path.join(dir, 'package'));
      writeFileSync(path.join(dir, 'package', 'index.js'), '1');
      const file = path.join(dir, 'out.tgz');
      createTar({ gzip: true, cwd: dir, sync: true, file }, ['package']);
      const bytes = readFileSync(file);
      rmSync(dir, { recursive: true, force: true });
      return bytes;
    })();
    const otherPackage = npmTarball({ name: 'someone-else', version: '1.0.0' });

    const cases: [string, unknown, RegExp][] = [
      ['body null', 'null', /must be a JSON object.*null/],
      ['body a string', '"hello"', /must be a JSON object/],
      ['a null version entry', mutate((b) => (b.versions['1.0.0'] = null)), /versions\['1\.0\.0'\] must be a JSON object.*null/],
      ['versions null with an attachment', mutate((b) => (b.versions = null)), /'versions' must be a JSON object/],
      ['dist-tags as a string', mutate((b) => (b['dist-tags'] = '1.0.0')), /'dist-tags' must be a JSON object.*string/],
      [
        'a dist-tag that is not a version',
        mutate((b) => (b['dist-tags'] = { latest: 'soon' })),
        /dist-tags\['latest'\] must be a semver version/,
      ],
      ['a dist-tag pointing nowhere', mutate((b) => (b['dist-tags'] = { latest: '1.0.0', next: '9.9.9' })), /points at 9\.9\.9/],
      [
        'two versions',
        mutate((b) => (b.versions['1.0.1'] = { ...b.versions['1.0.0'], version: '1.0.1' })),
        /exactly the version being published; it holds 2/,
      ],
      [
        'a manifest for another version',
        mutate((b) => (b.versions['1.0.0'].version = '2.0.0')),
        /names checked-pkg@2\.0\.0, not checked-pkg@1\.0\.0/,
      ],
      ['no attachment data', mutate((b) => (b._attachments[`${name}-1.0.0.tgz`].data = 42)), /'data' is the tarball in base64/],
      [
        'an integrity that is not sha512',
        mutate((b) => (b.versions['1.0.0'].dist.integrity = integrityOf(good, 'sha1'))),
        /must be a sha512 integrity.*sha1-/,
      ],
      ['no integrity', mutate((b) => delete b.versions['1.0.0'].dist.integrity), /must be a sha512 integrity/],
      [
        'an integrity of other bytes',
        mutate((b) => (b.versions['1.0.0'].dist.integrity = integrityOf(Buffer.from('other')))),
        /does not match the integrity/,
      ],
      ['a wrong shasum', mutate((b) => (b.versions['1.0.0'].dist.shasum = shasumOf(Buffer.from('other')))), /does not match the shasum/],
      ['a wrong attachment length', mutate((b) => (b._attachments[`${name}-1.0.0.tgz`].length = 3)), /length says 3 bytes/],
      ['a tarball that is not gzip', mutate(() => {}, notGzip), /is not gzip-compressed/],
      ['gzip that is not a tar', mutate(() => {}, gzipNotTar), /not a tar archive/],
      ['a tar without package/package.json', mutate(() => {}, tarWithoutManifest), /without package\/package\.json/],
      ['a tarball of another package', mutate(() => {}, otherPackage), /package\/package\.json is for someone-else@1\.0\.0/],
    ];
    for (const [title, body, message] of cases) {
      const answer = await put(name, body);
      const text = answer.body.toString('utf8');
      expect(answer.status, `${title}: ${text}`).toBe(400);
      expect((JSON.parse(text) as { error: string }).error, title).toMatch(message);
    }
    const nothing = await wire.send({ method: 'GET', path: `${base}${name}`, headers, sign: false });
    expect(nothing.status, 'no malformed publish stored anything').toBe(404);

    const ok = await put(name, publishBody(name, '1.0.0', good));
    expect(ok.status, ok.body.toString()).toBe(200);
    const tarball = await wire.send({ method: 'GET', path: `${base}${name}/-/${name}-1.0.0.tgz`, headers, sign: false });
    expect(tarball.status).toBe(200);
    expect(tarball.body.equals(good)).toBe(true);
    expect(emulator.stderr()).not.toContain('unexpected failure');
  } finally {
    await wire.close();
  }
});
