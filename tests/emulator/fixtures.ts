/**
 * The fixtures of the emulator's contract tests (the one fixtures module of tests/emulator/):
 * - `emulator`: one emulator process per worker, started with `npm run emulator`'s entry point;
 * - `codeartifact`, `sts`: clients configured with nothing but its URL and the default
 *   credentials, as a user of the emulator would, built by helpers/run/sdk.ts as the harness
 *   builds its own (an answer from the service is final; only a broken connection is retried);
 * - `cleanup`: undoes what a test made (domains with their repositories, processes, folders),
 *   in reverse order, also when the test failed, and reports every step that failed.
 */
import {
  type CodeartifactClient,
  DeleteDomainCommand,
  DeleteRepositoryCommand,
  DescribeDomainCommand,
  ResourceNotFoundException,
  UpdateRepositoryCommand,
  paginateListRepositoriesInDomain,
} from '@aws-sdk/client-codeartifact';
import type { STSClient } from '@aws-sdk/client-sts';
import { test as base } from '@playwright/test';
import { codeartifactClient, stsClient } from '../../helpers/run/sdk.ts';
import { startEmulatorProcess, type EmulatorProcess } from '../../helpers/target/emulator-process.ts';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

let counter = 0;
/** A name no other test in this run uses, valid as a domain or repository name. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
}

// ---------------------------------------------------------------------------------------------
// Clean-up: runs in reverse order, even when the test failed, and reports every failure.
// ---------------------------------------------------------------------------------------------

export class Cleanup {
  private readonly steps: (() => Promise<unknown>)[] = [];

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  /** Registers a domain for removal, with its repositories, and returns its name. */
  track(client: CodeartifactClient, domain: string): string {
    this.add(() => removeDomain(client, domain));
    return domain;
  }

  async run(): Promise<void> {
    const failures: unknown[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, `Cleanup failed for ${failures.length} step(s).`);
  }
}

/** Deletes a domain's repositories (after unlinking upstreams, so no delete conflicts), then the domain. */
async function removeDomain(client: CodeartifactClient, domain: string): Promise<void> {
  const names: string[] = [];
  try {
    for await (const page of paginateListRepositoriesInDomain({ client }, { domain })) {
      for (const r of page.repositories ?? []) names.push(r.name!);
    }
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return; // already gone (the test deleted it)
    throw err;
  }
  for (const repository of names) {
    await client.send(new UpdateRepositoryCommand({ domain, repository, upstreams: [] }));
  }
  for (const repository of names) {
    await client.send(new DeleteRepositoryCommand({ domain, repository }));
  }
  await client.send(new DeleteDomainCommand({ domain }));
  const gone = await client.send(new DescribeDomainCommand({ domain })).then(
    () => false,
    (err: unknown) => err instanceof ResourceNotFoundException,
  );
  if (!gone) throw new Error(`Domain ${domain} still exists after cleanup.`);
}

// ---------------------------------------------------------------------------------------------
// SDK clients for an emulator's URL, destroyed by the clean-up (after what it removes with them).
// ---------------------------------------------------------------------------------------------

/**
 * The emulator's answers as it gave them: a 409 is the answer under test here, never a moment
 * of eventual consistency to wait out (the harness's clients try those again: helpers/run/conflicts.ts).
 */
export const ANSWERS_AS_GIVEN = { maxAttempts: 1 } as const;

export function sdkClient(cleanup: Cleanup, url: string, region = REGION): CodeartifactClient {
  const client = codeartifactClient({ endpointUrl: url, region, credentials: CREDENTIALS }, {}, ANSWERS_AS_GIVEN);
  cleanup.add(async () => client.destroy());
  return client;
}

export function stsClientFor(cleanup: Cleanup, url: string, region = REGION): STSClient {
  const client = stsClient({ endpointUrl: url, region, credentials: CREDENTIALS });
  cleanup.add(async () => client.destroy());
  return client;
}

export const test = base.extend<{ cleanup: Cleanup; codeartifact: CodeartifactClient; sts: STSClient }, { emulator: EmulatorProcess }>({
  emulator: [
    async ({}, use) => {
      const emulator = await startEmulatorProcess();
      await use(emulator);
      await emulator.stop();
    },
    { scope: 'worker' },
  ],
  cleanup: async ({}, use) => {
    const cleanup = new Cleanup();
    try {
      await use(cleanup);
    } finally {
      await cleanup.run();
    }
  },
  // Registered with the clean-up before the test registers anything: destroyed after it.
  codeartifact: async ({ emulator, cleanup }, use) => {
    await use(sdkClient(cleanup, emulator.url));
  },
  sts: async ({ emulator, cleanup }, use) => {
    await use(stsClientFor(cleanup, emulator.url));
  },
});

export { expect } from '@playwright/test';

/** The error a call that must fail threw (the test fails if it does not). */
export async function rejection(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

// The tutorial's resources, made with the SDK (for tests that need them in place, not under test;
// shared with the harness's tests).
export { tutorialRepositories } from '../support/tutorial-repositories.ts';
