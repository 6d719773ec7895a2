/**
 * The clean-up ledger: every resource a run is about to create is written down first (also
 * to disk, so `npm run sweep` can find it after a crash), and undone in reverse order after
 * a failure or an interrupt. It never deletes what the run did not create: a resource is
 * removed only if it carries this run's tag, or is untagged and was created after the run
 * wrote down its intent to create it.
 */
import {
  DeleteDomainCommand,
  DeleteRepositoryCommand,
  DescribeDomainCommand,
  DescribeRepositoryCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdateRepositoryCommand,
  type CodeartifactClient,
} from '@aws-sdk/client-codeartifact';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type LedgerResource =
  | { kind: 'domain'; domain: string }
  | { kind: 'repository'; domain: string; repository: string }
  | { kind: 'upstreams'; domain: string; repository: string };

interface Entry {
  resource: LedgerResource;
  /** When the run decided to create it, epoch ms. */
  intendedAt: number;
  state: 'intended' | 'created' | 'removed';
}

export const TAG_HARNESS = 'codeartifact-conformance:harness';
export const TAG_RUN = 'codeartifact-conformance:run-id';
export const TAG_CREATED = 'codeartifact-conformance:created-at';

export function runTags(runId: string): { key: string; value: string }[] {
  return [
    { key: TAG_HARNESS, value: 'true' },
    { key: TAG_RUN, value: runId },
    { key: TAG_CREATED, value: new Date().toISOString() },
  ];
}

const describe = (r: LedgerResource) =>
  r.kind === 'domain' ? `domain ${r.domain}` : r.kind === 'repository' ? `repository ${r.domain}/${r.repository}` : `upstreams of ${r.domain}/${r.repository}`;

export interface UndoReport {
  undone: string[];
  failed: { resource: string; error: string }[];
}

export class CleanupLedger {
  private readonly entries: Entry[] = [];

  constructor(
    readonly runId: string,
    private readonly file: string,
    private readonly arnOf: (r: LedgerResource) => string,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.save();
  }

  intend(resource: LedgerResource): void {
    this.entries.push({ resource, intendedAt: Date.now() - 1000, state: 'intended' });
    this.save();
  }

  /** The resource now exists: tag it as this run's (domains and repositories). */
  async created(resource: LedgerResource, client: CodeartifactClient): Promise<void> {
    const entry = this.find(resource);
    if (entry) entry.state = 'created';
    this.save();
    if (resource.kind !== 'upstreams') {
      await client.send(new TagResourceCommand({ resourceArn: this.arnOf(resource), tags: runTags(this.runId) }));
    }
  }

  /** The run removed it itself (the tutorial's clean-up): nothing left to undo. */
  removed(resource: LedgerResource): void {
    const entry = this.find(resource);
    if (entry) entry.state = 'removed';
    this.save();
  }

  pending(): LedgerResource[] {
    return this.entries.filter((e) => e.state !== 'removed').map((e) => e.resource);
  }

  /** Undoes everything not yet removed, newest first; never throws. */
  async undoAll(client: CodeartifactClient): Promise<UndoReport> {
    const report: UndoReport = { undone: [], failed: [] };
    for (const entry of [...this.entries].reverse()) {
      if (entry.state === 'removed') continue;
      try {
        if (await this.undo(entry, client)) report.undone.push(describe(entry.resource));
        entry.state = 'removed';
      } catch (err) {
        report.failed.push({ resource: describe(entry.resource), error: `${(err as Error).name}: ${(err as Error).message}` });
      }
      this.save();
    }
    if (report.failed.length === 0) rmSync(this.file, { force: true });
    return report;
  }

  private async undo(entry: Entry, client: CodeartifactClient): Promise<boolean> {
    const r = entry.resource;
    if (!(await this.isOurs(entry, client))) return false;
    if (r.kind === 'upstreams') {
      await client.send(new UpdateRepositoryCommand({ domain: r.domain, repository: r.repository, upstreams: [] }));
    } else if (r.kind === 'repository') {
      await client.send(new DeleteRepositoryCommand({ domain: r.domain, repository: r.repository }));
    } else {
      await client.send(new DeleteDomainCommand({ domain: r.domain }));
    }
    return true;
  }

  /** Exists, and carries our run tag or was created after we meant to create it. */
  private async isOurs(entry: Entry, client: CodeartifactClient): Promise<boolean> {
    const r = entry.resource;
    let createdMs: number | undefined;
    try {
      if (r.kind === 'domain') {
        createdMs = (await client.send(new DescribeDomainCommand({ domain: r.domain }))).domain?.createdTime?.getTime();
      } else {
        createdMs = (await client.send(new DescribeRepositoryCommand({ domain: r.domain, repository: r.repository }))).repository
          ?.createdTime?.getTime();
      }
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') return false;
      throw err;
    }
    const owner: LedgerResource = r.kind === 'upstreams' ? { kind: 'repository', domain: r.domain, repository: r.repository } : r;
    const { tags } = await client.send(new ListTagsForResourceCommand({ resourceArn: this.arnOf(owner) }));
    const run = tags?.find((t) => t.key === TAG_RUN)?.value;
    if (run !== undefined) return run === this.runId;
    return createdMs !== undefined && createdMs >= entry.intendedAt;
  }

  private find(resource: LedgerResource): Entry | undefined {
    const key = JSON.stringify(resource);
    return [...this.entries].reverse().find((e) => JSON.stringify(e.resource) === key);
  }

  private save(): void {
    writeFileSync(this.file, JSON.stringify({ runId: this.runId, entries: this.entries }, null, 2));
  }

  static read(file: string): { runId: string; entries: Entry[] } {
    return JSON.parse(readFileSync(file, 'utf8')) as { runId: string; entries: Entry[] };
  }
}
