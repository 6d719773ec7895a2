/**
 * The tutorial, in order, with the real aws CLI and npm against the emulator. One test per
 * step; a failed step stops the ones after it (serial mode reports them as not run).
 */
import { CodeartifactClient, DeleteDomainCommand, DeleteRepositoryCommand } from '@aws-sdk/client-codeartifact';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { runCli } from '../../helpers/cli.ts';
import { startEmulatorProcess, type EmulatorProcess } from '../../helpers/emulator-process.ts';
import { cleanupSteps, tutorialSteps } from '../../scenarios/tutorial.ts';
import type { StepContext } from '../../scenarios/types.ts';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

test.describe.configure({ mode: 'serial' });

let emulator: EmulatorProcess;
let root: string;
let ctx: StepContext;
let env: Record<string, string>;

test.beforeAll(async () => {
  emulator = await startEmulatorProcess(process.env.CONFORMANCE_NPMJS_URL ? ['--npmjs-url', process.env.CONFORMANCE_NPMJS_URL] : []);
  root = mkdtempSync(join(tmpdir(), 'ca-conformance-'));
  const sandbox = { home: join(root, 'home'), npmrc: join(root, 'home', '.npmrc'), project: join(root, 'project') };
  mkdirSync(join(sandbox.home, '.aws'), { recursive: true });
  mkdirSync(sandbox.project);
  writeFileSync(sandbox.npmrc, '');
  writeFileSync(join(sandbox.home, '.aws', 'config'), '');
  writeFileSync(join(sandbox.home, '.aws', 'credentials'), '');
  // A fresh project, as the tutorial's reader would have after `npm init -y`.
  writeFileSync(join(sandbox.project, 'package.json'), `${JSON.stringify({ name: 'tutorial-project', version: '1.0.0', private: true }, null, 2)}\n`);
  env = {
    HOME: sandbox.home,
    PATH: process.env.PATH ?? '',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: REGION,
    AWS_REGION: REGION,
    AWS_MAX_ATTEMPTS: '1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: join(sandbox.home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(sandbox.home, '.aws', 'credentials'),
    npm_config_userconfig: sandbox.npmrc,
    npm_config_cache: join(root, 'npm-cache'),
    npm_config_update_notifier: 'false',
  };
  const run = `ct${Date.now().toString(36)}`;
  ctx = {
    names: { domain: `${run}-my-domain`, myRepo: 'my-repo', npmStore: 'npm-store' },
    account: ACCOUNT,
    region: REGION,
    codeartifact: new CodeartifactClient({
      endpoint: emulator.url,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    }),
    sandbox,
    memory: {},
    secrets: [],
  };
});

test.afterAll(async () => {
  // Whatever a failed step left behind goes, repositories before the domain.
  for (const repository of [ctx.names.myRepo, ctx.names.npmStore]) {
    await ctx.codeartifact.send(new DeleteRepositoryCommand({ domain: ctx.names.domain, repository })).catch(() => {});
  }
  await ctx.codeartifact.send(new DeleteDomainCommand({ domain: ctx.names.domain })).catch(() => {});
  ctx.codeartifact.destroy();
  await emulator.stop();
  rmSync(root, { recursive: true, force: true });
});

for (const step of [...tutorialSteps, ...cleanupSteps]) {
  test(`${step.number}. ${step.title}`, async ({}, testInfo) => {
    testInfo.annotations.push({ type: 'documented command', description: step.documented });
    const command = step.command(ctx);
    const args = command.tool === 'aws' ? [...command.args, '--endpoint-url', emulator.url] : command.args;
    const awsCli = String(testInfo.project.metadata.awsCli ?? 'aws');
    const run = await runCli(command.tool === 'aws' ? awsCli : 'npm', args, {
      env,
      isolatedEnv: true,
      secrets: ctx.secrets,
      ...(command.inProject ? { cwd: ctx.sandbox.project } : {}),
    });
    step.read?.(run, ctx);
    await testInfo.attach('command output', { body: run.transcript(), contentType: 'text/plain' });
    expect(run.exitCode, `"${step.documented}" should succeed; it exited ${run.exitCode}:\n${run.stderr}`).toBe(0);
    const checked = await step.check(ctx, run);
    testInfo.annotations.push({ type: 'checked', description: checked });
  });
}
