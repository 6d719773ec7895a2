/**
 * npm run mutation [-- --only id,id] [--clean N] [--parallel N]
 * Mutation testing of the suite through the fault proxy (tests/support/mutations.ts).
 * Writes reports/mutation.json and reports/mutation.md; exit 0 when every mutation was
 * caught and every clean run passed, 1 otherwise.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mutations, runMutations } from '../tests/support/mutations.ts';

const { values } = parseArgs({
  options: { only: { type: 'string' }, clean: { type: 'string' }, parallel: { type: 'string' }, help: { type: 'boolean' } },
});
if (values.help) {
  process.stdout.write(
    `npm run mutation [-- --only id,id] [--clean N (default 3)] [--parallel N (default 2)]\nmutations:\n${mutations.map((m) => `  ${m.id}: ${m.what}`).join('\n')}\n`,
  );
  process.exit(0);
}
const only = values.only?.split(',').filter(Boolean) ?? [];
const unknown = only.filter((id) => !mutations.some((m) => m.id === id));
if (unknown.length) {
  process.stderr.write(`Unknown mutation ${unknown.join(', ')}: run npm run mutation -- --help for the list.\n`);
  process.exit(2);
}
const number = (v: string | undefined, name: string, fallback: number) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`--${name} must be a whole number, e.g. --${name} 2 (was '${v}').\n`);
    process.exit(2);
  }
  return n;
};
const report = await runMutations({
  only,
  cleanRuns: number(values.clean, 'clean', 3),
  parallel: number(values.parallel, 'parallel', 2),
  log: (line) => process.stdout.write(`${line}\n`),
});
const dir = process.env.CONFORMANCE_REPORTS_DIR ?? 'reports';
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'mutation.json'), `${JSON.stringify(report, null, 2)}\n`);
const cleanFailed = report.cleanRuns.filter((r) => !r.passed).length;
const md = [
  `# Mutation testing: ${report.caught} of ${report.total} mutations caught; ${cleanFailed} of ${report.cleanRuns.length} clean runs failed`,
  '',
  '| mutation | expected | result | message |',
  '|---|---|---|---|',
  ...report.results.map(
    (r) =>
      `| ${r.id} | ${r.expected} | ${r.caught ? 'caught' : 'MISSED'}: ${r.detected ? `failed at ${r.failedAt ?? '?'}` : 'passed'} | ${(r.message ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 300)} |`,
  ),
  '',
];
writeFileSync(join(dir, 'mutation.md'), md.join('\n'));
process.stdout.write(`${md[0]!.slice(2)}\n`);
process.exit(report.caught === report.total && cleanFailed === 0 ? 0 : 1);
