/**
 * AWS CodeArtifact's default resource quotas, enforced the way AWS enforces them
 * (ServiceQuotaExceededException, 402), and adjustable per emulator with `--quota name=value`.
 *
 * Source: CodeArtifact User Guide, "Quotas in AWS CodeArtifact" (service-limits.html):
 * "Domains per AWS account: 10 (adjustable)", "Direct upstreams per repository: 10 (not
 * adjustable)", "Assets per package version: 150 (not adjustable)". Repositories per domain
 * (1000) and package groups per domain (1000) are from the same page's later rows, which the
 * copy we could consult cut off: they are the values we remember, marked so in COVERAGE.md.
 */
import { quotaExceeded, type ResourceType } from './errors.ts';

export const DEFAULT_QUOTAS = {
  /** Per account and region. */
  domainsPerAccount: 10,
  repositoriesPerDomain: 1000,
  directUpstreamsPerRepository: 10,
  packageGroupsPerDomain: 1000,
  assetsPerPackageVersion: 150,
} as const;

export type QuotaName = keyof typeof DEFAULT_QUOTAS;
export type Quotas = Record<QuotaName, number>;

/** `name=value`, value a non-negative integer. */
export function parseQuota(spec: string): [QuotaName, number] {
  const m = /^([A-Za-z]+)=(\d+)$/.exec(spec);
  if (!m || !(m[1]! in DEFAULT_QUOTAS)) {
    throw new Error(`'${spec}' is not <name>=<integer>; names: ${Object.keys(DEFAULT_QUOTAS).join(', ')}.`);
  }
  return [m[1] as QuotaName, Number(m[2])];
}

export function quotasFrom(specs: readonly string[] = []): Quotas {
  const quotas: Quotas = { ...DEFAULT_QUOTAS };
  for (const spec of specs) {
    const [name, value] = parseQuota(spec);
    quotas[name] = value;
  }
  return quotas;
}

/** Throws AWS's 402 when adding `adding` more would exceed the quota. */
export function enforceQuota(
  quotas: Quotas,
  name: QuotaName,
  current: number,
  resourceType: ResourceType,
  resourceId: string,
  what: string,
  adding = 1,
): void {
  const limit = quotas[name];
  if (current + adding > limit) {
    throw quotaExceeded(
      resourceType,
      resourceId,
      `${what}: the quota is ${limit} and ${current} ${current === 1 ? 'exists' : 'exist'} already. (Quota ${name}; request an increase in Service Quotas, or start the emulator with --quota ${name}=<n>.)`,
    );
  }
}
