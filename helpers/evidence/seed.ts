/**
 * The baseline snapshots, from what AWS documents: each step's documented sample output,
 * adapted to the tutorial's command and normalised, marked `aws-documented`. A recording on
 * AWS (CONFORMANCE_RECORD=1) replaces an entry with what AWS answered.
 */
import type { Scenario } from '../../scenarios/types.ts';
import { documentedExpectation } from './compare.ts';
import type { SnapshotFile } from './snapshots.ts';
import { transformers } from './transformers.ts';

export function documentedSnapshots(scenario: Scenario): SnapshotFile {
  const steps: SnapshotFile['steps'] = {};
  for (const step of scenario.steps) {
    const doc = step.documentedOutput;
    if (!doc) continue;
    steps[step.id] = { provenance: { kind: 'aws-documented', where: doc.where }, output: documentedExpectation(doc) };
  }
  return { scenario: scenario.id, transformers: transformers.map(({ name, replaces }) => ({ name, replaces })), steps };
}
