/**
 * Deletes what earlier harness runs left behind: domains tagged by the harness whose
 * created-at tag is older than the TTL, with their repositories. Anything without the
 * harness tag is never touched, whatever its name.
 */
import {
  DeleteDomainCommand,
  DeleteRepositoryCommand,
  ListDomainsCommand,
  ListRepositoriesInDomainCommand,
  ListTagsForResourceCommand,
  UpdateRepositoryCommand,
  type CodeartifactClient,
} from '@aws-sdk/client-codeartifact';
import { TAG_CREATED, TAG_HARNESS, TAG_RUN } from './ledger.ts';

export interface SweepResult {
  deleted: string[];
  kept: { domain: string; why: string }[];
  failed: { domain: string; error: string }[];
}

export async function sweep(client: CodeartifactClient, ttlMs: number, options: { dryRun?: boolean; now?: number } = {}): Promise<SweepResult> {
  const now = options.now ?? Date.now();
  const result: SweepResult = { deleted: [], kept: [], failed: [] };
  const domains: { name: string; arn: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListDomainsCommand({ ...(nextToken ? { nextToken } : {}) }));
    for (const d of page.domains ?? []) if (d.name && d.arn) domains.push({ name: d.name, arn: d.arn });
    nextToken = page.nextToken;
  } while (nextToken);

  for (const { name, arn } of domains) {
    const { tags = [] } = await client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    const tag = (key: string) => tags.find((t) => t.key === key)?.value;
    if (tag(TAG_HARNESS) !== 'true') {
      result.kept.push({ domain: name, why: 'not created by the harness (no harness tag)' });
      continue;
    }
    const created = Date.parse(tag(TAG_CREATED) ?? '');
    if (!Number.isFinite(created)) {
      result.kept.push({ domain: name, why: 'harness-tagged but without a readable created-at tag' });
      continue;
    }
    if (now - created < ttlMs) {
      result.kept.push({ domain: name, why: `younger than the TTL (run ${tag(TAG_RUN) ?? '?'} may still be going)` });
      continue;
    }
    if (options.dryRun) {
      result.deleted.push(name);
      continue;
    }
    try {
      await deleteDomainWithRepositories(client, name);
      result.deleted.push(name);
    } catch (err) {
      result.failed.push({ domain: name, error: `${(err as Error).name}: ${(err as Error).message}` });
    }
  }
  return result;
}

async function deleteDomainWithRepositories(client: CodeartifactClient, domain: string): Promise<void> {
  const repositories: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListRepositoriesInDomainCommand({ domain, ...(nextToken ? { nextToken } : {}) }));
    for (const r of page.repositories ?? []) if (r.name) repositories.push(r.name);
    nextToken = page.nextToken;
  } while (nextToken);
  // Upstream links first: a repository that is another's upstream cannot be deleted.
  for (const repository of repositories) {
    await client.send(new UpdateRepositoryCommand({ domain, repository, upstreams: [] }));
  }
  for (const repository of repositories) {
    await client.send(new DeleteRepositoryCommand({ domain, repository }));
  }
  await client.send(new DeleteDomainCommand({ domain }));
}
