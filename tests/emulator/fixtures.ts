/**
 * Fixtures for the emulator's contract tests: one emulator process per worker, started with
 * `npm run emulator`'s entry point, and clients configured with nothing but its URL and the
 * default credentials, as a user of the emulator would.
 */
import { CodeartifactClient } from '@aws-sdk/client-codeartifact';
import { STSClient } from '@aws-sdk/client-sts';
import { test as base } from '@playwright/test';
import { startEmulatorProcess, type EmulatorProcess } from '../../helpers/emulator-process.ts';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

let counter = 0;
/** A name no other test in this run uses, valid as a domain or repository name. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
}

export const test = base.extend<
  { codeartifact: CodeartifactClient; sts: STSClient },
  { emulator: EmulatorProcess }
>({
  emulator: [
    async ({}, use) => {
      const emulator = await startEmulatorProcess();
      await use(emulator);
      await emulator.stop();
    },
    { scope: 'worker' },
  ],
  codeartifact: async ({ emulator }, use) => {
    const client = new CodeartifactClient({ endpoint: emulator.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
    await use(client);
    client.destroy();
  },
  sts: async ({ emulator }, use) => {
    const client = new STSClient({ endpoint: emulator.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
    await use(client);
    client.destroy();
  },
});

export { expect } from '@playwright/test';
