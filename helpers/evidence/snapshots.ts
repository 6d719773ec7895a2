/**
 * Snapshot files (scenarios/snapshots/<scenario>.json): per step, the normalised printed
 * output and SDK reads, each with its provenance; and the declared divergences
 * (scenarios/snapshots/divergences.json), shared by every scenario.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Divergence, Provenance } from './compare.ts';
import { transformers, type Json } from './transformers.ts';

export interface SnapshotEntry {
  provenance: Provenance;
  /** The normalised printed output (a text output as the fields parsed from it). */
  output?: Json;
  /** The normalised SDK reads of the step's check, by operation and repository. */
  sdk?: Record<string, Json>;
}

export interface SnapshotFile {
  scenario: string;
  /** The transformers the values were normalised with, for a reader of the file. */
  transformers: { name: string; replaces: string }[];
  steps: Record<string, SnapshotEntry>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function snapshotDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CONFORMANCE_SNAPSHOT_DIR || join(ROOT, 'scenarios', 'snapshots');
}

export function snapshotPath(scenario: string, dir = snapshotDir()): string {
  return join(dir, `${scenario}.json`);
}

export function readSnapshots(scenario: string, dir = snapshotDir()): SnapshotFile {
  const file = snapshotPath(scenario, dir);
  if (!existsSync(file)) return { scenario, transformers: transformerList(), steps: {} };
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SnapshotFile;
  } catch (err) {
    throw new Error(
      `The snapshot file ${file} is not valid JSON (${(err as Error).message}). Restore it from git, or record it again with CONFORMANCE_RECORD=1.`,
    );
  }
}

export function readDivergences(dir = snapshotDir()): Divergence[] {
  // Declared divergences live beside the shipped snapshots even when a run records elsewhere.
  for (const file of [join(dir, 'divergences.json'), join(ROOT, 'scenarios', 'snapshots', 'divergences.json')]) {
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { divergences: Divergence[] }).divergences;
  }
  return [];
}

const transformerList = () => transformers.map(({ name, replaces }) => ({ name, replaces }));

/** Writes one step's entry, keeping the others (another project of the run may record the same scenario). */
export function writeSnapshotEntry(scenario: string, step: string, entry: SnapshotEntry, dir = snapshotDir()): void {
  const file = snapshotPath(scenario, dir);
  const current = readSnapshots(scenario, dir);
  const next: SnapshotFile = { scenario, transformers: transformerList(), steps: { ...current.steps, [step]: entry } };
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(tmp, file);
}
