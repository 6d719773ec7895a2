/**
 * The clean-up ledger: every resource a run is about to create is written down first, on
 * disk and fsynced before the creating call, so that `npm run sweep` can undo it after the
 * run is killed (even with SIGKILL, even in the middle of create-domain, before the domain
 * got its tag); a live run undoes it in reverse order after a failure or an interrupt. The
 * file names its owner (pid, host, start time) and its target, so that sweep knows when the
 * run is dead and where to undo. It never deletes what the run did not create: a resource
 * is removed only if it carries this run's tag, or is untagged and was created after the run
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
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { TargetKind } from './config.ts';
import { stateDir, thisProcess, type RunOwner } from './owner.ts';
import { codeartifactArn } from '../target/partition.ts';
import { accessDeniedOf } from '../target/aws-permissions.ts';
import { isDeletedStatus } from './eventual.ts';

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

export const describeResource = (r: LedgerResource): string =>
  r.kind === 'domain'
    ? `domain ${r.domain}`
    : r.kind === 'repository'
      ? `repository ${r.domain}/${r.repository}`
      : `upstreams of ${r.domain}/${r.repository}`;

export interface UndoReport {
  undone: string[];
  /** With `accessDenied` where IAM refused the call: the role's problem, not the tutorial's. */
  failed: { resource: string; error: string; accessDenied?: { actions: string[]; fix: string } }[];
}

/** Where a ledger's resources live: sweep undoes a dead run's ledger only on the same target. */
export interface LedgerTarget {
  kind: TargetKind;
  /** Off AWS. */
  endpointUrl?: string;
  account: string;
  region: string;
}

interface LedgerFile {
  runId: string;
  owner: RunOwner;
  target: LedgerTarget;
  entries: Entry[];
}

/** What happened to one resource when a ledger was undone, and why; for sweep's report. */
export interface UndoLine {
  resource: string;
  action: 'removed' | 'would remove' | 'kept' | 'failed';
  why: string;
}

export const ledgersDir = (): string => join(stateDir(), 'ledgers');

export function sameTarget(a: LedgerTarget, b: LedgerTarget): boolean {
  const url = (u: string | undefined) => u?.replace(/\/+$/, '');
  return a.kind === b.kind && url(a.endpointUrl) === url(b.endpointUrl) && a.account === b.account && a.region === b.region;
}

export function describeTarget(t: LedgerTarget): string {
  return t.kind === 'aws'
    ? `AWS account ${t.account} in ${t.region}`
    : `${t.kind} ${t.endpointUrl ?? ''} (account ${t.account}, ${t.region})`;
}

export class CleanupLedger {
  private readonly entries: Entry[];
  readonly runId: string;
  readonly owner: RunOwner;
  readonly target: LedgerTarget;

  /** A new ledger for this process's run, in the state folder (see ledgersDir). */
  static create(name: string, runId: string, target: LedgerTarget): CleanupLedger {
    return new CleanupLedger(join(ledgersDir(), `${name.replace(/[^a-z0-9-]/gi, '-')}.json`), {
      runId,
      owner: thisProcess(),
      target,
      entries: [],
    });
  }

  /** A ledger on disk, e.g. a dead run's, for sweep. Throws if it is unreadable. */
  static load(file: string): CleanupLedger {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<LedgerFile>;
    if (typeof data.runId !== 'string' || !data.owner || !data.target || !Array.isArray(data.entries)) {
      throw new Error(`${basename(file)} is not a clean-up ledger (runId, owner, target and entries expected)`);
    }
    return new CleanupLedger(file, data as LedgerFile, false);
  }

  /** Every ledger file in the state folder. */
  static files(): string[] {
    try {
      return readdirSync(ledgersDir())
        .filter((n) => n.endsWith('.json'))
        .map((n) => join(ledgersDir(), n));
    } catch {
      return [];
    }
  }

  private constructor(
    readonly file: string,
    data: LedgerFile,
    write = true,
  ) {
    this.runId = data.runId;
    this.owner = data.owner;
    this.target = data.target;
    this.entries = data.entries;
    if (write) {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      this.save();
    }
  }

  /** Written and fsynced before it returns: call it before the call that creates. */
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

  /**
   * Undoes everything not yet removed, newest first, one resource at a time (an error is
   * reported and the rest still undone); never throws. The ledger file goes once nothing
   * is left. A dry run only says what it would do.
   */
  async undoAll(client: CodeartifactClient, options: { dryRun?: boolean; onEach?: (line: UndoLine) => void } = {}): Promise<UndoReport> {
    const report: UndoReport = { undone: [], failed: [] };
    const say = options.onEach ?? (() => {});
    for (const entry of [...this.entries].reverse()) {
      if (entry.state === 'removed') continue;
      const resource = describeResource(entry.resource);
      try {
        const ours = await this.isOurs(entry, client);
        if (!ours.ours) {
          say({ resource, action: 'kept', why: ours.why });
          if (!options.dryRun) entry.state = 'removed';
        } else if (options.dryRun) {
          say({ resource, action: 'would remove', why: ours.why });
        } else {
          await this.undo(entry, client);
          report.undone.push(resource);
          say({ resource, action: 'removed', why: ours.why });
          entry.state = 'removed';
        }
      } catch (err) {
        const error = `${(err as Error).name}: ${(err as Error).message}`;
        const denied = accessDeniedOf(err);
        report.failed.push({ resource, error, ...(denied ? { accessDenied: { actions: [...denied.actions], fix: denied.fix } } : {}) });
        say({ resource, action: 'failed', why: error });
      }
      if (!options.dryRun) this.save();
    }
    if (!options.dryRun && report.failed.length === 0) rmSync(this.file, { force: true });
    return report;
  }

  /** Forgets the ledger (its resources are gone some other way, e.g. with the run's own emulator). */
  discard(): void {
    rmSync(this.file, { force: true });
  }

  arnOf(r: LedgerResource): string {
    return codeartifactArn(
      this.target.region,
      this.target.account,
      r.kind === 'domain' ? r : { kind: 'repository', domain: r.domain, repository: r.repository },
    );
  }

  private async undo(entry: Entry, client: CodeartifactClient): Promise<void> {
    const r = entry.resource;
    try {
      if (r.kind === 'upstreams') {
        await client.send(new UpdateRepositoryCommand({ domain: r.domain, repository: r.repository, upstreams: [] }));
      } else if (r.kind === 'repository') {
        await client.send(new DeleteRepositoryCommand({ domain: r.domain, repository: r.repository }));
      } else {
        await client.send(new DeleteDomainCommand({ domain: r.domain }));
      }
    } catch (err) {
      // A delete retried after a connection reset may find its first attempt already done.
      if ((err as Error).name !== 'ResourceNotFoundException' || r.kind === 'upstreams') throw err;
    }
  }

  /** Exists, and carries our run tag or was created after we meant to create it. */
  private async isOurs(entry: Entry, client: CodeartifactClient): Promise<{ ours: boolean; why: string }> {
    const r = entry.resource;
    const run = `run ${this.runId}`;
    let createdMs: number | undefined;
    try {
      if (r.kind === 'domain') {
        const { domain } = await client.send(new DescribeDomainCommand({ domain: r.domain }));
        // AWS may describe a domain for a while after its delete, as Deleted: it is gone.
        if (isDeletedStatus(domain?.status)) return { ours: false, why: `is being deleted already (status ${domain?.status})` };
        createdMs = domain?.createdTime?.getTime();
      } else {
        createdMs = (
          await client.send(new DescribeRepositoryCommand({ domain: r.domain, repository: r.repository }))
        ).repository?.createdTime?.getTime();
      }
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException')
        return { ours: false, why: `does not exist (${run} never created it, or it is gone already)` };
      throw err;
    }
    const owner: LedgerResource = r.kind === 'upstreams' ? { kind: 'repository', domain: r.domain, repository: r.repository } : r;
    const { tags } = await client.send(new ListTagsForResourceCommand({ resourceArn: this.arnOf(owner) }));
    const tagged = tags?.find((t) => t.key === TAG_RUN)?.value;
    if (tagged !== undefined) {
      return tagged === this.runId
        ? { ours: true, why: `tagged by ${run}, which created it` }
        : { ours: false, why: `tagged by another run (${tagged}), not ${run}` };
    }
    if (createdMs !== undefined && createdMs >= entry.intendedAt) {
      return { ours: true, why: `untagged, created after ${run} wrote down its intent to create it (the run died before tagging it)` };
    }
    return { ours: false, why: `untagged and older than ${run}'s intent to create it: not created by the harness` };
  }

  private find(resource: LedgerResource): Entry | undefined {
    const key = JSON.stringify(resource);
    return [...this.entries].reverse().find((e) => JSON.stringify(e.resource) === key);
  }

  /** Temp file, fsync, rename, fsync the folder: after a crash the file is whole, old or new. */
  private save(): void {
    const data: LedgerFile = { runId: this.runId, owner: this.owner, target: this.target, entries: this.entries };
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(data, null, 2));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    const dir = openSync(dirname(this.file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }
}
