/**
 * `npm run matrix [-- <filter> ...] [-- <playwright args>]`
 * Runs the CLI-version matrix (every cell of scenarios/matrix-cells.ts, or those whose id
 * contains one of the filters, e.g. `yarn`, `awscli2`, `node22`), in parallel Playwright
 * projects, then prints reports/matrix.md. Exit code: Playwright's.
 * With `--shard=i/n` this runs one part of the cells and leaves a blob report; the parts are
 * put together by `npm run matrix:merge` (scripts/merge-matrix.ts).
 */
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { matrix } from '../scenarios/matrix-cells.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
// `--shard 1/2` as well as `--shard=1/2`: the value is Playwright's, not a cell filter.
const shardAt = args.indexOf('--shard');
if (shardAt >= 0 && args[shardAt + 1]) args.splice(shardAt, 2, `--shard=${args[shardAt + 1]}`);
const filters = args.filter((a) => !a.startsWith('-'));
const passThrough = args.filter((a) => a.startsWith('-'));
const cells = filters.length ? matrix.filter((c) => filters.some((f) => c.id.includes(f))) : matrix;
if (cells.length === 0) {
  process.stderr.write(`matrix: no cell matches ${filters.join(', ')}. Cells: ${matrix.map((c) => c.id).join(', ')}\n`);
  process.exit(2);
}
process.stdout.write(`matrix: ${cells.length} of ${matrix.length} cells\n`);
const started = Date.now();
const run = await execa('npx', ['playwright', 'test', ...cells.map((c) => `--project=matrix:${c.id}`), ...passThrough], {
  cwd: ROOT,
  stdio: 'inherit',
  reject: false,
});
const md = join(process.env.CONFORMANCE_REPORTS_DIR ?? join(ROOT, 'reports'), 'matrix.md');
if (existsSync(md)) process.stdout.write(`\n${readFileSync(md, 'utf8')}`);
process.stdout.write(`matrix wall time: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(run.exitCode ?? 1);
