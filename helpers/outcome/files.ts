/**
 * Reading the run's outcome files back (summary.json, preflight.json), checked against the
 * schema and this run's id. Every reader goes through here, so none mixes runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { preflightRecordSchema, summarySchema, type PreflightRecord, type Summary } from './model.ts';

export const reportsDirOf = (): string => process.env.CONFORMANCE_REPORTS_DIR ?? 'reports';

/** This run's id: playwright.config.ts sets it before any reporter or worker starts. */
export const currentRunId = (): string => process.env.CONFORMANCE_RUN_ID ?? 'unknown';

/** Reads summary.json and checks it against the schema; undefined when missing, invalid or another run's. */
export function readSummaryFile(reportsDir: string, runId?: string): Summary | undefined {
  const file = join(reportsDir, 'summary.json');
  if (!existsSync(file)) return undefined;
  try {
    const parsed = summarySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) return undefined;
    if (runId !== undefined && parsed.data.runId !== runId) return undefined;
    return parsed.data;
  } catch {
    return undefined;
  }
}

/** The preflight record of this run, if preflight ran. */
export function readPreflight(reportsDir: string, runId: string): PreflightRecord | undefined {
  const file = join(reportsDir, 'preflight.json');
  if (!existsSync(file)) return undefined;
  try {
    const parsed = preflightRecordSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success && parsed.data.runId === runId ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
