/**
 * How the harness names what it creates, in one place: the scenario runner names its domains
 * here, and `npm run sweep` recognises them here. A domain is `cc-<run id>-<scenario code><cell>`:
 * the run id (4-20 lower-case letters and digits, CONFORMANCE_RUN_ID), the scenario's one-letter
 * code (t, m, x) and 4 hex digits of the Playwright project (the matrix cell), e.g.
 * `cc-mf3k2x9qab12-t1f2e`. Within `cc-*`, the scope of aws/iam-policy.json.
 */
import { createHash } from 'node:crypto';

export const HARNESS_DOMAIN_PREFIX = 'cc-';

/** Exactly the names runDomainName gives, and nothing else. */
export const RUN_DOMAIN_PATTERN = /^cc-([a-z0-9]{4,20})-([a-z])([0-9a-f]{4})$/;

/** 4 hex digits that keep the domains of a run's projects (cells) apart. */
export function projectCode(project: string): string {
  return createHash('sha256').update(project).digest('hex').slice(0, 4);
}

export function runDomainName(runId: string, scenarioCode: string, project: string): string {
  const name = `${HARNESS_DOMAIN_PREFIX}${runId}-${scenarioCode}${projectCode(project)}`;
  if (!RUN_DOMAIN_PATTERN.test(name))
    throw new Error(`${name} is not a run's domain name (run id ${runId}, scenario code ${scenarioCode})`);
  return name;
}

/** The run id in a domain name the harness gives, or undefined when the name is not one of the harness's. */
export function runIdOfDomain(name: string): string | undefined {
  return RUN_DOMAIN_PATTERN.exec(name)?.[1];
}
