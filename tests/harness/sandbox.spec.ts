/**
 * A run against a separately started emulator (the `endpoint` target) passes, leaves the
 * user's own npm and AWS files exactly as they were, and writes no issued token and no
 * secret key into any report.
 */
import { GetAuthorizationTokenCommand, CreateDomainCommand, DeleteDomainCommand } from '@aws-sdk/client-codeartifact';
import { expect, test } from '@playwright/test';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeartifactClient } from '../../helpers/run/sdk.ts';
import { startEmulatorProcess } from '../../helpers/target/emulator-process.ts';
import { startFixtureRegistry, tutorialPackages } from '../support/fixture-registry.ts';
import { filesUnder, ROOT, runNested, textsUnder } from './nested-run.ts';

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

test('a run on the endpoint target passes, leaves ~/.npmrc and ~/.aws byte for byte, and reports no secret', async ({}, testInfo) => {
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
  const home = mkdtempSync(join(tmpdir(), 'cc-user-home-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'cc-state-'));
  try {
    // A user's real configuration, which the run must neither read nor write.
    const files: Record<string, string> = {
      '.npmrc':
        'registry=https://registry.example.invalid/\n//registry.example.invalid/:_authToken=users-own-token-1234567890\nfund=false\n',
      '.aws/config': '[default]\nregion = eu-west-3\noutput = table\n\n[profile work]\nregion = ap-south-1\n',
      '.aws/credentials':
        '[default]\naws_access_key_id = AKIAUSERSOWNKEY00001\naws_secret_access_key = users-own-secret-key-do-not-touch\n',
    };
    mkdirSync(join(home, '.aws'));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(home, name), content);
    const before = Object.fromEntries(Object.keys(files).map((n) => [n, readFileSync(join(home, n))]));

    const run = await runNested(
      {
        ...(process.env as Record<string, string>),
        HOME: home,
        CONFORMANCE_TARGET: 'endpoint',
        CONFORMANCE_ENDPOINT_URL: emulator.url,
        CONFORMANCE_ACCESS_KEY_ID: accessKeyId,
        CONFORMANCE_SECRET_ACCESS_KEY: secretAccessKey,
        CONFORMANCE_STATE_DIR: stateDir,
      },
      ['tests/conformance/tutorial.spec.ts', 'tests/conformance/manual-configuration.spec.ts'],
    );
    await testInfo.attach('nested run output', { body: run.output, contentType: 'text/plain' });
    expect(run.exitCode, 'the run on the endpoint target passes').toBe(0);
    expect(run.summary?.target).toBe('endpoint');
    expect(run.summary?.runs.map((r) => `${r.scenario}:${r.verdict}`).sort()).toEqual(['manual-configuration:passed', 'tutorial:passed']);
    expect(run.summary?.runs.every((r) => r.leftovers.length === 0)).toBe(true);

    // The runs' sandboxes (HOME with the token in .npmrc, npm's logs) and ledgers went with them.
    expect(filesUnder(stateDir), 'files the runs left in their state folder').toEqual([]);
    for (const name of Object.keys(files)) {
      expect(readFileSync(join(home, name)).equals(before[name]!), `${name} is unchanged byte for byte`).toBe(true);
    }

    // The run's tokens are gone with the run; one issued now has the same shape as every
    // token this emulator issues, so the scan looks for that shape, and for the secret key.
    const client = codeartifactClient({ endpointUrl: emulator.url, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey } });
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
    rmSync(run.reportsDir, { recursive: true, force: true });
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
    await emulator.stop();
    await registry.close();
  }
});
