/**
 * How the harness names a target in words, wherever it shows one: real AWS by account and
 * region, an endpoint by its URL, the project's emulator. targets.ts describes an opened target
 * with these names; a report whose run stopped before the target was opened names it by kind.
 */
import type { TargetKind } from '../run/config.ts';

/** The name of a target of `kind` (a kind the harness does not know is named as it is). */
export function targetName(kind: TargetKind | (string & {}), where: { account?: string; region?: string; endpoint?: string } = {}): string {
  switch (kind) {
    case 'aws':
      return where.account && where.region ? `AWS account ${where.account} in ${where.region}` : 'real AWS';
    case 'endpoint':
      return where.endpoint ? `the CodeArtifact-compatible endpoint ${where.endpoint}` : 'a CodeArtifact-compatible endpoint';
    case 'emulator':
      return "the project's emulator";
    default:
      return kind;
  }
}
