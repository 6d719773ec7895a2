/**
 * The matrix report: every cell (aws CLI x package manager x Node) with its status, the step
 * where it failed or where its known issue showed, and links to its evidence. Written as
 * `<reports>/matrix/index.html` (self-contained) and `<reports>/matrix.md`, and shown as a
 * table in the docs owners' page.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MatrixCell } from '../../scenarios/matrix-cells.ts';
import { redact } from '../run/redact.ts';
import { whereOf, type ScenarioOutcome, type Summary } from '../outcome/model.ts';

export type CellStatus = 'passed' | 'failed' | 'no verdict' | 'known issue reproduces' | 'known issue no longer reproduces' | 'not run';

export interface CellRow {
  cell: MatrixCell;
  project: string;
  status: CellStatus;
  aws?: string;
  packageManager?: string;
  node?: string;
  /** The step that failed or showed the known issue, and what it said. */
  step?: string;
  detail?: string;
  durationMs: number;
  /** Evidence: the Playwright report filtered to this cell, and the run record. */
  evidence: { playwright: string; record: string };
}

/**
 * One row per cell, from the cells' typed outcomes: the cell's status is its verdict, with a
 * known issue's reproduction or fix read from the step's fields, never from its message.
 */
export function matrixRows(runs: ScenarioOutcome[]): CellRow[] {
  const rows: CellRow[] = [];
  for (const run of runs) {
    const cell = run.cell as MatrixCell | undefined;
    if (!cell) continue;
    const fixed = run.steps.find((s) => s.kind === 'conformance-failure' && s.knownIssueFixed);
    const known = run.steps.find((s) => s.kind === 'known-issue');
    const failed = run.steps.find(
      (s) => s.kind === 'conformance-failure' || s.kind === 'infrastructure-problem' || s.kind === 'interrupted',
    );
    const ran = run.steps.some((s) => s.kind !== 'not-run');
    const status: CellStatus = !ran
      ? 'not run'
      : run.verdict === 'no-verdict'
        ? 'no verdict'
        : fixed
          ? 'known issue no longer reproduces'
          : run.verdict === 'failed'
            ? 'failed'
            : known
              ? 'known issue reproduces'
              : 'passed';
    const at = fixed ?? failed ?? known;
    rows.push({
      cell,
      project: run.project,
      status,
      ...(run.tools?.aws ? { aws: run.tools.aws } : {}),
      ...(run.tools?.packageManager ? { packageManager: run.tools.packageManager } : {}),
      ...(run.tools?.node ? { node: run.tools.node.replace(/^v/, '') } : {}),
      ...(at
        ? { step: at.title, detail: redact(at.observed ?? '') }
        : run.verdict !== 'passed'
          ? { step: '', detail: redact(run.reason) }
          : {}),
      durationMs: run.steps.reduce((t, s) => t + s.durationMs, 0),
      evidence: {
        playwright: `../html/index.html#?q=${encodeURIComponent(`@${cell.id}`)}`,
        record: `../runs/${encodeURIComponent(`${run.project}--${run.scenario}`)}.json`,
      },
    });
  }
  void whereOf;
  return rows.sort((a, b) => a.cell.id.localeCompare(b.cell.id));
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const cls = (s: CellStatus) => s.replace(/ /g, '-');

/** The table alone, for the matrix page and the docs owners' page; `base` prefixes evidence links. */
export function matrixTable(rows: CellRow[], base = ''): string {
  const body = rows
    .map((r) => {
      const issue = r.cell.knownIssue
        ? `<a href="${esc(r.cell.knownIssue.url)}">${esc(r.cell.knownIssue.url.replace(/^https:\/\/github.com\//, ''))}</a>`
        : '';
      return `<tr class="${cls(r.status)}"><td><code>${esc(r.cell.id)}</code></td><td>${esc(r.aws ?? `v${r.cell.awsCli}`)}</td><td>${esc(r.packageManager ?? `${r.cell.packageManager.tool} ${r.cell.packageManager.major}`)}</td><td>${esc(r.node ?? String(r.cell.node))}</td><td class="status">${esc(r.status)}</td><td>${r.step ? `${esc(r.step)}<br><small>${esc(r.detail ?? '')}</small>` : ''}</td><td>${issue}</td><td>${(r.durationMs / 1000).toFixed(1)} s</td><td><a href="${esc(base + r.evidence.playwright)}">steps</a> · <a href="${esc(base + r.evidence.record)}">record</a></td></tr>`;
    })
    .join('\n');
  return `<table class="matrix"><thead><tr><th>cell</th><th>aws CLI</th><th>package manager</th><th>Node</th><th>status</th><th>where</th><th>known issue</th><th>time</th><th>evidence</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export const MATRIX_CSS = `table.matrix{border-collapse:collapse;width:100%;font-size:14px}table.matrix th,table.matrix td{border-bottom:1px solid #e5e7eb;padding:6px 8px;text-align:left;vertical-align:top}table.matrix small{color:#6b7280}tr.passed td.status{color:#166534;font-weight:600}tr.failed td.status,tr.no-verdict td.status,tr.known-issue-no-longer-reproduces td.status{color:#b91c1c;font-weight:600}tr.known-issue-reproduces td.status{color:#92400e;font-weight:600}tr.not-run td.status{color:#6b7280}`;

function counts(rows: CellRow[]): string {
  const by = new Map<CellStatus, number>();
  for (const r of rows) by.set(r.status, (by.get(r.status) ?? 0) + 1);
  return [...by].map(([s, n]) => `${n} ${s}`).join(', ');
}

export function renderMatrixHtml(rows: CellRow[], date = new Date(), faults: string[] = [], runIds: string[] = []): string {
  const faultNote = faults.length
    ? `<p class="faults" data-faults="${esc(faults.join(' '))}"><strong>Injected emulator faults:</strong> ${esc(faults.join(', '))}. These results are about the harness, not about AWS.</p>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>CLI-version matrix</title><style>body{font-family:system-ui,sans-serif;margin:32px;color:#1f2937;background:#f9fafb}h1{font-size:24px}${MATRIX_CSS}</style></head><body>${faultNote}<h1>The tutorial across aws CLI, package manager and Node versions</h1><p>${runIds.length ? `run ${esc(runIds.join(', '))} · ` : ''}${esc(date.toISOString().slice(0, 16).replace('T', ' '))} UTC · ${rows.length} cells: ${esc(counts(rows))}. A known issue "reproduces" while the bug is still there; once it is fixed, the cell fails with "known issue no longer reproduces".</p>${matrixTable(rows)}</body></html>\n`;
}

export function renderMatrixMarkdown(rows: CellRow[], faults: string[] = []): string {
  const lines = [
    '## CLI-version matrix',
    '',
    ...(faults.length ? [`**Injected emulator faults: ${faults.join(', ')}** (results about the harness, not about AWS).`, ''] : []),
    `${rows.length} cells: ${counts(rows)}.`,
    '',
    '| cell | aws CLI | package manager | Node | status | where | known issue | evidence |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| \`${r.cell.id}\` | ${r.aws ?? `v${r.cell.awsCli}`} | ${r.packageManager ?? ''} | ${r.node ?? r.cell.node} | ${r.status} | ${r.step ? `${r.step}: ${(r.detail ?? '').replace(/\|/g, '\\|')}` : ''} | ${r.cell.knownIssue ? `[${r.cell.knownIssue.url.replace(/^https:\/\/github.com\//, '')}](${r.cell.knownIssue.url})` : ''} | [steps](${r.evidence.playwright.replace(/^\.\.\//, '')}) · [record](${r.evidence.record.replace(/^\.\.\//, '')}) |`,
    ),
    '',
  ];
  return lines.join('\n');
}

/**
 * Writes the matrix page and markdown when the run had matrix cells; returns the rows. Takes a
 * summary (or several, e.g. merged shards): cells of every one of them, verdict by the same rule.
 */
export function writeMatrixReport(reportsDir: string, summaries: Summary | Summary[]): CellRow[] {
  const list = Array.isArray(summaries) ? summaries : [summaries];
  const rows = matrixRows(list.flatMap((s) => s.runs));
  if (rows.length === 0) return rows;
  const faults = [...new Set(list.flatMap((s) => s.faults))];
  mkdirSync(join(reportsDir, 'matrix'), { recursive: true });
  writeFileSync(
    join(reportsDir, 'matrix', 'index.html'),
    renderMatrixHtml(
      rows,
      new Date(),
      faults,
      list.map((s) => s.runId),
    ),
  );
  writeFileSync(join(reportsDir, 'matrix.md'), renderMatrixMarkdown(rows, faults));
  return rows;
}
