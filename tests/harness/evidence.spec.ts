/**
 * The output checks: each step's printed output against AWS's documented sample, with real
 * outputs recorded from the aws CLI (tests/support/recorded-outputs.json); the snapshots and
 * their provenance; record mode on the endpoint target with the emulator standing in for AWS,
 * whose replay is also the run that proves the sandbox (a user's own files untouched, no secret
 * in any report).
 */
import { CreateDomainCommand, DeleteDomainCommand, GetAuthorizationTokenCommand } from '@aws-sdk/client-codeartifact';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compareWithDocumented,
  documentedExpectation,
  evidenceFailure,
  getPath,
  type StepEvidence,
} from '../../helpers/evidence/compare.ts';
import { documentedSnapshots } from '../../helpers/evidence/seed.ts';
import { readDivergences, type SnapshotFile } from '../../helpers/evidence/snapshots.ts';
import { normalise, type Json } from '../../helpers/evidence/transformers.ts';
import { evidenceHtml } from '../../helpers/report/evidence-html.ts';
import { codeartifactClient } from '../../helpers/run/sdk.ts';
import { startEmulatorProcess } from '../../helpers/target/emulator-process.ts';
import { scenarios } from '../../scenarios/tutorial.ts';
import type { TutorialStep } from '../../scenarios/types.ts';
import { startFixtureRegistry, tutorialPackages } from '../support/fixture-registry.ts';
import { expect, test } from './fixtures.ts';
import { filesUnder, parentEnv, ROOT, runNested, textsUnder } from './nested-run.ts';

const recorded = JSON.parse(readFileSync(join(ROOT, 'tests/support/recorded-outputs.json'), 'utf8')) as {
  recorded: { account: string; region: string; domain: string };
  stdout: Record<string, string>;
};
/** This process's environment, less the run id: each nested run is a run of its own. */
/**
 * The files the single-file Allure report embeds (base64 in `d("name","...")` calls), decoded,
 * so that the scan reads the attachments and results a reader of the report sees.
 */
function allureEmbedded(file: string, html: string): { file: string; text: string }[] {
  return [...html.matchAll(/\bd\("([^"]+)","([A-Za-z0-9+/=]*)"\)/g)].map(([, name, base64]) => ({
    file: `${file}!${name}`,
    text: Buffer.from(base64!, 'base64').toString('latin1'),
  }));
}

const runNames = { myRepo: 'my-repo', npmStore: 'npm-store' } as const;

const documentedSteps = new Map<string, TutorialStep>();
for (const scenario of scenarios) for (const step of scenario.steps) if (step.documentedOutput) documentedSteps.set(step.id, step);

function check(step: TutorialStep, stdout: string, target = 'emulator'): StepEvidence {
  const doc = step.documentedOutput!;
  const { account, region, domain } = recorded.recorded;
  return compareWithDocumented(
    doc,
    stdout,
    { domain, account, region, ...(doc.subject ? { repository: runNames[doc.subject] } : {}) },
    readDivergences(),
    step.id,
    target,
  );
}

function leaves(value: Json, path = ''): string[] {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [`${path}[${i}]`, v] as const)
      : Object.entries(value).map(([k, v]) => [path ? `${path}.${k}` : k, v] as const);
    return entries.length ? entries.flatMap(([p, v]) => leaves(v, p)) : [path];
  }
  return [path];
}

/** The recorded output with one field removed or changed, printed as the CLI prints it. */
function edited(step: TutorialStep, path: string, to: Json | undefined): string {
  const stdout = recorded.stdout[step.id]!;
  if (step.documentedOutput!.parse) {
    // Text outputs: rebuild the text from its fields.
    const fields = step.documentedOutput!.parse(stdout) as Record<string, Json>;
    if (to === undefined) delete fields[path];
    else fields[path] = to;
    if (step.id === 'login') {
      if (fields.tool === undefined || fields.repositoryEndpoint === undefined) delete fields.tool;
      if (fields.expiresIn === undefined || fields.expiresAt === undefined) delete fields.expiresIn;
      return `${fields.tool !== undefined ? `Successfully configured ${fields.tool} to use AWS CodeArtifact repository ${fields.repositoryEndpoint}\n` : ''}${fields.expiresIn !== undefined ? `Login expires in ${fields.expiresIn} at ${fields.expiresAt}\n` : ''}`;
    }
    return `${String(fields.authorizationToken ?? '')}\n`;
  }
  const json = JSON.parse(stdout) as Json;
  const parts = path.match(/[^.[\]]+/g)!;
  let cur = json as Record<string, Json>;
  for (const part of parts.slice(0, -1)) cur = cur[part] as Record<string, Json>;
  if (to === undefined) delete cur[parts[parts.length - 1]!];
  else cur[parts[parts.length - 1]!] = to;
  return JSON.stringify(json, null, 4);
}

test.describe('each step checks its printed output against what AWS documents', () => {
  test('the steps with documented output are every aws step that prints something a reader reads', () => {
    expect([...documentedSteps.keys()].sort()).toEqual(
      [
        'prerequisite-caller-identity',
        'create-domain',
        'create-repository-my-repo',
        'create-repository-npm-store',
        'associate-external-connection',
        'update-repository-upstreams',
        'login',
        'manual-get-authorization-token',
        'manual-get-repository-endpoint',
        'list-packages',
        'cleanup-delete-my-repo',
        'cleanup-delete-npm-store',
        'cleanup-delete-domain',
      ].sort(),
    );
  });

  for (const [id, step] of documentedSteps) {
    test(`${id}: the recorded output passes; without a documented field, with a wrong documented value, or {} it fails naming the field`, () => {
      const doc = step.documentedOutput!;
      const ok = check(step, recorded.stdout[id]!);
      expect(evidenceFailure(ok), `the real output of ${id} must pass`).toBeUndefined();

      // Printed nothing ({} from the service, which the CLI prints as nothing).
      // (A text output: the CLI prints nothing, or None for a --query that finds nothing.)
      for (const empty of doc.parse ? ['', ...(id === 'manual-get-authorization-token' ? ['None\n'] : [])] : ['{}', '']) {
        const e = check(step, empty);
        const message = evidenceFailure(e);
        expect(message, `${id} with ${JSON.stringify(empty)}`).toBeDefined();
        expect(e.differences[0]!.kind).toBe('missing');
        expect(message).toContain(String(leaves(documentedExpectation(doc))[0]!.split(/[.[]/)[0]));
      }

      // Each documented field, removed.
      const expected = documentedExpectation(doc);
      const topFields = doc.parse ? Object.keys(expected as object) : leaves(expected).filter((p) => !p.includes('['));
      for (const path of topFields) {
        const e = check(step, edited(step, path, undefined));
        const message = evidenceFailure(e);
        expect(message, `${id} without ${path}`).toBeDefined();
        expect(message).toContain(path);
        expect(message).toContain('missing');
      }

      // Each documented value, wrong: the message names the field and both values.
      // (list-packages: lodash's entry has its own test below.)
      for (const path of doc.whileDelayed ? [] : doc.values.filter((p) => !p.includes('['))) {
        const want = getPath(expected, path);
        if (want === undefined || (typeof want === 'object' && want !== null && !Array.isArray(want))) continue;
        const wrong: Json = Array.isArray(want)
          ? [{ repositoryName: 'somewhere-else' }]
          : typeof want === 'number'
            ? (want as number) + 7
            : 'not-what-aws-says';
        const e = check(step, edited(step, path, wrong));
        const message = evidenceFailure(e);
        expect(message, `${id} with a wrong ${path}`).toBeDefined();
        expect(message).toContain(path);
        // Both values: the documented one (or, for a list, each documented entry's fields) and the printed one.
        if (!Array.isArray(want)) expect(message).toContain(JSON.stringify(want));
        expect(message).toMatch(Array.isArray(want) ? /somewhere-else/ : /not-what-aws-says|\d/);
      }
    });
  }

  test('list-packages fails when lodash comes back with another format, a namespace, or another origin', () => {
    const step = documentedSteps.get('list-packages')!;
    const base = JSON.parse(recorded.stdout['list-packages']!) as { packages: Record<string, Json>[] };
    const cases: [string, (p: Record<string, Json>) => void, string][] = [
      ['format', (p) => (p.format = 'maven'), 'packages[0].format'],
      ['namespace', (p) => (p.namespace = 'lodash'), 'packages[0].namespace'],
      [
        'origin',
        (p) => (p.originConfiguration = { restrictions: { publish: 'ALLOW', upstream: 'BLOCK' } }),
        'packages[0].originConfiguration.restrictions.publish',
      ],
    ];
    for (const [what, change, path] of cases) {
      const copy = structuredClone(base);
      change(copy.packages[0]!);
      const message = evidenceFailure(check(step, JSON.stringify(copy)));
      expect(message, what).toBeDefined();
      expect(message).toContain(path);
    }
    // Without lodash, the output may just be early (the tutorial warns of a delay): the state check
    // polls ListPackages for lodash's name and judges its entry there.
    const early = check(step, JSON.stringify({ packages: [{ ...base.packages[0], package: 'lodash-es' }] }));
    expect(evidenceFailure(early)).toBeUndefined();
    expect(early.notes?.[0]).toContain('not listed yet');
  });

  test("the external connection status: AVAILABLE passes everywhere; the model's Available nowhere (the emulator sends AVAILABLE too)", () => {
    const step = documentedSteps.get('associate-external-connection')!;
    const withStatus = (status: string) =>
      recorded.stdout['associate-external-connection']!.replace(/"status": "\w+"/, `"status": "${status}"`);
    const transcripts = check(step, withStatus('AVAILABLE'), 'aws');
    expect(evidenceFailure(transcripts)).toBeUndefined();
    expect(transcripts.declared).toEqual([]);
    expect(evidenceFailure(check(step, withStatus('AVAILABLE'), 'emulator'))).toBeUndefined();
    for (const target of ['emulator', 'aws']) {
      expect(evidenceFailure(check(step, withStatus('Available'), target))).toContain('repository.externalConnections[0].status');
    }
    expect(evidenceFailure(check(step, withStatus('PENDING'), 'emulator'))).toContain('"PENDING"');
    const divergence = readDivergences().find((d) => d.id === 'external-connection-status-transcripts-over-model')!;
    expect(divergence.provenance.kind).toBe('aws-documented');
  });

  test('the transformers make aws CLI v1 and v2 and the examples comparable', () => {
    const names = { domain: 'cc-abc-t1', account: '000000000000', region: 'us-east-1', repository: 'my-repo' };
    expect(normalise({ createdTime: 1795976176.828 }, names)).toEqual({ createdTime: '<timestamp>' });
    expect(normalise({ createdTime: '2026-11-29T18:16:16.828000+00:00' }, names)).toEqual({ createdTime: '<timestamp>' });
    expect(normalise('arn:aws:codeartifact:us-east-1:000000000000:repository/cc-abc-t1/my-repo', names)).toBe(
      'arn:aws:codeartifact:<region>:<account>:repository/<domain>/<repository>',
    );
    expect(normalise('http://127.0.0.1:4566/cc-abc-t1-000000000000/us-east-1/npm/my-repo/', names)).toBe(
      '<repository-endpoint>/npm/<repository>/',
    );
    expect(normalise({ authorizationToken: 'secret-token-value' }, names)).toEqual({ authorizationToken: '<token>' });
    expect(normalise('my-repo2', names)).toBe('my-repo2');
  });

  test('the committed baseline snapshots are what AWS documents, marked aws-documented', () => {
    for (const scenario of scenarios) {
      const file = JSON.parse(readFileSync(join(ROOT, 'scenarios/snapshots', `${scenario.id}.json`), 'utf8')) as SnapshotFile;
      const seeded = documentedSnapshots(scenario);
      for (const [id, entry] of Object.entries(file.steps)) {
        if (entry.provenance.kind !== 'aws-documented') continue;
        expect(entry, `${scenario.id} ${id}`).toEqual(seeded.steps[id]);
      }
      expect(Object.keys(file.steps).sort()).toEqual(Object.keys(seeded.steps).sort());
      expect(file.transformers.map((t) => t.name)).toEqual(seeded.transformers.map((t) => t.name));
    }
  });

  test('the docs fragment shows the expected output beside the printed one, where it comes from, escaped', () => {
    const step = documentedSteps.get('create-domain')!;
    const differs = check(step, edited(step, 'domain.status', '<script>x</script>'));
    const html = evidenceHtml(differs);
    expect(html).toContain('as documented (aws/aws-cli awscli/examples/codeartifact/create-domain.rst');
    expect(html).toContain('domain.status');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('Expected, as documented');
    expect(html).toContain('Printed (normalised)');
    const onAws = evidenceHtml({
      ...differs,
      differences: [],
      snapshot: {
        provenance: { kind: 'aws-recorded', date: '2026-11-28', region: 'us-east-1', awsCli: '2.31.0' },
        differences: differs.differences,
        declared: [],
      },
    });
    expect(onAws).toContain('recorded on AWS on 2026-11-28');
    expect(evidenceHtml(check(step, recorded.stdout['create-domain']!))).toContain('as AWS prints it');
  });
});

test.describe('record mode, on the endpoint target with the emulator standing in for AWS', () => {
  // Two nested runs share this test. The first records the tutorial. The second replays it, with
  // one value changed in the recording's list-packages step, beside the manual configuration
  // (compared with what AWS documents, as in the repository): the tutorial's recorded steps pass
  // until the changed one, which fails naming the field, and the manual configuration passes. The
  // second is also the run that proves the sandbox, on a failing and a passing scenario alike: on
  // the endpoint target, with a user's own ~/.npmrc and ~/.aws in HOME and credentials of its own
  // (and `npm config set` writing user configuration), the user's files stay byte for byte, the
  // runs leave nothing in their state folder, and no report holds a token or the key.
  test('records snapshots with provenance; replayed steps pass, one changed value fails its step naming the field, and the runs leave ~/.npmrc and ~/.aws byte for byte with no secret in any report', async ({
    scratch,
  }, testInfo) => {
    test.setTimeout(900_000);
    const registry = await startFixtureRegistry(tutorialPackages);
    const accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(30).toString('base64url');
    const emulator = await startEmulatorProcess([
      '--npmjs-url',
      registry.url,
      '--access-key-id',
      accessKeyId,
      '--secret-access-key',
      secretAccessKey,
    ]);
    try {
      const snapshots = scratch.dir('cc-snapshots-');
      // The declared divergences come along, as in the repository; the manual configuration has
      // no recording here, so it is compared with what AWS documents, as in the repository.
      cpSync(join(ROOT, 'scenarios/snapshots/divergences.json'), join(snapshots, 'divergences.json'));
      cpSync(join(ROOT, 'scenarios/snapshots/manual-configuration.json'), join(snapshots, 'manual-configuration.json'));

      // A user's real configuration, which no run may read or write.
      const home = scratch.dir('cc-user-home-');
      const userFiles: Record<string, string> = {
        '.npmrc':
          'registry=https://registry.example.invalid/\n//registry.example.invalid/:_authToken=users-own-token-1234567890\nfund=false\n',
        '.aws/config': '[default]\nregion = eu-west-3\noutput = table\n\n[profile work]\nregion = ap-south-1\n',
        '.aws/credentials':
          '[default]\naws_access_key_id = AKIAUSERSOWNKEY00001\naws_secret_access_key = users-own-secret-key-do-not-touch\n',
      };
      mkdirSync(join(home, '.aws'));
      for (const [name, content] of Object.entries(userFiles)) writeFileSync(join(home, name), content);
      const before = Object.fromEntries(Object.keys(userFiles).map((n) => [n, readFileSync(join(home, n))]));
      const stateDir = scratch.dir('cc-state-');

      const env = {
        ...parentEnv(),
        HOME: home,
        CONFORMANCE_TARGET: 'endpoint',
        CONFORMANCE_ENDPOINT_URL: emulator.url,
        CONFORMANCE_ACCESS_KEY_ID: accessKeyId,
        CONFORMANCE_SECRET_ACCESS_KEY: secretAccessKey,
        CONFORMANCE_STATE_DIR: stateDir,
        CONFORMANCE_SNAPSHOT_DIR: snapshots,
      };

      const file = await test.step('record: the snapshots carry the provenance and no run-specific name', async () => {
        const recording = await runNested({ ...env, CONFORMANCE_RECORD: '1' }, undefined, undefined, scratch.dir('cc-nested-reports-'));
        await testInfo.attach('recording run', { body: recording.output, contentType: 'text/plain' });
        expect(recording.exitCode).toBe(0);
        const file = JSON.parse(readFileSync(join(snapshots, 'tutorial.json'), 'utf8')) as SnapshotFile;
        const entry = file.steps['create-domain']!;
        expect(entry.provenance).toMatchObject({ kind: 'emulator', date: new Date().toISOString().slice(0, 10), region: 'us-east-1' });
        expect(entry.provenance.kind === 'emulator' && entry.provenance.awsCli).toMatch(/^\d+\.\d+\.\d+$/);
        expect(entry.output).toMatchObject({ domain: { name: '<domain>', status: 'Active', owner: '<account>' } });
        expect(entry.sdk?.DescribeDomain).toMatchObject({ domain: { name: '<domain>', status: 'Active' } });
        expect(file.steps['list-packages']!.sdk?.['ListPackages my-repo']).toBeDefined();
        expect(JSON.stringify(file)).not.toMatch(/cc-[a-z0-9]+-t/);
        return file;
      });

      await test.step('replay with one value changed in the recording, beside the manual configuration: the recorded steps pass until the changed one, which fails naming the field and both values; the manual configuration passes; in a sandbox, and no report holds a secret', async () => {
        const changed = structuredClone(file);
        const listed = changed.steps['list-packages']!.output as {
          packages: { originConfiguration: { restrictions: { upstream: string } } }[];
        };
        expect(listed.packages[0]!.originConfiguration.restrictions.upstream).toBe('ALLOW');
        listed.packages[0]!.originConfiguration.restrictions.upstream = 'BLOCK';
        writeFileSync(join(snapshots, 'tutorial.json'), JSON.stringify(changed, null, 2));
        const run = await runNested(
          env,
          ['tests/conformance/tutorial.spec.ts', 'tests/conformance/manual-configuration.spec.ts'],
          undefined,
          scratch.dir('cc-nested-reports-'),
        );
        await testInfo.attach('replay run', { body: run.output, contentType: 'text/plain' });
        expect(run.exitCode, 'the run fails: the changed step failed').not.toBe(0);
        expect(run.summary?.target).toBe('endpoint');
        expect(run.summary?.runs.map((r) => `${r.scenario}:${r.verdict}`).sort()).toEqual([
          'manual-configuration:passed',
          'tutorial:failed',
        ]);
        expect(run.summary?.runs.every((r) => r.leftovers.length === 0)).toBe(true);
        // Every recorded step before the changed one replays with no difference.
        const tutorialSteps = run.summary!.runs.find((r) => r.scenario === 'tutorial')!.steps;
        const replayed = tutorialSteps
          .slice(
            0,
            tutorialSteps.findIndex((s) => s.id === 'list-packages'),
          )
          .filter((s) => s.outputCheck?.snapshot);
        expect(replayed.map((s) => s.id)).toContain('create-domain');
        for (const step of replayed) {
          expect(step.kind, step.id).toBe('passed');
          expect(step.outputCheck?.snapshot?.provenance.kind, step.id).toBe('emulator');
          expect(step.outputCheck?.snapshot?.differences, step.id).toEqual([]);
        }
        const failed = run
          .summary!.runs.flatMap((r) => r.steps.map((s) => ({ ...s, scenario: r.scenario })))
          .filter((s) => s.kind === 'conformance-failure' || s.kind === 'infrastructure-problem');
        expect(failed.map((s) => `${s.scenario}:${s.id}`)).toEqual(['tutorial:list-packages']);
        expect(failed[0]!.observed).toContain('packages[0].originConfiguration.restrictions.upstream');
        expect(failed[0]!.observed).toContain('"BLOCK"');
        expect(failed[0]!.observed).toContain('"ALLOW"');
        expect(failed[0]!.observed).toContain('recorded on');

        // The runs' sandboxes (HOME with the token in .npmrc, npm's logs) and ledgers went with them.
        expect(filesUnder(stateDir), 'files the runs left in their state folder').toEqual([]);
        for (const name of Object.keys(userFiles)) {
          expect(readFileSync(join(home, name)).equals(before[name]!), `${name} is unchanged byte for byte`).toBe(true);
        }

        // The run's tokens are gone with the run; one issued now has the same shape as every
        // token this emulator issues, so the scan looks for that shape, and for the secret key.
        const client = codeartifactClient({
          endpointUrl: emulator.url,
          region: 'us-east-1',
          credentials: { accessKeyId, secretAccessKey },
        });
        await client.send(new CreateDomainCommand({ domain: 'shape-probe' }));
        const { authorizationToken } = await client.send(new GetAuthorizationTokenCommand({ domain: 'shape-probe' }));
        await client.send(new DeleteDomainCommand({ domain: 'shape-probe' }));
        client.destroy();
        expect(authorizationToken).toMatch(/^eyJ/);
        // The Allure report of the same run, built as `npm run report:allure` builds it.
        const report = await execa('npm', ['run', 'report:allure'], {
          cwd: ROOT,
          env: { ...(process.env as Record<string, string>), CONFORMANCE_REPORTS_DIR: run.reportsDir, ALLURE_HISTORY_DIR: '' },
          reject: false,
          all: true,
        });
        await testInfo.attach('report:allure output', { body: String(report.all ?? ''), contentType: 'text/plain' });
        expect(report.exitCode, 'npm run report:allure builds the Allure report').toBe(0);
        const texts = await textsUnder(run.reportsDir);
        const allureHtml = join(run.reportsDir, 'allure', 'index.html');
        const allureFiles = allureEmbedded(allureHtml, readFileSync(allureHtml, 'latin1'));
        texts.push(...allureFiles);
        // The recordings are committed files: they hold no secret either.
        texts.push(...(await textsUnder(snapshots)));
        expect(texts.length).toBeGreaterThan(5);
        const offenders = texts
          .filter(({ text }) => text.includes(secretAccessKey) || /eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/.test(text))
          .map(({ file }) => file);
        expect(offenders, 'report files that contain a token or the secret key').toEqual([]);
        // The scan reaches what a reader sees: command transcripts inside the HTML report's archive.
        expect(texts.some(({ file, text }) => file.includes('!') && text.includes('Successfully configured npm'))).toBe(true);
        // ...and the Allure results and the Allure report: transcripts, and the steps named by the command as run.
        const allureResults = texts.filter(({ file }) => file.includes(`${join(run.reportsDir, 'allure-results')}/`));
        expect(
          allureResults.some(({ text }) => text.includes('Successfully configured npm')),
          'allure-results holds the transcripts',
        ).toBe(true);
        expect(allureResults.some(({ text }) => text.includes('"run: aws codeartifact login'))).toBe(true);
        expect(
          allureFiles.some(({ text }) => text.includes('Successfully configured npm')),
          'the Allure HTML embeds the transcripts',
        ).toBe(true);
        expect(allureFiles.some(({ text }) => text.includes('run: npm config set'))).toBe(true);
      });

      // After both runs, the recording's and the failed one's included.
      expect(filesUnder(stateDir), 'files the runs left in their state folder').toEqual([]);
      for (const name of Object.keys(userFiles)) {
        expect(readFileSync(join(home, name)).equals(before[name]!), `${name} is unchanged byte for byte after every run`).toBe(true);
      }
    } finally {
      await emulator.stop();
      await registry.close();
    }
  });

  test('record mode refuses the embedded emulator, saying what to use instead', async ({ scratch }) => {
    const run = await runNested(
      {
        ...parentEnv(),
        CONFORMANCE_TARGET: 'emulator',
        CONFORMANCE_RECORD: '1',
        CONFORMANCE_SNAPSHOT_DIR: scratch.dir('cc-snapshots-'),
      },
      undefined,
      undefined,
      scratch.dir('cc-nested-reports-'),
    );
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toContain('CONFORMANCE_RECORD=1 records what a real service answers');
  });
});
