/**
 * `writeDocsReport(reportsDir)` reads `<reportsDir>/summary.json`, records the run in the
 * history (`$CONFORMANCE_HISTORY_DIR` or `<reportsDir>/history`, last 100 runs), reads
 * `<reportsDir>/drift.json` if present and writes `<reportsDir>/docs/index.html` (page.ts).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSummaryFile } from '../../outcome/files.ts';
import { HISTORY_LIMIT, historyEntryFor, type DocsReportLinks, type DriftReport, type HistoryEntry } from './page-data.ts';
import { renderDocsReport } from './page.ts';

export const historyDirFor = (reportsDir: string): string => process.env.CONFORMANCE_HISTORY_DIR || join(reportsDir, 'history');

function readHistory(file: string): HistoryEntry[] {
  if (!existsSync(file)) return [];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter(
        (e): e is HistoryEntry =>
          !!e && typeof e === 'object' && typeof (e as HistoryEntry).runId === 'string' && typeof (e as HistoryEntry).date === 'string',
      )
      .map((e) => ({ ...e, failedSteps: Array.isArray(e.failedSteps) ? e.failedSteps : [] }));
  } catch {
    return [];
  }
}

function readDrift(file: string): DriftReport | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: Partial<DriftReport>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DriftReport>;
  } catch (err) {
    // Someone else's file: without it the page is still worth having.
    process.stderr.write(`warning: ${file} is not valid JSON, the docs report leaves drift out: ${(err as Error).message}\n`);
    return undefined;
  }
  return {
    document: String(parsed.document ?? 'the tutorial'),
    changes: Array.isArray(parsed.changes) ? parsed.changes.filter((c) => c && typeof c === 'object') : [],
  };
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** The run id an Allure report was built from (scripts/report-allure.ts writes it beside it). */
export const ALLURE_RUN_ID_FILE = 'run-id.txt';

/**
 * Records the run in the history (one entry per run id and target: regenerating replaces it)
 * and writes `<reportsDir>/docs/index.html`, linking only to reports of the same run.
 */
export function writeDocsReport(reportsDir: string): void {
  const summaryFile = join(reportsDir, 'summary.json');
  const summary = readSummaryFile(reportsDir);
  if (!summary)
    throw new Error(`${summaryFile} is missing or does not match the summary schema (helpers/outcome/model.ts); run the suite again.`);

  const historyDir = historyDirFor(reportsDir);
  const historyFile = join(historyDir, 'history.json');
  let history = readHistory(historyFile);
  const entry = historyEntryFor(summary, summary.generatedAt);
  history = [...history.filter((h) => !(h.runId === entry.runId && h.target === entry.target)), entry].slice(-HISTORY_LIMIT);
  mkdirSync(historyDir, { recursive: true });
  writeAtomically(historyFile, `${JSON.stringify(history, null, 2)}\n`);

  const drift = readDrift(join(reportsDir, 'drift.json'));
  // The Playwright report is written by this same run (its reporter ends after this one).
  const links: DocsReportLinks = { playwright: '../html/index.html' };
  const allureRunId = join(reportsDir, 'allure', ALLURE_RUN_ID_FILE);
  if (existsSync(allureRunId) && readFileSync(allureRunId, 'utf8').trim() === summary.runId) links.allure = '../allure/index.html';
  if (summary.runs.some((r) => r.cell)) links.matrix = '../matrix/index.html';
  const traces: Record<string, string> = {};
  for (const run of summary.runs) for (const step of run.steps) if (step.trace) traces[`${run.scenario}--${step.id}`] = `../${step.trace}`;
  if (Object.keys(traces).length) links.traces = traces;

  const html = renderDocsReport({ summary, history, ...(drift ? { drift } : {}), links });
  const docsDir = join(reportsDir, 'docs');
  mkdirSync(docsDir, { recursive: true });
  writeAtomically(join(docsDir, 'index.html'), html);
}
