/**
 * The records a run leaves: what the scenario runner writes per run (RunRecord) and what the
 * summary reporter makes of it with Playwright's per-step results (RunSummary). Every report
 * reads these types; none of them imports another report.
 */
import type { MatrixCell } from '../../scenarios/matrix-cells.ts';
import type { UndoReport } from '../run/ledger.ts';
import type { StepEvidence } from '../evidence/compare.ts';

/** What a run leaves for the reports beside the per-step results Playwright has. */
export interface RunRecord {
  project: string;
  scenario: string;
  scenarioTitle: string;
  target: string;
  targetDescription: string;
  region: string;
  runId: string;
  domain: string;
  tools: { aws?: string; npm?: string; node: string; packageManager?: string };
  /** The matrix cell this run was, if any. */
  cell?: MatrixCell;
  latency: { installMs?: number; visibleAfterMs?: number };
  leftovers: string[];
  cleanup: UndoReport;
  /** Per step: the command as run, its output (both redacted) and what was checked afterwards. */
  steps: Record<string, { commandAsRun?: string; output?: string; checked?: string; evidence?: StepEvidence }>;
}

export type StepStatus = 'passed' | 'failed' | 'skipped' | 'expected-failure';

export interface StepSummary {
  id: string;
  title: string;
  documented?: string;
  commandAsRun?: string;
  /** The command's transcript, redacted. */
  output?: string;
  checked?: string;
  /** The printed output against AWS's documentation or a recorded snapshot. */
  evidence?: StepEvidence;
  status: StepStatus;
  durationMs: number;
  error?: string;
}

export type RunSummary = Omit<RunRecord, 'steps'> & { steps: StepSummary[]; verdict: 'passed' | 'failed' };
