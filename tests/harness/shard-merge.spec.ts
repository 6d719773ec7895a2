/**
 * The matrix run as shards, one job each in CI, comes back as one report: two shards of four
 * cells (`npm run matrix -- <cells> --shard=i/2`, against the embedded emulator, npm's public
 * registry played by the fixture registry) each leave a blob report and their records;
 * `npm run matrix:merge` gives one Playwright report with every test of both shards and one
 * matrix page with every cell, its evidence links resolving.
 */
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFixtureRegistry, tutorialPackages, type FixtureRegistry } from '../support/fixture-registry.ts';
import { expect, Scratch, test } from './fixtures.ts';
import { ROOT } from './nested-run.ts';

/** Four quick npm cells, two per shard. */
const CELLS = ['awscli1-npm8-node20', 'awscli1-npm9-node20', 'awscli2-npm9-node20', 'awscli1-npm10-node20'];

test.describe.configure({ mode: 'serial' });

let registry: FixtureRegistry | undefined;
let dir: string;
// The shards' folder stays (and the output says where) if a test failed.
const shared = new Scratch();

test.beforeAll(async () => {
  registry = await startFixtureRegistry(tutorialPackages);
  dir = shared.dir('cc-shards-');
});

test.afterEach(({}, testInfo) => shared.noteOutcome(testInfo));

test.afterAll(async () => {
  await registry?.close();
  shared.finish();
});

function env(reportsDir: string): Record<string, string> {
  // Each shard is its own run, as on its own machine: its own run id and reports.
  const { CONFORMANCE_RUN_ID: _ours, ...inherited } = process.env as Record<string, string>;
  return {
    ...inherited,
    CI: '',
    CONFORMANCE_TARGET: 'emulator',
    CONFORMANCE_NPMJS_URL: registry!.url,
    CONFORMANCE_REPORTS_DIR: reportsDir,
  };
}

test('two shards of the matrix merge into one Playwright report and one matrix page with every cell', async () => {
  test.setTimeout(1_200_000);
  const shards = [join(dir, 'shard-1'), join(dir, 'shard-2')];
  const ran: string[][] = [];
  for (const [i, reportsDir] of shards.entries()) {
    const shard = await execa('npm', ['run', '--silent', 'matrix', '--', ...CELLS, `--shard=${i + 1}/2`, '--workers=2'], {
      cwd: ROOT,
      env: env(reportsDir),
      reject: false,
      all: true,
    });
    expect(shard.exitCode, String(shard.all)).toBe(0);
    const blobs = readdirSync(join(reportsDir, 'blob-report')).filter((f) => f.endsWith('.zip'));
    expect(blobs.length, `shard ${i + 1} leaves one blob`).toBe(1);
    const summary = JSON.parse(readFileSync(join(reportsDir, 'summary.json'), 'utf8')) as { runs: { project: string }[] };
    ran.push(summary.runs.map((r) => r.project.replace(/^matrix:/, '')).sort());
  }
  // A real split: each shard ran some cells, none ran a cell twice, together they ran all.
  expect(ran[0]!.length).toBeGreaterThan(0);
  expect(ran[1]!.length).toBeGreaterThan(0);
  expect([...ran[0]!, ...ran[1]!].sort()).toEqual([...CELLS].sort());

  const out = join(dir, 'merged');
  const merge = await execa(
    'npm',
    ['run', '--silent', 'matrix:merge', '--', ...shards, '--out', out, ...CELLS.flatMap((c) => ['--cells', c])],
    {
      cwd: ROOT,
      env: env(out),
      reject: false,
      all: true,
    },
  );
  expect(merge.exitCode, String(merge.all)).toBe(0);
  expect(merge.stdout).toContain(`2 shards, ${CELLS.length} cells`);

  // One matrix page with every cell, each passed, each with its evidence.
  const page = readFileSync(join(out, 'matrix', 'index.html'), 'utf8');
  const rows = [...page.matchAll(/<tr class="([\w-]+)"><td><code>([\w-]+)<\/code>/g)].map((m) => [m[2], m[1]]);
  expect(rows).toEqual([...CELLS].sort().map((c) => [c, 'passed']));
  const md = readFileSync(join(out, 'matrix.md'), 'utf8');
  for (const cell of CELLS) expect(md).toContain(`| \`${cell}\` |`);
  for (const [, record] of page.matchAll(/href="\.\.\/(runs\/[^"]+)"/g)) {
    expect(existsSync(join(out, decodeURIComponent(record!))), `${record} is in the merged reports`).toBe(true);
  }

  // One Playwright report: the HTML report holds every test of both shards.
  expect(existsSync(join(out, 'html', 'index.html'))).toBe(true);
  const JSZip = (await import('jszip')).default;
  const html = readFileSync(join(out, 'html', 'index.html'), 'utf8');
  const embedded = /data:application\/zip;base64,([A-Za-z0-9+/=]+)/.exec(html)?.[1];
  expect(embedded, 'the HTML report carries its data').toBeTruthy();
  const zip = await JSZip.loadAsync(Buffer.from(embedded!, 'base64'));
  const report = JSON.parse(await zip.file('report.json')!.async('string')) as {
    stats: { total: number; expected: number };
    projectNames: string[];
  };
  expect(report.projectNames.sort()).toEqual(CELLS.map((c) => `matrix:${c}`).sort());
  expect(report.stats.total).toBeGreaterThan(CELLS.length);
  expect(report.stats.expected).toBe(report.stats.total);
});

test('a shard that is missing makes the merge say which cells are in no shard (exit 1); no shard folder is exit 2', async () => {
  test.setTimeout(300_000);
  const out = join(dir, 'merged-one');
  const one = await execa(
    'npm',
    ['run', '--silent', 'matrix:merge', '--', join(dir, 'shard-1'), '--out', out, ...CELLS.flatMap((c) => ['--cells', c])],
    {
      cwd: ROOT,
      env: env(out),
      reject: false,
      all: true,
    },
  );
  expect(one.exitCode, String(one.all)).toBe(1);
  const summary = JSON.parse(readFileSync(join(dir, 'shard-2', 'summary.json'), 'utf8')) as { runs: { project: string }[] };
  const absent = summary.runs.map((r) => r.project.replace(/^matrix:/, ''));
  expect(one.stdout).toContain(
    `${absent.length} of ${CELLS.length} cells are in no shard's results: ${CELLS.filter((c) => absent.includes(c)).join(', ')}`,
  );

  const none = await execa('npm', ['run', '--silent', 'matrix:merge', '--', join(dir, 'nope')], {
    cwd: ROOT,
    env: env(out),
    reject: false,
  });
  expect(none.exitCode).toBe(2);
  expect(none.stderr).toContain(`${join(dir, 'nope')} is not a folder. Fix: pass each shard's reports folder.`);
});
