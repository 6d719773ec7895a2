/**
 * `npm run toolchains [-- --aws-unpack]`: installs every toolchain of the CLI-version matrix
 * into `.toolchains/` (helpers/toolchain/catalogue.ts: npm 6-11, pnpm 8-10, yarn 1.22 and 4, Node 18
 * and 22, two package managers on another Node) at most 3 at once, finds aws CLI v1 on PATH
 * and makes sure of aws CLI v2, then prints one row per toolchain: tool, version, path, status
 * (installed now, already present, failed: why). Exits 1 if any failed.
 *
 * Toolchains already in place are recognised from their folder and manifest alone: a second
 * run asks no registry and takes seconds. `--aws-unpack` gets aws CLI v2 the rootless way
 * (Debian's package unpacked into .toolchains/awscli-v2) even as root.
 */
import { ensureAwsCliV2, findAwsClis } from '../helpers/toolchain/aws-cli.ts';
import { describeSpec, STANDARD_TOOLCHAINS, toolchainDirName } from '../helpers/toolchain/catalogue.ts';
import { ensureTool } from '../helpers/toolchain/toolchains.ts';

interface Row {
  tool: string;
  version: string;
  path: string;
  status: string;
  ms: number;
  failed: boolean;
}

const PARALLEL = 3;
const awsUnpack = process.argv.includes('--aws-unpack');

async function pool<T>(jobs: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  // The command line and the most telling error line (npm's `npm error ...`, apt's `E: ...`).
  const telling = lines.find((l) => /^(npm (error|ERR!)|E:|error)/i.test(l) && !/A complete log/.test(l));
  return [lines[0], telling].filter(Boolean).join(' | ').slice(0, 300);
}

async function timed(
  tool: string,
  fallbackPath: string,
  job: () => Promise<{ version: string; path: string; status: string }>,
): Promise<Row> {
  const started = performance.now();
  try {
    const r = await job();
    return { tool, ...r, ms: Math.round(performance.now() - started), failed: false };
  } catch (err) {
    return {
      tool,
      version: '-',
      path: fallbackPath,
      status: `failed: ${firstLine(err)}`,
      ms: Math.round(performance.now() - started),
      failed: true,
    };
  }
}

const started = performance.now();
const jobs: Array<() => Promise<Row>> = STANDARD_TOOLCHAINS.map(
  (spec) => () =>
    timed(describeSpec(spec), `.toolchains/${toolchainDirName(spec)}`, async () => {
      const t = await ensureTool(spec);
      return {
        version: t.node ? `${t.version} (node ${t.node.version})` : t.version,
        path: t.binDir,
        status: t.status === 'installed' ? 'installed now' : 'already present',
      };
    }),
);
jobs.push(() =>
  timed('aws CLI v1', 'aws (PATH)', async () => {
    const { v1 } = await findAwsClis();
    if (!v1) throw new Error('no aws on PATH reports aws-cli/1.x (install it with pip/pyenv: it is not managed here)');
    return { version: v1.version, path: v1.bin, status: 'already present' };
  }),
);
jobs.push(() =>
  timed('aws CLI v2', awsUnpack ? '.toolchains/awscli-v2' : '/usr/bin/aws', async () => {
    const v2 = await ensureAwsCliV2({ method: awsUnpack ? 'unpack' : 'auto' });
    return {
      version: v2.version,
      path: v2.bin,
      status: `${v2.status === 'installed' ? 'installed now' : 'already present'} (${v2.method})`,
    };
  }),
);

const rows = await pool(jobs, PARALLEL);
const header: Row = { tool: 'tool', version: 'version', path: 'path', status: 'status', ms: 0, failed: false };
const cols = ['tool', 'version', 'path', 'status'] as const;
const width = Object.fromEntries(cols.map((c) => [c, Math.max(...[header, ...rows].map((r) => r[c].length))])) as Record<
  (typeof cols)[number],
  number
>;
const line = (r: Row, ms: string) => `${cols.map((c) => (c === 'status' ? r[c] : r[c].padEnd(width[c]))).join('  ')}${ms}`;
console.log(line(header, ''));
console.log(cols.map((c) => '-'.repeat(c === 'status' ? 6 : width[c])).join('  '));
for (const r of rows) console.log(line(r, `  (${(r.ms / 1000).toFixed(1)} s)`));
const failed = rows.filter((r) => r.failed).length;
console.log(`\n${rows.length - failed} ready, ${failed} failed, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exitCode = failed > 0 ? 1 : 0;
