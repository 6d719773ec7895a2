/**
 * Removes what harness runs left behind, and nothing else. Each rule below looks at one kind
 * of leftover and says, per resource, what it did and why (one SweepLine each); an error on
 * one resource is reported and the sweep goes on. The rules:
 *  - deadRunLedgers: the clean-up ledgers of runs whose process is gone (killed, crashed)
 *    are undone on the target they name: what the run created, and only that, including a
 *    domain it created but never got to tag;
 *  - deadRunSandboxes: the sandboxes of runs whose process is gone, with the tokens in them;
 *  - taggedDomains: domains carrying the harness tag whose created-at tag is older than the
 *    TTL (a run on another machine that died; its ledger is not here).
 * A domain without the harness tag that no ledger names is never touched, whatever its name.
 * More rules (e.g. by naming) are one more function returning SweepLines.
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
import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import { CleanupLedger, describeTarget, sameTarget, TAG_CREATED, TAG_HARNESS, TAG_RUN, type LedgerTarget } from './ledger.ts';
import { describeOwner, ownerState, type RunOwner } from './owner.ts';
import { sandboxesOnDisk } from './sandbox.ts';

export interface SweepLine {
  action: 'removed' | 'would remove' | 'kept' | 'failed';
  /** What it is, e.g. `domain cc-x`, `sandbox /tmp/...`, `ledger x.json`. */
  resource: string;
  why: string;
}

export interface SweepOptions {
  dryRun?: boolean;
  now?: number;
}

/** The target being swept, if any: ledgers are undone only on the target they name. */
export interface SweepTarget {
  client: CodeartifactClient;
  identity: LedgerTarget;
}

const errorText = (err: unknown) => `${(err as Error).name}: ${(err as Error).message}`;

function ownerWhy(owner: RunOwner): { dead: boolean; why: string } {
  const state = ownerState(owner);
  if (state === 'alive') return { dead: false, why: `its run is still going (${describeOwner(owner)})` };
  if (state === 'other-host') return { dead: false, why: `its run is on another host (${describeOwner(owner)}); sweep there` };
  return { dead: true, why: `its run is gone (${describeOwner(owner)})` };
}

export async function deadRunLedgers(target: SweepTarget | undefined, options: SweepOptions = {}): Promise<SweepLine[]> {
  const lines: SweepLine[] = [];
  for (const file of CleanupLedger.files()) {
    const name = `ledger ${basename(file)}`;
    let ledger: CleanupLedger;
    try {
      ledger = CleanupLedger.load(file);
    } catch (err) {
      lines.push({ action: 'failed', resource: name, why: `unreadable, kept for a person to look at: ${errorText(err)}` });
      continue;
    }
    const owner = ownerWhy(ledger.owner);
    if (!owner.dead) {
      lines.push({ action: 'kept', resource: name, why: owner.why });
      continue;
    }
    const pending = ledger.pending().length;
    if (pending === 0 || ledger.target.kind === 'emulator') {
      // The embedded emulator (a process or container the run started) holds its state in
      // memory and stops with the run: what the ledger names went with it.
      const why =
        pending === 0
          ? `${owner.why}; nothing left to undo`
          : `${owner.why}; its target was the run's own emulator, which held what it created and stopped with it`;
      if (!options.dryRun) ledger.discard();
      lines.push({ action: options.dryRun ? 'would remove' : 'removed', resource: name, why });
      continue;
    }
    if (!target || !sameTarget(target.identity, ledger.target)) {
      lines.push({
        action: 'kept',
        resource: name,
        why: `${owner.why}, but it names ${pending} resource(s) on ${describeTarget(ledger.target)}, not the target swept now; sweep that target to undo them`,
      });
      continue;
    }
    const report = await ledger.undoAll(target.client, {
      ...(options.dryRun ? { dryRun: true } : {}),
      onEach: (l) =>
        lines.push({
          action: l.action,
          resource: l.resource,
          why: `${l.why}; run ${ledger.runId} is dead (${describeOwner(ledger.owner)})`,
        }),
    });
    if (report.failed.length > 0)
      lines.push({
        action: 'kept',
        resource: name,
        why: `${report.failed.length} resource(s) could not be undone; the next sweep tries again`,
      });
    else
      lines.push({
        action: options.dryRun ? 'would remove' : 'removed',
        resource: name,
        why: `${owner.why}; everything it names is undone`,
      });
  }
  return lines;
}

/** A sandbox without an owner file this old was left by a run that died while creating it. */
const OWNERLESS_GRACE_MS = 60_000;

export function deadRunSandboxes(options: SweepOptions = {}): SweepLine[] {
  const now = options.now ?? Date.now();
  const lines: SweepLine[] = [];
  for (const sandbox of sandboxesOnDisk()) {
    const resource = `sandbox ${sandbox.root}`;
    let why: string;
    if (sandbox.owner) {
      const owner = ownerWhy(sandbox.owner);
      if (!owner.dead) {
        lines.push({ action: 'kept', resource, why: owner.why });
        continue;
      }
      why = `${owner.why}; it holds the run's HOME (an npm token in .npmrc, npm's logs) and AWS config`;
    } else if (now - sandbox.modifiedAt > OWNERLESS_GRACE_MS) {
      why = 'no owner recorded: its run died while creating it';
    } else {
      lines.push({ action: 'kept', resource, why: 'no owner recorded yet: a run may be creating it right now' });
      continue;
    }
    if (options.dryRun) {
      lines.push({ action: 'would remove', resource, why });
      continue;
    }
    try {
      rmSync(sandbox.root, { recursive: true, force: true });
      lines.push({ action: 'removed', resource, why });
    } catch (err) {
      lines.push({ action: 'failed', resource, why: errorText(err) });
    }
  }
  return lines;
}

/** Every domain the harness creates is named `cc-<run id>-<scenario and cell>` (helpers/run/scenario-runner.ts). */
export const HARNESS_DOMAIN_PREFIX = 'cc-';

export async function taggedDomains(client: CodeartifactClient, ttlMs: number, options: SweepOptions = {}): Promise<SweepLine[]> {
  const now = options.now ?? Date.now();
  const lines: SweepLine[] = [];
  const domains: { name: string; arn: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListDomainsCommand({ ...(nextToken ? { nextToken } : {}) }));
    for (const d of page.domains ?? []) if (d.name && d.arn) domains.push({ name: d.name, arn: d.arn });
    nextToken = page.nextToken;
  } while (nextToken);

  const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;
  for (const { name, arn } of domains) {
    const resource = `domain ${name}`;
    if (!name.startsWith(HARNESS_DOMAIN_PREFIX)) {
      // Another team's domain: its tags are not even read (the harness's role may not read them: aws/iam-policy.json).
      lines.push({
        action: 'kept',
        resource,
        why: `not created by the harness: not named as it names its domains (${HARNESS_DOMAIN_PREFIX}*), so its tags are not read`,
      });
      continue;
    }
    try {
      const { tags = [] } = await client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
      const tag = (key: string) => tags.find((t) => t.key === key)?.value;
      if (tag(TAG_HARNESS) !== 'true') {
        lines.push({ action: 'kept', resource, why: "not created by the harness (no harness tag, named in no dead run's ledger)" });
        continue;
      }
      const created = Date.parse(tag(TAG_CREATED) ?? '');
      if (!Number.isFinite(created)) {
        lines.push({ action: 'kept', resource, why: 'harness-tagged but without a readable created-at tag' });
        continue;
      }
      if (now - created < ttlMs) {
        lines.push({
          action: 'kept',
          resource,
          why: `harness-tagged, ${hours(now - created)} old: younger than the TTL (run ${tag(TAG_RUN) ?? '?'} may still be going)`,
        });
        continue;
      }
      const why = `harness-tagged by run ${tag(TAG_RUN) ?? '?'}, ${hours(now - created)} old: older than the TTL of ${hours(ttlMs)}`;
      if (options.dryRun) {
        lines.push({ action: 'would remove', resource, why });
        continue;
      }
      await deleteDomainWithRepositories(client, name);
      lines.push({ action: 'removed', resource, why });
    } catch (err) {
      lines.push({ action: 'failed', resource, why: errorText(err) });
    }
  }
  return lines;
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
