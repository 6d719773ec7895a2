/**
 * Removes what harness runs left behind, and nothing else. Each rule below looks at one kind
 * of leftover and says, per resource, what it did and why (one SweepLine each); an error on
 * one resource is reported and the sweep goes on. The rules:
 *  - deadRunLedgers: the clean-up ledgers of runs whose process is gone (killed, crashed)
 *    are undone on the target they name: what the run created, and only that, including a
 *    domain it created but never got to tag;
 *  - deadRunSandboxes: the sandboxes of runs whose process is gone, with the tokens in them;
 *  - harnessDomains: domains named exactly as a run names them (helpers/run/naming.ts) and
 *    older than the TTL: harness-tagged ones (by their created-at tag), and untagged ones (by
 *    their creation time: a run killed between create-domain and tagging, its ledger elsewhere).
 *    Only such names have their tags read; a run still going on this machine keeps its domains.
 * A domain not named as the harness names its domains is never touched, whatever its tags; one
 * so named that carries someone else's tags, or whose tags may not be read, is kept too.
 */
import {
  DeleteDomainCommand,
  DeleteRepositoryCommand,
  DescribeDomainCommand,
  ListRepositoriesInDomainCommand,
  ListTagsForResourceCommand,
  UpdateRepositoryCommand,
  paginateListDomains,
  type CodeartifactClient,
} from '@aws-sdk/client-codeartifact';
import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import { CleanupLedger, describeTarget, sameTarget, TAG_CREATED, TAG_HARNESS, TAG_RUN, type LedgerTarget } from './ledger.ts';
import { describeOwner, ownerState, type RunOwner } from './owner.ts';
import { sandboxesOnDisk } from './sandbox.ts';
import { isDeletedStatus } from './eventual.ts';
import { HARNESS_DOMAIN_PREFIX, runIdOfDomain } from './naming.ts';
import { accessDeniedOf } from '../target/aws-permissions.ts';

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

const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;

/** Run ids of this machine's runs that are still going (their ledgers' owners are alive): their domains are not swept. */
export function liveRunIds(): Set<string> {
  const ids = new Set<string>();
  for (const file of CleanupLedger.files()) {
    try {
      const ledger = CleanupLedger.load(file);
      if (ownerState(ledger.owner) === 'alive') ids.add(ledger.runId);
    } catch {
      // An unreadable ledger is reported by deadRunLedgers.
    }
  }
  return ids;
}

export interface HarnessDomainOptions extends SweepOptions {
  /** Runs still going: their domains are kept whatever their age (default: liveRunIds()). */
  liveRuns?: ReadonlySet<string>;
}

/**
 * The domains harness runs left on the target, past the TTL: harness-tagged ones by their
 * created-at tag, and untagged ones named exactly as a run names its domains (a run killed
 * between create-domain and tagging, whose ledger is on another machine) by their creation
 * time. Only names that match a run's exact naming are looked at (their tags read); any other
 * domain is kept without a call. An error on one domain is reported and the sweep goes on.
 */
export async function harnessDomains(client: CodeartifactClient, ttlMs: number, options: HarnessDomainOptions = {}): Promise<SweepLine[]> {
  const now = options.now ?? Date.now();
  const liveRuns = options.liveRuns ?? liveRunIds();
  const lines: SweepLine[] = [];
  const domains: { name: string; arn?: string; status?: string; createdMs?: number }[] = [];
  for await (const page of paginateListDomains({ client }, {})) {
    for (const d of page.domains ?? [])
      if (d.name)
        domains.push({
          name: d.name,
          ...(d.arn ? { arn: d.arn } : {}),
          ...(d.status ? { status: d.status } : {}),
          ...(d.createdTime ? { createdMs: d.createdTime.getTime() } : {}),
        });
  }

  for (const domain of domains) {
    const { name } = domain;
    const resource = `domain ${name}`;
    const runId = runIdOfDomain(name);
    if (!runId) {
      // Another team's domain: its tags are not even read (the harness's role may not read them: aws/iam-policy.json).
      lines.push({
        action: 'kept',
        resource,
        why: `not created by the harness: not named as a run names its domains (${HARNESS_DOMAIN_PREFIX}<run id>-<scenario><4 hex>), so its tags are not read`,
      });
      continue;
    }
    if (isDeletedStatus(domain.status)) {
      lines.push({
        action: 'kept',
        resource,
        why: `being deleted already (status ${domain.status}); AWS lists it until the delete completes`,
      });
      continue;
    }
    if (liveRuns.has(runId)) {
      lines.push({ action: 'kept', resource, why: `its run ${runId} is still going on this machine` });
      continue;
    }
    try {
      const decision = await decide(client, domain, runId, now, ttlMs);
      if (decision.action === 'kept') {
        lines.push({ action: 'kept', resource, why: decision.why });
      } else if (options.dryRun) {
        lines.push({ action: 'would remove', resource, why: decision.why });
      } else {
        await deleteDomainWithRepositories(client, name);
        lines.push({ action: 'removed', resource, why: decision.why });
      }
    } catch (err) {
      const denied = accessDeniedOf(err);
      lines.push({ action: 'failed', resource, why: denied ? `${denied.message}. Fix: ${denied.fix}` : errorText(err) });
    }
  }
  return lines;
}

/** Remove or keep one domain named as a run names its domains, and why. */
async function decide(
  client: CodeartifactClient,
  domain: { name: string; arn?: string; createdMs?: number },
  runId: string,
  now: number,
  ttlMs: number,
): Promise<{ action: 'remove' | 'kept'; why: string }> {
  let tags: { key?: string; value?: string }[];
  let arn = domain.arn;
  let createdMs = domain.createdMs;
  if (!arn || createdMs === undefined) {
    const described = (await client.send(new DescribeDomainCommand({ domain: domain.name }))).domain;
    arn ??= described?.arn;
    createdMs ??= described?.createdTime?.getTime();
  }
  if (!arn) return { action: 'kept', why: 'AWS gave no ARN for it, so its tags cannot be read' };
  try {
    tags = (await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags ?? [];
  } catch (err) {
    const denied = accessDeniedOf(err);
    if (!denied) throw err;
    // Not ours to judge: another team may own a domain that happens to look like ours.
    return {
      action: 'kept',
      why: `named as a run names its domains, but its tags may not be read (${denied.message}): not provably the harness's`,
    };
  }
  const tag = (key: string) => tags.find((t) => t.key === key)?.value;
  if (tag(TAG_HARNESS) === 'true') {
    const created = Date.parse(tag(TAG_CREATED) ?? '');
    if (!Number.isFinite(created)) return { action: 'kept', why: 'harness-tagged but without a readable created-at tag' };
    if (now - created < ttlMs)
      return {
        action: 'kept',
        why: `harness-tagged, ${hours(now - created)} old: younger than the TTL (run ${tag(TAG_RUN) ?? '?'} may still be going)`,
      };
    return {
      action: 'remove',
      why: `harness-tagged by run ${tag(TAG_RUN) ?? '?'}, ${hours(now - created)} old: older than the TTL of ${hours(ttlMs)}`,
    };
  }
  if (tags.length > 0) return { action: 'kept', why: "tagged, but not with the harness's tag: someone else's, whatever its name" };
  if (createdMs === undefined) return { action: 'kept', why: 'untagged, and AWS gave no creation time for it' };
  if (now - createdMs < ttlMs)
    return {
      action: 'kept',
      why: `untagged, named as run ${runId} names its domains, ${hours(now - createdMs)} old: younger than the TTL (the run may be tagging it)`,
    };
  return {
    action: 'remove',
    why: `untagged, named exactly as run ${runId} names its domains, ${hours(now - createdMs)} old: older than the TTL of ${hours(ttlMs)} (a run killed between create-domain and tagging leaves one)`,
  };
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
