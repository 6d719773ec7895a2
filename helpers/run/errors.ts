/**
 * The harness's errors carry their outcome kind, set where they are thrown; no reader
 * recovers a kind from the words of a message.
 */
import type { StepFinding, StepKind } from '../outcome/model.ts';

/**
 * Failures of the run's surroundings (no CLI, no credentials, target unreachable, wrong
 * account), as opposed to the tutorial not working: no verdict (gate exit 2), not a failure.
 */
export class InfrastructureError extends Error {
  override name = 'InfrastructureError';
  readonly kind: StepKind = 'infrastructure-problem';
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}\nFix: ${fix}`);
  }
}

/** A step's outcome other than passed, with its fields; the message is rendered from them. */
export class StepFailure extends Error {
  override name = 'StepFailure';
  constructor(readonly finding: StepFinding & { where: string; title: string }) {
    super(renderFinding(finding));
  }
  get kind(): StepKind {
    return this.finding.kind;
  }
}

/** The message for a finding, as the console and Playwright's report show it. */
export function renderFinding(f: StepFinding & { where: string; title: string }): string {
  const lines: string[] = [];
  if (f.kind === 'infrastructure-problem') {
    lines.push(`${f.where}, "${f.title}": the harness could not run this step (no verdict on the tutorial).`);
    if (f.observed) lines.push(`Problem: ${f.observed}`);
  } else if (f.knownIssueFixed && f.knownIssue) {
    lines.push(`Known issue no longer reproduces: ${f.knownIssue.title} (${f.knownIssue.url}). ${f.where}, "${f.title}", worked.`);
  } else {
    lines.push(`${f.where}, "${f.title}", did not work.`);
    if (f.expected) lines.push(`Expected: ${f.expected}.`);
    if (f.observed) lines.push(`What happened: ${f.observed}`);
  }
  if (f.evidence?.command)
    lines.push(`Command: ${f.evidence.command}${f.evidence.exitCode !== undefined ? ` (exit code ${f.evidence.exitCode})` : ''}`);
  if (f.hint) lines.push(`Fix: ${f.hint}`);
  return lines.join('\n');
}
