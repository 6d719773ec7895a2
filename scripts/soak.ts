/**
 * `npm run soak -- [--runs 20] [--matrix 2] [--cpu-hog [--hog-processes N]] [--reports-dir DIR]`
 * Runs `npm run conformance` N times in a row, then the whole matrix M times, optionally with
 * CPU-heavy processes running beside them, and counts false failures: on a target where the
 * tutorial works, every run's verdict must be `passed`; anything else is the harness failing
 * at random. Verdicts come from each run's summary.json (its structured fields), never from
 * the output's text. Prints a table; writes soak.json. Exit 0 only with 0 false failures.
 */
import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function fail(message: string): never {
  process.stderr.write(
    `soak: ${message}\nusage: npm run soak -- [--runs 20] [--matrix 2] [--cpu-hog [--hog-processes N]] [--reports-dir DIR]\n`,
  );
  process.exit(2);
}

let values: { runs?: string; matrix?: string; 'cpu-hog'?: boolean; 'hog-processes'?: string; 'reports-dir'?: string };
try {
  ({ values } = parseArgs({
    options: {
      runs: { type: 'string', default: '20' },
      matrix: { type: 'string', default: '2' },
      'cpu-hog': { type: 'boolean' },
      'hog-processes': { type: 'string' },
      'reports-dir': { type: 'string' },
    },
  }));
} catch (err) {
  fail((err as Error).message);
}
const count = (name: string, value: string | undefined, min: number): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`--${name} '${value}' is not a whole number of at least ${min}.`);
  return n;
};
const runs = count('runs', values.runs, 0);
const matrixRuns = count('matrix', values.matrix, 0);
const hogs = values['cpu-hog'] ? count('hog-processes', values['hog-processes'] ?? String(availableParallelism()), 1) : 0;
const soakDir = resolve(values['reports-dir'] ?? join(process.env.CONFORMANCE_REPORTS_DIR ?? join(ROOT, 'reports'), 'soak'));
mkdirSync(soakDir, { recursive: true });

/** One unit of a run's verdict: a scenario on a project (a matrix cell, a CLI). */
interface Verdict {
  project: string;
  scenario: string;
  verdict: string;
  failedSteps: string[];
}

interface Row {
  n: number;
  kind: 'conformance' | 'matrix';
  exitCode: number;
  seconds: number;
  verdicts: Verdict[];
  /** Why the run counts as failed when its summary says nothing (none written, unreadable). */
  problem?: string;
}

interface SummaryFile {
  runs?: { project?: string; scenario?: string; verdict?: string; steps?: { id?: string; status?: string }[] }[];
}

function readVerdicts(reportsDir: string): { verdicts: Verdict[]; problem?: string } {
  let summary: SummaryFile;
  try {
    summary = JSON.parse(readFileSync(join(reportsDir, 'summary.json'), 'utf8')) as SummaryFile;
  } catch (err) {
    return { verdicts: [], problem: `no readable summary.json (${(err as NodeJS.ErrnoException).code ?? (err as Error).name})` };
  }
  const verdicts = (summary.runs ?? []).map((r) => ({
    project: r.project ?? '?',
    scenario: r.scenario ?? '?',
    verdict: r.verdict ?? '(none)',
    failedSteps: (r.steps ?? []).filter((s) => s.status === 'failed').map((s) => s.id ?? '?'),
  }));
  return verdicts.length === 0 ? { verdicts, problem: 'summary.json lists no run' } : { verdicts };
}

/** Busy loops beside the runs, started here and stopped here (by pid, nothing else). */
const hogProcesses: ChildProcess[] = [];
function stopHogs(): void {
  for (const hog of hogProcesses) if (hog.exitCode === null && hog.signalCode === null) hog.kill('SIGKILL');
}
process.on('exit', stopHogs);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopHogs();
    process.exit(130);
  });
}
for (let i = 0; i < hogs; i++) {
  hogProcesses.push(spawn(process.execPath, ['-e', 'let x = 0; for (;;) { x = (x * 31 + 7) % 1000003; }'], { stdio: 'ignore' }));
}

const rows: Row[] = [];
async function soakOnce(kind: Row['kind'], n: number): Promise<Row> {
  const reportsDir = join(soakDir, `${kind}-${n}`);
  const started = Date.now();
  process.stdout.write(`soak: ${kind} run ${n} (reports in ${reportsDir}) ...\n`);
  const child = await execa('npm', ['run', kind], {
    cwd: ROOT,
    env: { CONFORMANCE_REPORTS_DIR: reportsDir },
    reject: false,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const { verdicts, problem } = readVerdicts(reportsDir);
  const row: Row = {
    n,
    kind,
    exitCode: child.exitCode ?? 1,
    seconds: Math.round((Date.now() - started) / 1000),
    verdicts,
    ...(problem ? { problem } : {}),
  };
  process.stdout.write(`soak: ${kind} run ${n}: exit ${row.exitCode}, ${falseFailures(row).length} false failure(s), ${row.seconds} s\n`);
  return row;
}

/** Every verdict other than passed, and a run without verdicts, is a false failure. */
function falseFailures(row: Row): string[] {
  const out = row.verdicts
    .filter((v) => v.verdict !== 'passed')
    .map((v) => `${v.project}/${v.scenario}: ${v.verdict}${v.failedSteps.length ? ` at ${v.failedSteps.join(', ')}` : ''}`);
  if (row.problem) out.push(row.problem);
  else if (row.exitCode !== 0 && out.length === 0) out.push(`exit code ${row.exitCode} though every verdict passed`);
  return out;
}

const started = Date.now();
try {
  // The table is rewritten after every run, so that a soak stopped early still says what it saw.
  for (let i = 1; i <= runs; i++) {
    rows.push(await soakOnce('conformance', i));
    writeReport();
  }
  for (let i = 1; i <= matrixRuns; i++) {
    rows.push(await soakOnce('matrix', i));
    writeReport();
  }
} finally {
  stopHogs();
}
const { table, summaryLine, total } = writeReport();
process.stdout.write(`\n${table.join('\n')}\n\n${summaryLine}\n`);
process.exit(total === 0 ? 0 : 1);

function writeReport(): { table: string[]; summaryLine: string; total: number } {
  const table = [
    '| run | kind | exit | verdicts passed | false failures | seconds | what failed |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const ff = falseFailures(r);
      return `| ${r.n} | ${r.kind} | ${r.exitCode} | ${r.verdicts.filter((v) => v.verdict === 'passed').length}/${r.verdicts.length} | ${ff.length} | ${r.seconds} | ${ff.join('; ') || '-'} |`;
    }),
  ];
  const total = rows.reduce((sum, r) => sum + falseFailures(r).length, 0);
  const verdictCount = rows.reduce((sum, r) => sum + r.verdicts.length, 0);
  const summaryLine = `${rows.length} of ${runs + matrixRuns} runs (${rows.filter((r) => r.kind === 'conformance').length} conformance, ${rows.filter((r) => r.kind === 'matrix').length} matrix), ${verdictCount} verdicts, ${total} false failure(s); CPU hog: ${hogs ? `${hogs} busy process(es)` : 'none'}; ${Math.round((Date.now() - started) / 1000)} s`;
  writeFileSync(
    join(soakDir, 'soak.json'),
    `${JSON.stringify({ runs, matrix: matrixRuns, cpuHogProcesses: hogs, falseFailures: total, rows }, null, 2)}\n`,
  );
  writeFileSync(join(soakDir, 'soak.md'), `${table.join('\n')}\n\n${summaryLine}\n`);
  return { table, summaryLine, total };
}
