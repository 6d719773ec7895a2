/**
 * Fixtures for the emulator's contract tests: one emulator process per worker, started with
 * `npm run emulator`'s entry point, and clients configured with nothing but its URL and the
 * default credentials, as a user of the emulator would.
 */
import {
  CodeartifactClient,
  DeleteDomainCommand,
  DeleteRepositoryCommand,
  DescribeDomainCommand,
  ResourceNotFoundException,
  UpdateRepositoryCommand,
  paginateListRepositoriesInDomain,
} from '@aws-sdk/client-codeartifact';
import { STSClient } from '@aws-sdk/client-sts';
import { test as base } from '@playwright/test';
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

export const test = base.extend<{ codeartifact: CodeartifactClient; sts: STSClient }, { emulator: EmulatorProcess }>({
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

// The tutorial's resources, made with the SDK (shared with the harness's tests).
export { tutorialRepositories } from '../support/tutorial-repositories.ts';

// ---------------------------------------------------------------------------------------------
// Clean-up of every domain a test created, with its repositories (shared by the contract tests).
// ---------------------------------------------------------------------------------------------

/** Domains a test created, per client (region); removed with all their repositories afterwards. */
/** The error a call that must fail threw (the test fails if it does not). */
export async function rejection(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

export class Cleanup {
  private readonly domains: { client: CodeartifactClient; domain: string }[] = [];

  /** Registers a domain for removal and returns its name. */
  track(client: CodeartifactClient, domain: string): string {
    this.domains.push({ client, domain });
    return domain;
  }

  async run(): Promise<void> {
    const failures: unknown[] = [];
    for (const { client, domain } of [...this.domains].reverse()) {
      try {
        await removeDomain(client, domain);
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, `Cleanup failed for ${failures.length} domain(s).`);
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

export { expect } from '@playwright/test';
