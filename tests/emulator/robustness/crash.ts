/**
 * kill -9 of a --data-dir emulator during bursts of writes, again and again: every write the
 * emulator acknowledged (answered 2xx) before it died must be there after the restart, and
 * every restart must succeed. Writes are CreateRepository, TagResource and npm publish, sent
 * concurrently; the kill comes at a random moment while they are in flight.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create as createTar } from 'tar';
import { startEmulatorProcess, type EmulatorProcess } from '../../../helpers/target/emulator-process.ts';
import { ACCOUNT, json, npmPath, REGION, Wire } from './wire.ts';

export interface CrashOptions {
  kills: number;
  /** Concurrent writes per burst. */
  burst: number;
  /** The kill comes this long (random in [min, max] ms) after the bursts start. */
  killAfterMs: { min: number; max: number };
  log?: (line: string) => void;
}

export interface CrashReport {
  kills: number;
  restarts: number;
  acknowledged: { repositories: number; tags: number; publishes: number };
  /** Writes in flight at a kill (no answer): allowed to be lost or kept. */
  unanswered: number;
  lost: string[];
  failures: string[];
}

const DOMAIN = 'crash-test';

function tarballFor(name: string, version: string): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'crash-pkg-'));
  try {
    mkdirSync(path.join(dir, 'package'));
    writeFileSync(path.join(dir, 'package', 'package.json'), JSON.stringify({ name, version }));
    writeFileSync(path.join(dir, 'package', 'index.js'), `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`);
    const file = path.join(dir, 'p.tgz');
    createTar({ gzip: true, cwd: dir, sync: true, file, portable: true }, ['package']);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function publishBody(name: string, version: string, bytes: Buffer): string {
  const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  return JSON.stringify({
    _id: name,
    name,
    'dist-tags': { latest: version },
    versions: { [version]: { name, version, dist: { integrity, shasum: createHash('sha1').update(bytes).digest('hex') } } },
    _attachments: {
      [`${name}-${version}.tgz`]: { content_type: 'application/octet-stream', data: bytes.toString('base64'), length: bytes.length },
    },
  });
}

const REPOSITORY_ARN = `arn:aws:codeartifact:${REGION}:${ACCOUNT}:repository/${DOMAIN}/`;

export async function crashDurability(options: CrashOptions): Promise<CrashReport> {
  const log = options.log ?? (() => {});
  const dataDir = mkdtempSync(path.join(tmpdir(), 'emulator-crash-'));
  const report: CrashReport = {
    kills: 0,
    restarts: 0,
    acknowledged: { repositories: 0, tags: 0, publishes: 0 },
    unanswered: 0,
    lost: [],
    failures: [],
  };
  const repositories = new Set<string>();
  /** repository -> key -> value; a repository per kill cycle, as a resource holds at most 50 tags. */
  const tags = new Map<string, Map<string, string>>();
  let tagCount = 0;
  const publishes = new Map<string, string>(); // name -> sha512 hex of the tarball
  let emulator: EmulatorProcess | undefined;
  let wire: Wire | undefined;
  let token = '';
  let serial = 0;
  const lostSeen = new Set<string>();
  const start = async () => {
    emulator = await startEmulatorProcess(['--data-dir', dataDir]);
    wire = new Wire(emulator.url);
  };
  const must = async (what: string, answer: Promise<{ status: number; body: Buffer }>) => {
    const a = await answer;
    if (a.status < 200 || a.status >= 300) throw new Error(`${what}: ${a.status} ${a.body.toString('utf8').slice(0, 300)}`);
    return a;
  };

  try {
    await start();
    await must('CreateDomain', wire!.send({ method: 'POST', path: '/v1/domain', query: { domain: DOMAIN }, body: '{}' }));
    await must(
      'CreateRepository',
      wire!.send({ method: 'POST', path: '/v1/repository', query: { domain: DOMAIN, repository: 'packages' }, body: '{}' }),
    );

    for (let cycle = 1; cycle <= options.kills; cycle++) {
      const tokenAnswer = await must(
        'GetAuthorizationToken',
        wire!.send({ method: 'POST', path: '/v1/authorization-token', query: { domain: DOMAIN } }),
      );
      token = String(json(tokenAnswer as never).authorizationToken);
      const npmBase = npmPath(DOMAIN, 'packages');
      const tagged = `tagged-${cycle}`;
      await must(
        'CreateRepository',
        wire!.send({ method: 'POST', path: '/v1/repository', query: { domain: DOMAIN, repository: tagged }, body: '{}' }),
      );
      repositories.add(tagged);
      tags.set(tagged, new Map());
      let tagWrites = 0;
      // Tarballs are built before the clock starts, so the kill lands among requests.
      const pending: (() => Promise<void>)[] = [];
      const makeWrite = (): (() => Promise<void>) => {
        const n = ++serial;
        const kind = n % 3 === 1 && tagWrites >= 45 ? 0 : n % 3;
        const current = wire!;
        if (kind === 0) {
          const name = `repo-${n}`;
          return async () => {
            const a = await current.send({
              method: 'POST',
              path: '/v1/repository',
              query: { domain: DOMAIN, repository: name },
              body: '{}',
            });
            if (a.status === 200) repositories.add(name);
          };
        }
        if (kind === 1) {
          const key = `k${n}`;
          const value = `v${n}`;
          tagWrites++;
          return async () => {
            const a = await current.send({
              method: 'POST',
              path: '/v1/tag',
              query: { resourceArn: `${REPOSITORY_ARN}${tagged}` },
              body: JSON.stringify({ tags: [{ key, value }] }),
            });
            if (a.status === 200) {
              tags.get(tagged)!.set(key, value);
              tagCount++;
            }
          };
        }
        const name = `pkg-${n}`;
        const bytes = tarballFor(name, '1.0.0');
        const body = publishBody(name, '1.0.0', bytes);
        const sha = createHash('sha512').update(bytes).digest('hex');
        return async () => {
          const a = await current.send({
            method: 'PUT',
            path: `${npmBase}${name}`,
            headers: { authorization: `Bearer ${token}` },
            body,
            sign: false,
          });
          if (a.status === 200) publishes.set(name, sha);
        };
      };
      for (let i = 0; i < options.burst * 8; i++) pending.push(makeWrite());
      const killAt = Date.now() + options.killAfterMs.min + Math.random() * (options.killAfterMs.max - options.killAfterMs.min);
      let inFlight = 0;
      const bursts: Promise<void>[] = [];
      let killed = false;
      let inFlightAtKill = 0;
      while (!killed) {
        while (pending.length < options.burst) pending.push(makeWrite());
        const burst = pending.splice(0, options.burst).map(async (write) => {
          inFlight++;
          try {
            await write();
          } catch {
            if (killed) report.unanswered++;
          } finally {
            inFlight--;
          }
        });
        bursts.push(...burst);
        // Wait for the burst or the kill, whichever comes first.
        const wait = Math.max(0, killAt - Date.now());
        const outcome = await Promise.race([Promise.all(burst).then(() => 'done'), new Promise((r) => setTimeout(() => r('kill'), wait))]);
        if (outcome === 'kill' || Date.now() >= killAt) {
          killed = true;
          inFlightAtKill = inFlight;
          emulator!.child.kill('SIGKILL');
          report.kills++;
        }
      }
      await Promise.allSettled(bursts);
      await new Promise((resolve) =>
        emulator!.child.exitCode !== null || emulator!.child.signalCode !== null
          ? resolve(undefined)
          : emulator!.child.once('exit', resolve),
      );
      await wire!.close().catch(() => {});
      log(
        `kill ${cycle}/${options.kills}: ${inFlightAtKill} writes in flight; acknowledged so far: ${repositories.size} repositories, ${tagCount} tags, ${publishes.size} publishes`,
      );

      try {
        await start();
        report.restarts++;
      } catch (err) {
        report.failures.push(`restart after kill ${cycle} failed: ${(err as Error).message}`);
        break;
      }
      const lostNow = await verify(wire!, repositories, tags, publishes, npmBase);
      // A write lost once is reported once (it stays missing after later kills too).
      for (const l of lostNow) {
        if (!lostSeen.has(l)) {
          lostSeen.add(l);
          report.lost.push(`after kill ${cycle}: ${l}`);
        }
      }
    }
  } finally {
    report.acknowledged = { repositories: repositories.size, tags: tagCount, publishes: publishes.size };
    await wire?.close().catch(() => {});
    await emulator?.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
  return report;
}

/** Every acknowledged write, read back after a restart; returns what is missing. */
async function verify(
  wire: Wire,
  repositories: Set<string>,
  tags: Map<string, Map<string, string>>,
  publishes: Map<string, string>,
  npmBase: string,
): Promise<string[]> {
  const lost: string[] = [];
  const seen = new Set<string>();
  let nextToken: string | undefined;
  do {
    const a = await wire.send({
      method: 'POST',
      path: '/v1/domain/repositories',
      query: { domain: DOMAIN, 'max-results': '1000', ...(nextToken ? { 'next-token': nextToken } : {}) },
      body: '{}',
    });
    const page = json(a) as { repositories?: { name: string }[]; nextToken?: string };
    if (a.status !== 200) return [`ListRepositoriesInDomain answered ${a.status}`];
    for (const r of page.repositories ?? []) seen.add(r.name);
    nextToken = page.nextToken;
  } while (nextToken);
  for (const name of repositories) if (!seen.has(name)) lost.push(`repository ${name}`);

  for (const [repository, expected] of tags) {
    if (expected.size === 0) continue;
    const tagAnswer = await wire.send({ method: 'POST', path: '/v1/tags', query: { resourceArn: `${REPOSITORY_ARN}${repository}` } });
    const stored = new Map(((json(tagAnswer).tags ?? []) as { key: string; value: string }[]).map((t) => [t.key, t.value]));
    for (const [key, value] of expected) if (stored.get(key) !== value) lost.push(`tag ${key}=${value} on ${repository}`);
  }

  const tokenAnswer = await wire.send({ method: 'POST', path: '/v1/authorization-token', query: { domain: DOMAIN } });
  const token = String(json(tokenAnswer).authorizationToken);
  for (const [name, sha] of publishes) {
    const a = await wire.send({
      method: 'GET',
      path: `${npmBase}${name}/-/${name}-1.0.0.tgz`,
      headers: { authorization: `Bearer ${token}` },
      sign: false,
    });
    if (a.status !== 200) lost.push(`publish ${name}@1.0.0 (${a.status})`);
    else if (createHash('sha512').update(a.body).digest('hex') !== sha) lost.push(`publish ${name}@1.0.0 (other bytes)`);
  }
  return lost;
}
