/**
 * The tutorial's control-plane steps, in order, with the real aws CLI against the emulator.
 * One test per step; a failed step stops the ones after it. The npm steps join when the
 * emulator's npm data plane exists.
 */
import { CodeartifactClient, DeleteDomainCommand, DeleteRepositoryCommand } from '@aws-sdk/client-codeartifact';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { runCli } from '../../helpers/cli.ts';
import { startEmulatorProcess, type EmulatorProcess } from '../../helpers/emulator-process.ts';
import { cleanupSteps, controlPlaneSteps } from '../../scenarios/tutorial.ts';
import type { StepContext } from '../../scenarios/types.ts';

const AWS_CLI = process.env.AWS_CLI ?? 'aws';
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

test.describe.configure({ mode: 'serial' });

let emulator: EmulatorProcess;
let home: string;
let ctx: StepContext;
let env: Record<string, string>;

test.beforeAll(async () => {
  emulator = await startEmulatorProcess();
  home = mkdtempSync(join(tmpdir(), 'ca-conformance-'));
  writeFileSync(join(home, 'config'), '');
  writeFileSync(join(home, 'credentials'), '');
  env = {
    HOME: home,
    PATH: process.env.PATH ?? '',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: REGION,
    AWS_REGION: REGION,
    AWS_MAX_ATTEMPTS: '1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
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
    memory: {},
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
  rmSync(home, { recursive: true, force: true });
});

for (const step of [...controlPlaneSteps, ...cleanupSteps]) {
  test(`${step.number}. ${step.title}`, async ({}, testInfo) => {
    testInfo.annotations.push({ type: 'documented command', description: step.documented });
    const args = [...step.awsArgs(ctx), '--endpoint-url', emulator.url, '--output', 'json'];
    const run = await runCli(AWS_CLI, args, { env, isolatedEnv: true });
    await testInfo.attach('command output', { body: run.transcript(), contentType: 'text/plain' });
    expect(run.exitCode, `"${step.documented}" should succeed; it exited ${run.exitCode}:\n${run.stderr}`).toBe(0);
    step.read?.(run, ctx);
    const checked = await step.check(ctx);
    testInfo.annotations.push({ type: 'checked', description: checked });
  });
}
