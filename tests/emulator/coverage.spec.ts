/**
 * The emulator covers the whole API model, and says so truthfully: the operation table
 * answers every operation the SDK's model has (48), the behaviour table (emulator/coverage.ts)
 * names exactly the operations of the operation table, COVERAGE.md is what the two generate,
 * and every operation is exercised by an SDK contract test.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as sdk from '@aws-sdk/client-codeartifact';
import { expect, test } from './fixtures.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SPECS = fileURLToPath(new URL('.', import.meta.url));

/** The operations of the API model, as the SDK's commands name them. */
const modelOperations = Object.keys(sdk)
  .filter((k) => /^[A-Z][A-Za-z]+Command$/.test(k))
  .map((k) => k.slice(0, -'Command'.length))
  .sort();

async function servedOperations(url: string): Promise<string[]> {
  const health = (await (await fetch(`${url}/_emulator/health`)).json()) as { operations: number; operationNames: string[] };
  expect(health.operations).toBe(health.operationNames.length);
  return [...health.operationNames].sort();
}

test('the operation table answers 48 of the 48 operations of the API model', async ({ emulator }) => {
  expect(modelOperations).toHaveLength(48);
  expect(await servedOperations(emulator.url)).toEqual(modelOperations);
});

test('emulator/coverage.ts names every operation of the table and nothing else, and emulator/COVERAGE.md is up to date', async () => {
  const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/emulator-coverage.ts', '--check'], {
    cwd: ROOT,
  }).catch((err: { stdout?: string; stderr?: string; code?: number }) => {
    throw new Error(`npm run emulator:coverage -- --check failed (exit ${err.code}):\n${err.stderr ?? ''}${err.stdout ?? ''}`);
  });
  expect(run.stdout).toContain('48 operations, the operation table and the behaviour table agree');
  const page = await readFile(`${ROOT}/emulator/COVERAGE.md`, 'utf8');
  for (const op of modelOperations) expect(page, op).toContain(`| ${op} |`);
});

test('every operation of the table is called through the SDK by a contract test', async ({ emulator }) => {
  const specs = (await readdir(SPECS)).filter((f) => f.endsWith('.spec.ts'));
  const text = (await Promise.all(specs.map((f) => readFile(`${SPECS}${f}`, 'utf8')))).join('\n');
  const untested = (await servedOperations(emulator.url)).filter((op) => !new RegExp(`\\bnew ${op}Command\\(`).test(text));
  expect(untested).toEqual([]);
});
