/**
 * Is it gone? AWS's deletes are eventually consistent: DeleteDomain answers with the domain's
 * status `Deleted`, and for a while afterwards the domain may still be described or listed
 * (as Deleted, or as it was). So the harness decides "gone" as AWS documents it:
 *  - a domain whose status is `Deleted` is gone, whoever says so;
 *  - a domain is gone when DescribeDomain does not find it (or says Deleted) and no page of
 *    ListDomains lists it other than as Deleted; a repository when DescribeRepository does not
 *    find it;
 *  - and it polls for that until a deadline (bounded), so that a delete that takes a few seconds
 *    to show neither fails the clean-up step nor counts as left behind.
 */
import {
  DescribeDomainCommand,
  DescribeRepositoryCommand,
  paginateListDomains,
  type CodeartifactClient,
} from '@aws-sdk/client-codeartifact';

/** The status AWS gives a domain being deleted (DeleteDomain's own answer carries it). */
export const DELETED_STATUS = 'Deleted';

export const isDeletedStatus = (status: string | undefined): boolean => status === DELETED_STATUS;

/** How long to wait for a delete to show: AWS may take seconds; a local target shows it at once. */
export function goneWaitMs(target: string | undefined): number {
  return target === 'aws' ? 60_000 : 15_000;
}

export interface GoneResult {
  gone: boolean;
  /** How long the harness waited for it. */
  waitedMs: number;
  /** How many times it looked (1: gone at once). */
  looks: number;
  /** When not gone: what still shows it. */
  still?: string;
}

const notFound = (err: unknown) => (err as { name?: unknown }).name === 'ResourceNotFoundException';

/** What still shows the domain, or undefined when nothing does. */
async function domainStillShown(client: CodeartifactClient, domain: string, domainOwner?: string): Promise<string | undefined> {
  const owner = domainOwner ? { domainOwner } : {};
  try {
    const { domain: described } = await client.send(new DescribeDomainCommand({ domain, ...owner }));
    if (!isDeletedStatus(described?.status)) return `DescribeDomain answers it with status ${described?.status ?? '(none)'}`;
  } catch (err) {
    if (!notFound(err)) throw err;
  }
  for await (const page of paginateListDomains({ client }, {})) {
    const listed = page.domains?.find((d) => d.name === domain && (!domainOwner || !d.owner || d.owner === domainOwner));
    if (listed && !isDeletedStatus(listed.status)) return `ListDomains lists it with status ${listed.status ?? '(none)'}`;
  }
  return undefined;
}

async function repositoryStillShown(client: CodeartifactClient, domain: string, repository: string): Promise<string | undefined> {
  try {
    await client.send(new DescribeRepositoryCommand({ domain, repository }));
    return 'DescribeRepository still answers it';
  } catch (err) {
    if (notFound(err)) return undefined;
    throw err;
  }
}

/** Polls `stillShown` (250 ms doubling to 2 s) until it says nothing or `waitMs` has passed. */
async function waitUntilGone(waitMs: number, stillShown: () => Promise<string | undefined>): Promise<GoneResult> {
  const started = Date.now();
  let pause = 250;
  for (let looks = 1; ; looks++) {
    const still = await stillShown();
    const waitedMs = Date.now() - started;
    if (still === undefined) return { gone: true, waitedMs, looks };
    if (waitedMs + pause > waitMs) return { gone: false, waitedMs, looks, still };
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 2_000);
  }
}

export function waitUntilDomainGone(client: CodeartifactClient, domain: string, waitMs: number, domainOwner?: string): Promise<GoneResult> {
  return waitUntilGone(waitMs, () => domainStillShown(client, domain, domainOwner));
}

export function waitUntilRepositoryGone(
  client: CodeartifactClient,
  domain: string,
  repository: string,
  waitMs: number,
): Promise<GoneResult> {
  return waitUntilGone(waitMs, () => repositoryStillShown(client, domain, repository));
}

/** "domain x is gone", and how long that took to show when it was not at once. */
export function goneText(what: string, result: GoneResult): string {
  if (!result.gone) return `${what} still exists ${Math.round(result.waitedMs / 1000)} s after its delete: ${result.still}`;
  return result.looks > 1 ? `${what} is gone (the delete took ${(result.waitedMs / 1000).toFixed(1)} s to show)` : `${what} is gone`;
}
