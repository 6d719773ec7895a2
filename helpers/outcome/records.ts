/**
 * What the scenario runner leaves per scenario run (RunRecord, `<reports>/runs/*.json`) for the
 * outcome reporter, which joins it with Playwright's per-step results into the typed outcome
 * model (helpers/outcome/model.ts). Every record carries its run id; a reader takes only the
 * records of its own run.
 */
import type { MatrixCell } from '../../scenarios/matrix-cells.ts';
import type { UndoReport } from '../run/ledger.ts';
import type { StepEvidence } from '../evidence/compare.ts';
import type { Retry, StepFinding } from './model.ts';

export interface StepRecord {
  commandAsRun?: string;
  output?: string;
  checked?: string;
  /** The printed output against AWS's documentation or a recorded snapshot (scenarios/snapshots). */
  outputCheck?: StepEvidence;
  /** Set when the step did not pass: its kind and fields, as the runner decided them. */
  finding?: StepFinding;
  /** Calls tried again during the step (a 409 while AWS caught up with a delete). */
  retries?: Retry[];
}

export interface RunRecord {
  project: string;
  scenario: string;
  scenarioTitle: string;
  target: string;
  targetDescription: string;
  endpoint?: string;
  region: string;
  runId: string;
  domain: string;
  tools: { aws?: string; npm?: string; node: string; packageManager?: string };
  /** The matrix cell this run was, if any. */
  cell?: MatrixCell;
  latency: { installMs?: number; visibleAfterMs?: number };
  leftovers: string[];
  /** What the ledger undid after the steps, and what it could not. */
  cleanup: UndoReport;
  /** What the tutorial's own clean-up steps removed. */
  removedBySteps: string[];
  /** Per step: the command as run, its output (both redacted), what was checked, its finding. */
  steps: Record<string, StepRecord>;
}
