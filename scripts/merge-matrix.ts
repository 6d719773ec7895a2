/**
 * `npm run matrix:merge -- <shard reports dir> ... [--out <dir>] [--cells <filter> ...]`
 *
 * The matrix run as shards (`npm run matrix -- --shard=i/n`, one job each) leaves, per shard, a
 * reports folder with a blob report (blob-report/*.zip), summary.json and the run records
 * (runs/*.json). This puts them together: one Playwright report (`playwright merge-reports`)
 * at <out>/html, the run records at <out>/runs, and one matrix page (<out>/matrix/index.html
 * and <out>/matrix.md, written by helpers/report/matrix.ts) with every shard's cells.
 *
 * <out> is CONFORMANCE_REPORTS_DIR or `reports` unless given. The cells the shards must cover
 * are those of scenarios/matrix-cells.ts, or the ones whose id contains a `--cells` filter (as
 * `npm run matrix` picks them). Exit 0: merged, every cell there; 1: merged, but a cell is
 * missing (a shard did not run or did not finish); 2: nothing could be merged.
 */
import { execa } from 'execa';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ScenarioOutcome, Summary } from '../helpers/outcome/model.ts';
import { readSummaryFile } from '../helpers/report/summary-json.ts';
import { writeMatrixReport } from '../helpers/report/matrix.ts';
import { matrix } from '../scenarios/matrix-cells.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const USAGE = 'usage: npm run matrix:merge -- <shard reports dir> ... [--out <dir>] [--cells <filter> ...]';

function fail(message: string): never {
  process.stderr.write(`matrix:merge: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values: { out?: string; cells?: string[] };
let shardDirs: string[];
try {
  const parsed = parseArgs({ allowPositionals: true, options: { out: { type: 'string' }, cells: { type: 'string', multiple: true } } });
  values = parsed.values;
  shardDirs = parsed.positionals;
} catch (err) {
  fail((err as Error).message);
}
if (shardDirs.length === 0)
  fail('no shard reports folder given. Fix: pass the reports folder of each shard (the artifacts the shard jobs uploaded).');

// `npm run` starts scripts in the package folder: relative paths mean the caller's folder.
const base = process.env.npm_lifecycle_event === 'matrix:merge' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
const out = resolve(base, values.out ?? process.env.CONFORMANCE_REPORTS_DIR ?? 'reports');
const shards = shardDirs.map((d) => resolve(base, d));
for (const dir of shards) {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`${dir} is not a folder. Fix: pass each shard's reports folder.`);
}

/**
 * A shard's cell runs, from its summary.json. The one place that knows that file's shape (the
 * summary reporter's `runs`: every scenario x project run), so a change of it is one change here.
 */
function shardRuns(dir: string): ScenarioOutcome[] {
  if (!existsSync(join(dir, 'summary.json'))) return [];
  // Read and checked against the outcome schema; a file that does not fit is no summary.
  const summary = readSummaryFile(dir);
  if (!summary) throw new Error('it does not fit the summary schema (helpers/outcome/model.ts)');
  shardSummaries.push(summary);
  return summary.runs.filter((r) => r.project.startsWith('matrix:'));
}
const shardSummaries: Summary[] = [];

const zips = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.zip')) : []);

// 1. The blob reports of all shards in one folder (file names made unique per shard).
const blobs = mkdtempSync(join(tmpdir(), 'cc-merge-blobs-'));
process.on('exit', () => rmSync(blobs, { recursive: true, force: true }));
const runs: ScenarioOutcome[] = [];
const problems: string[] = [];
{
  shards.forEach((dir, i) => {
    const found = zips(join(dir, 'blob-report'));
    if (found.length === 0) problems.push(`${dir} has no blob-report/*.zip: that shard's tests are not in the merged Playwright report`);
    for (const zip of found) copyFileSync(join(dir, 'blob-report', zip), join(blobs, `shard${i + 1}-${zip}`));
    let own: ScenarioOutcome[] = [];
    try {
      own = shardRuns(dir);
    } catch (err) {
      problems.push(`${join(dir, 'summary.json')} is not a valid summary (${(err as Error).message})`);
    }
    if (own.length === 0) problems.push(`${dir} has no matrix cell in summary.json: the shard did not run, or ran no cell`);
    runs.push(...own);
    // The run records, which the matrix page links to as each cell's evidence.
    const records = join(dir, 'runs');
    if (existsSync(records)) {
      mkdirSync(join(out, 'runs'), { recursive: true });
      for (const f of readdirSync(records)) if (f.endsWith('.json')) copyFileSync(join(records, f), join(out, 'runs', basename(f)));
    }
  });
  if (runs.length === 0 && readdirSync(blobs).length === 0)
    fail(`nothing to merge in ${shards.join(', ')}: no blob report and no summary.json with matrix cells.`);

  // 2. One Playwright report from every shard's blob.
  mkdirSync(out, { recursive: true });
  if (readdirSync(blobs).length > 0) {
    const merged = await execa('npx', ['playwright', 'merge-reports', '--reporter=html', blobs], {
      cwd: ROOT,
      env: { ...process.env, PLAYWRIGHT_HTML_OUTPUT_DIR: join(out, 'html'), PLAYWRIGHT_HTML_OPEN: 'never' },
      reject: false,
      all: true,
    });
    if (merged.exitCode !== 0) fail(`playwright merge-reports exited with ${merged.exitCode}:\n${merged.all}`);
  }
}

// 3. One matrix page. A cell that ran in two shards (a rerun) is shown once, as its last run.
const byCell = new Map<string, ScenarioOutcome>();
for (const run of runs) byCell.set(`${run.project}--${run.scenario}`, run);
const rows = shardSummaries.length ? writeMatrixReport(out, { ...shardSummaries[0]!, runs: [...byCell.values()] }) : [];

const filters = values.cells ?? [];
const expected = filters.length ? matrix.filter((c) => filters.some((f) => c.id.includes(f))) : matrix;
const present = new Set(rows.map((r) => r.cell.id));
const missing = expected.filter((c) => !present.has(c.id)).map((c) => c.id);
if (missing.length) problems.push(`${missing.length} of ${expected.length} cells are in no shard's results: ${missing.join(', ')}`);

process.stdout.write(
  `matrix:merge: ${shards.length} shards, ${rows.length} cells -> ${join(out, 'matrix', 'index.html')}, ${join(out, 'matrix.md')}, ${join(out, 'html', 'index.html')}\n`,
);
for (const p of problems) process.stdout.write(`matrix:merge: ${p}\n`);
process.exit(missing.length ? 1 : 0);
