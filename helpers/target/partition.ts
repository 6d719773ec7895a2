/**
 * The AWS partition a region belongs to, ARNs built in it, and the regions where CodeArtifact
 * is offered at all. An ARN written with `arn:aws:` names nothing in the China or GovCloud
 * partitions; a region without CodeArtifact fails every call with an endpoint error that reads
 * like a network problem, so the preflight refuses it up front and names the regions that work.
 */

import { InfrastructureError } from '../run/errors.ts';

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';

/** `aws-cn` for cn-*, `aws-us-gov` for us-gov-*, `aws` for every other region. */
export function partitionOf(region: string): Partition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export type CodeArtifactResource = { kind: 'domain'; domain: string } | { kind: 'repository'; domain: string; repository: string };

/** The resource's ARN, in the region's partition (the format of AWS's CodeArtifact permissions reference). */
export function codeartifactArn(region: string, account: string, resource: CodeArtifactResource): string {
  const path = resource.kind === 'domain' ? `domain/${resource.domain}` : `repository/${resource.domain}/${resource.repository}`;
  return `arn:${partitionOf(region)}:codeartifact:${region}:${account}:${path}`;
}

/**
 * The regions with a CodeArtifact endpoint, from AWS's "AWS CodeArtifact endpoints and quotas"
 * page (https://docs.aws.amazon.com/general/latest/gr/codeartifact.html, service endpoints
 * table, read 2026-11). None is in the China or GovCloud partitions. When AWS adds a region,
 * add it here.
 */
export const CODEARTIFACT_REGIONS: readonly string[] = [
  'us-east-2',
  'us-east-1',
  'us-west-2',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-south-1',
  'eu-west-3',
  'eu-north-1',
];

export interface RegionProblem {
  message: string;
  fix: string;
}

/** Undefined when CodeArtifact is offered in `region`; otherwise what is wrong and how to fix it. */
export function codeartifactRegionProblem(region: string): RegionProblem | undefined {
  if (CODEARTIFACT_REGIONS.includes(region)) return undefined;
  return {
    message: `AWS CodeArtifact is not offered in the region ${region} (partition ${partitionOf(region)}), so every call of the tutorial would fail there`,
    fix: `Set AWS_REGION to one of the regions with a CodeArtifact endpoint: ${CODEARTIFACT_REGIONS.join(', ')} (AWS's "AWS CodeArtifact endpoints and quotas" page).`,
  };
}

/** For the preflight on the `aws` target: throws (no verdict, exit 2) when CodeArtifact is not offered in `region`. */
export function requireCodeArtifactRegion(region: string): void {
  const problem = codeartifactRegionProblem(region);
  if (problem) throw new InfrastructureError(problem.message, problem.fix);
}
