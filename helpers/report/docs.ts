/**
 * The report for the tutorial's docs owners: one self-contained HTML page (inline CSS and SVG,
 * no scripts, no external requests) that says in plain words whether a reader following the
 * tutorial today succeeds, and if not, where and why; every step with the command as documented
 * beside the command as run; the external-connection latency against earlier runs; and the
 * tutorial's drift, when another check found any.
 *
 * `writeDocsReport(reportsDir)` reads `<reportsDir>/summary.json`, records the run in the
 * history (`$CONFORMANCE_HISTORY_DIR` or `<reportsDir>/history`, last 100 runs), reads
 * `<reportsDir>/drift.json` if present and writes `<reportsDir>/docs/index.html`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DriftChange, DriftReport as FullDriftReport } from '../drift/drift.ts';
import { redact } from '../run/redact.ts';
import { MATRIX_CSS, matrixRows, matrixTable } from './matrix.ts';
import {
  KIND_LABEL,
  TUTORIAL_URL,
  describeRetry,
  headline as verdictHeadline,
  titleOf,
  whereOf,
  type ScenarioOutcome,
  type StepKind,
  type StepOutcome,
  type Summary,
  type Verdict,
} from '../outcome/model.ts';
import { readSummaryFile } from '../outcome/files.ts';
import { evidenceHtml } from './evidence-html.ts';

/** What summary.json holds (helpers/outcome/model.ts). */
export type SummaryFile = Summary;
type RunSummary = ScenarioOutcome;
type StepSummary = StepOutcome;

/** One earlier run, as the history keeps it. */
export interface HistoryEntry {
  /** When the run ended, ISO 8601. */
  date: string;
  runId: string;
  /** emulator, endpoint or aws. */
  target: string;
  verdict: Verdict;
  installMs?: number;
  visibleAfterMs?: number;
  /** Ids of the steps that failed, in any scenario. */
  failedSteps: string[];
}

/** What drift.json holds (written by `npm run drift`); `scenario` may be absent in older files. */
export type DriftReport = Omit<FullDriftReport, 'scenario'> & { scenario?: string };
export type { DriftChange };

export interface DocsReportLinks {
  playwright?: string;
  /** Traces of failed steps (retain-on-failure), by scenario run and step. */
  traces?: Record<string, string>;
  allure?: string;
  matrix?: string;
}

export interface DocsReportInput {
  summary: SummaryFile;
  history: HistoryEntry[];
  drift?: DriftReport;
  links: DocsReportLinks;
}

export const HISTORY_LIMIT = 100;

// ---------------------------------------------------------------------------------------------
// Text helpers: everything that reaches the page goes through `t` (redact, then escape).
// ---------------------------------------------------------------------------------------------

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Redacted and escaped: the only way text gets into the page. */
function t(value: unknown): string {
  return escapeHtml(redact(String(value ?? '')));
}

function capitalize(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/** Starts with a capital, unless it starts with a tool's name (npm, aws); ends with a full stop. */
function sentence(s: string): string {
  const trimmed = /^(npm|aws|lodash)\b/.test(s.trim()) ? s.trim() : capitalize(s.trim());
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function formatDate(d: Date): string {
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

function shortDate(d: Date): string {
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]!.slice(0, 3)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** The harness's default run id starts with Date.now() in base 36. */
function dateFromRunId(runId: string): Date | undefined {
  if (runId.length < 9) return undefined;
  const ms = parseInt(runId.slice(0, -4), 36);
  return ms > Date.UTC(2020, 0) && ms < Date.UTC(2100, 0) ? new Date(ms) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Steps: number, title, status, explanation
// ---------------------------------------------------------------------------------------------

const STATUS: Record<StepKind, { label: string; cls: string }> = {
  passed: { label: KIND_LABEL.passed, cls: 'passed' },
  'conformance-failure': { label: KIND_LABEL['conformance-failure'], cls: 'failed' },
  'infrastructure-problem': { label: KIND_LABEL['infrastructure-problem'], cls: 'infra' },
  'known-issue': { label: KIND_LABEL['known-issue'], cls: 'known' },
  'not-run': { label: KIND_LABEL['not-run'], cls: 'skipped' },
  interrupted: { label: KIND_LABEL.interrupted, cls: 'infra' },
};

/** "7. Use the npm CLI ..." -> { number: '7', title: 'Use the npm CLI ...' }. */
export function splitTitle(title: string): { number: string; title: string } {
  const at = title.indexOf('. ');
  if (at <= 0) return { number: '', title };
  return { number: title.slice(0, at), title: title.slice(at + 2) };
}

/** "Step 7", "Before you begin", "Clean up". */
function stepLabel(number: string): string {
  if (!number) return '';
  return /^\d/.test(number) ? `Step ${number}` : number;
}

/** Where in the tutorial a reader meets a step, for the verdict sentence. */
function where(step: StepSummary): string {
  const { number, title } = splitTitle(step.title);
  if (/^\d/.test(number)) return `step ${number}`;
  if (number === 'Before you begin') return `the "Before you begin" part ("${title}")`;
  if (number === 'Clean up') return `the clean-up ("${title}")`;
  return `"${title}"`;
}

/**
 * What went wrong at a step, in words, from its recorded fields (never parsed from a message).
 * A harness problem says what to fix on the harness's side, never that a reader would fail.
 */
export function explainFailure(step: Pick<StepSummary, 'kind' | 'observed' | 'hint' | 'knownIssue' | 'knownIssueFixed'>): string {
  switch (step.kind) {
    case 'infrastructure-problem':
      return sentence(
        `The harness could not run this step, so it says nothing about the tutorial: ${step.observed ?? 'see the Playwright report'}`,
      );
    case 'interrupted':
      return 'The run was stopped while this step ran; it says nothing about the tutorial.';
    case 'known-issue':
      return sentence(`A known issue reproduced${step.knownIssue ? `: ${step.knownIssue.title}` : ''}`);
    default:
      if (step.knownIssueFixed)
        return sentence(`The known issue no longer reproduces${step.knownIssue ? ` (${step.knownIssue.title})` : ''}: this step worked`);
      return step.observed ? sentence(step.observed) : 'The step failed without saying why.';
  }
}

// ---------------------------------------------------------------------------------------------
// Runs: order, names, verdict
// ---------------------------------------------------------------------------------------------

const SCENARIO_ORDER = ['tutorial', 'manual-configuration'];

const isMatrixRun = (r: RunSummary) => r.project?.startsWith('matrix:') ?? false;

function renderMatrix(summary: SummaryFile): string {
  const rows = matrixRows(summary.runs ?? []);
  if (rows.length === 0) return '';
  return `<section id="matrix"><h2>Across aws CLI, package manager and Node versions</h2><p class="muted">The same tutorial with other tools. A known issue "reproduces" while the bug is still there.</p>${matrixTable(rows)}</section>`;
}

function orderedRuns(summary: SummaryFile): RunSummary[] {
  // Matrix cells have their own section (and page): the scenarios here are the tutorial's.
  const all = summary.runs;
  const runs = all.some((r) => !isMatrixRun(r)) ? all.filter((r) => !isMatrixRun(r)) : all;
  const rank = (r: RunSummary) => {
    const i = SCENARIO_ORDER.indexOf(r.scenario);
    return i < 0 ? SCENARIO_ORDER.length : i;
  };
  return runs
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i)
    .map(({ r }) => r);
}

function scenarioName(run: RunSummary): string {
  if (run.scenario === 'tutorial') return 'The tutorial, as written';
  if (run.scenario === 'manual-configuration') return 'The tutorial, configuring npm by hand instead of with login';
  return run.scenarioTitle ?? run.scenario;
}

/** The scenario as the subject of a sentence about a reader. */
function scenarioDoing(run: RunSummary): string {
  if (run.scenario === 'tutorial') return 'following the tutorial';
  if (run.scenario === 'manual-configuration') return 'configuring npm by hand instead of with login';
  return `following "${run.scenarioTitle ?? run.scenario}"`;
}

function scenarioDescription(run: RunSummary): string {
  if (run.scenario === 'tutorial')
    return 'Every step as the tutorial documents it, with npm configured by aws codeartifact login (step 6).';
  if (run.scenario === 'manual-configuration') {
    return "The same steps, but with npm configured by hand (steps 6a-6d: get-authorization-token, get-repository-endpoint, npm config set): the tutorial's alternative for when login cannot be used.";
  }
  return run.scenarioTitle ?? '';
}

/** When one scenario ran with more than one tool cell, what tells them apart. */
function cellName(run: RunSummary, all: RunSummary[]): string {
  if (all.filter((r) => r.scenario === run.scenario).length < 2) return '';
  return run.tools?.aws ? `with aws CLI ${run.tools.aws}` : `(${run.project})`;
}

function firstFailed(run: RunSummary): StepSummary | undefined {
  return run.steps.find((s) => s.kind === 'conformance-failure' || s.kind === 'infrastructure-problem' || s.kind === 'interrupted');
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

interface VerdictView {
  verdict: Verdict;
  label: string;
  headline: string;
  details: string[];
}

const VERDICT_LABEL: Record<Verdict, string> = {
  passed: 'Result: works',
  failed: 'Result: problem found',
  'no-verdict': 'Result: no verdict (a problem on the harness side)',
};

/** The page's verdict: the run's own (summary.json), with the details of each scenario run. */
export function verdictOf(summary: SummaryFile): VerdictView {
  const runs = orderedRuns(summary);
  const details: string[] = [];
  if (summary.verdict === 'no-verdict') {
    details.push(sentence(`Why: ${summary.reason}`));
    if (summary.hint) details.push(sentence(`What to fix on the harness's side: ${summary.hint}`));
    details.push('The tutorial was not judged: nothing on this page says whether it works.');
  } else {
    for (const run of runs) {
      const step = firstFailed(run);
      const cell = cellName(run, runs);
      if (step)
        details.push(
          `${capitalize(scenarioDoing(run))}${cell ? ` (${cell})` : ''}, ${whereOf(step)}, "${titleOf(step)}": ${explainFailure(step)}`,
        );
      else if (run.verdict === 'failed')
        details.push(`${capitalize(scenarioDoing(run))}${cell ? ` (${cell})` : ''}: ${sentence(run.reason)}`);
    }
    const known = runs.flatMap((r) => r.steps).filter((s) => s.kind === 'known-issue').length;
    if (known) details.push(`${count(known, 'step')} failed in a way that is already known (marked "Known issue" below).`);
  }
  const leftovers = summary.leftovers;
  if (leftovers.length) details.push(`The run left resources behind that must be removed by hand: ${[...new Set(leftovers)].join(', ')}.`);
  return { verdict: summary.verdict, label: VERDICT_LABEL[summary.verdict], headline: verdictHeadline(summary), details };
}

interface Latency {
  installMs?: number;
  visibleAfterMs?: number;
  /** Why a figure is missing, in words. */
  installNote: string;
  visibleNote: string;
}

/**
 * The run's two latency figures, counted only when their step passed: the time a failed
 * `npm install` took is not a time to install.
 */
export function latencyOf(summary: SummaryFile): Latency {
  const steps = summary.steps ?? [];
  const note = (id: string, label: string) => {
    const kind = steps.find((s) => s.id === id)?.kind;
    if (kind === 'conformance-failure' || kind === 'known-issue') return `${label} failed`;
    if (kind === 'infrastructure-problem' || kind === 'interrupted') return `${label} could not be judged`;
    if (kind === 'not-run') return `${label} was not run`;
    return 'not recorded';
  };
  const passed = (id: string) => steps.find((s) => s.id === id)?.kind === 'passed';
  const { installMs, visibleAfterMs } = summary.latency ?? {};
  return {
    ...(installMs !== undefined && passed('npm-install') ? { installMs } : {}),
    ...(visibleAfterMs !== undefined && passed('list-packages') ? { visibleAfterMs } : {}),
    installNote: note('npm-install', 'step 7'),
    visibleNote: note('list-packages', 'step 8'),
  };
}

// ---------------------------------------------------------------------------------------------
// Charts (inline SVG)
// ---------------------------------------------------------------------------------------------

const COLOR = { install: '#2563eb', visible: '#0f766e', grid: '#e5e7eb', axis: '#6b7280' };

/** Round tick steps (1, 2, 5 x 10^k ms) so that the axis has at most five ticks above 0. */
function ticks(max: number): number[] {
  const top = Math.max(max, 1);
  const raw = top / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const out: number[] = [];
  for (let v = 0; v <= top + step * 0.999; v += step) out.push(v);
  return out;
}

function num(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** This run's two figures as horizontal bars. */
function thisRunChart(latency: Latency): string {
  const rows = [
    { label: 'Installing lodash (step 7)', value: latency.installMs, color: COLOR.install, note: latency.installNote },
    { label: 'Until lodash was listed (step 8)', value: latency.visibleAfterMs, color: COLOR.visible, note: latency.visibleNote },
  ];
  const width = 720;
  const left = 230;
  const right = 90;
  const rowH = 34;
  const top = 10;
  const height = top + rows.length * rowH + 30;
  // With nothing measured, an empty 0-1 s axis.
  const axis = ticks(Math.max(...rows.map((r) => r.value ?? 0)) || 1000);
  const maxTick = axis[axis.length - 1]!;
  const x = (v: number) => left + ((width - left - right) * v) / maxTick;
  const parts: string[] = [];
  const measured = rows.some((r) => r.value !== undefined);
  for (const v of measured ? axis : []) {
    parts.push(`<line x1="${num(x(v))}" y1="${top - 4}" x2="${num(x(v))}" y2="${top + rows.length * rowH}" stroke="${COLOR.grid}"/>`);
    parts.push(
      `<text x="${num(x(v))}" y="${top + rows.length * rowH + 18}" text-anchor="middle" class="tick">${t(formatDuration(v))}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    parts.push(`<text x="${left - 12}" y="${y + rowH / 2 + 5}" text-anchor="end" class="label">${t(row.label)}</text>`);
    if (row.value === undefined) {
      parts.push(`<text x="${left + 6}" y="${y + rowH / 2 + 5}" class="missing">${t(`not measured: ${row.note}`)}</text>`);
    } else {
      const w = Math.max(2, x(row.value) - left);
      parts.push(
        `<rect x="${left}" y="${y + 7}" width="${num(w)}" height="${rowH - 14}" rx="3" fill="${row.color}"><title>${t(`${row.label}: ${formatDuration(row.value)}`)}</title></rect>`,
        `<text x="${num(left + w + 8)}" y="${y + rowH / 2 + 5}" class="value">${t(formatDuration(row.value))}</text>`,
      );
    }
  });
  return `<svg class="chart" data-chart="this-run" role="img" aria-label="Latency of this run" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

interface TrendPoint {
  date: Date | undefined;
  installMs: number | undefined;
  visibleAfterMs: number | undefined;
  failed: boolean;
  current: boolean;
}

/** Both figures over the runs, oldest first, this run last. */
function trendChart(points: TrendPoint[]): string {
  const width = 720;
  const height = 250;
  const left = 64;
  const right = 40;
  const top = 16;
  const bottom = 52;
  const values = points.flatMap((p) => [p.installMs ?? 0, p.visibleAfterMs ?? 0]);
  const axis = ticks(Math.max(...values, 0) || 1000);
  const maxTick = axis[axis.length - 1]!;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (i: number) => (points.length === 1 ? left + plotW / 2 : left + (plotW * i) / (points.length - 1));
  const y = (v: number) => top + plotH - (plotH * v) / maxTick;
  const parts: string[] = [];
  for (const v of axis) {
    parts.push(`<line x1="${left}" y1="${num(y(v))}" x2="${width - right}" y2="${num(y(v))}" stroke="${COLOR.grid}"/>`);
    parts.push(`<text x="${left - 8}" y="${num(y(v) + 4)}" text-anchor="end" class="tick">${t(formatDuration(v))}</text>`);
  }
  // Date labels: the first run, this run, and between them as many as fit without touching.
  const labelWidth = 96;
  let previousRight = -Infinity;
  points.forEach((p, i) => {
    const last = i === points.length - 1;
    if (!last) {
      const from = i === 0 ? x(i) - 8 : x(i) - labelWidth / 2;
      const to = from + labelWidth;
      if (from < previousRight + 16 || to > x(points.length - 1) - 70) return;
      previousRight = to;
    }
    const label = last ? 'this run' : p.date ? shortDate(p.date) : `run ${i + 1}`;
    const anchor = points.length > 1 && last ? 'end' : points.length > 1 && i === 0 ? 'start' : 'middle';
    parts.push(
      `<text x="${num(x(i) + (anchor === 'end' ? 8 : anchor === 'start' ? -8 : 0))}" y="${height - bottom + 20}" text-anchor="${anchor}" class="${last ? 'tick current' : 'tick'}">${t(label)}</text>`,
    );
  });
  if (points.length > 1) {
    parts.push(
      `<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle" class="axis-title">earlier runs, oldest first →</text>`,
    );
  }
  const current = points.length - 1;
  if (points.length > 1) {
    parts.push(
      `<line x1="${num(x(current))}" y1="${top}" x2="${num(x(current))}" y2="${top + plotH}" stroke="#9ca3af" stroke-dasharray="4 4"/>`,
    );
  }
  const now = points[current]!;
  if (now.installMs === undefined && now.visibleAfterMs === undefined) {
    parts.push(
      `<text x="${num(x(current) - 8)}" y="${num(top + plotH - 8)}" text-anchor="end" class="missing">not measured in this run</text>`,
    );
  }
  const series: { key: 'installMs' | 'visibleAfterMs'; color: string; name: string }[] = [
    { key: 'installMs', color: COLOR.install, name: 'install' },
    { key: 'visibleAfterMs', color: COLOR.visible, name: 'listed after' },
  ];
  for (const s of series) {
    // A missing figure (the step did not get that far) breaks the line.
    let path = '';
    let pen = false;
    points.forEach((p, i) => {
      const v = p[s.key];
      if (v === undefined) {
        pen = false;
        return;
      }
      path += `${pen ? 'L' : 'M'}${num(x(i))} ${num(y(v))} `;
      pen = true;
    });
    if (points.length > 1 && path)
      parts.push(`<path d="${path.trim()}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"/>`);
    points.forEach((p, i) => {
      const v = p[s.key];
      if (v === undefined) return;
      const r = p.current ? 5.5 : points.length > 40 ? 2.5 : 3.5;
      const when = p.current ? 'this run' : p.date ? formatDate(p.date) : `run ${i + 1}`;
      parts.push(
        `<circle cx="${num(x(i))}" cy="${num(y(v))}" r="${r}" fill="${p.failed ? '#fff' : s.color}" stroke="${s.color}" stroke-width="2"><title>${t(`${when}: ${s.name} ${formatDuration(v)}${p.failed ? ' (run failed)' : ''}`)}</title></circle>`,
      );
    });
  }
  return `<svg class="chart" data-chart="trend" data-points="${points.length}" role="img" aria-label="Latency over runs" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

// ---------------------------------------------------------------------------------------------
// Page sections
// ---------------------------------------------------------------------------------------------

function pre(text: string): string {
  return `<pre>${t(text)}</pre>`;
}

function renderStep(step: StepSummary, scenario: string, traces: Record<string, string> = {}): string {
  const status = STATUS[step.kind] ?? STATUS['infrastructure-problem'];
  const { number, title } = splitTitle(step.title);
  const out: string[] = [];
  out.push(
    `<li class="step ${status.cls}" data-scenario="${t(scenario)}" data-step-id="${t(step.id)}" data-kind="${t(step.kind)}" id="${t(`${scenario}--${step.id}`)}">`,
  );
  out.push('<div class="step-head">');
  out.push('<div class="step-name">');
  if (/^\d/.test(number)) out.push(`<div class="step-number">${t(stepLabel(number))}</div>`);
  out.push(`<h4 class="step-title">${t(title)}</h4>`);
  out.push('</div>');
  out.push(`<div class="step-result"><span class="status ${status.cls}">${t(status.label)}</span>`);
  if (step.kind !== 'not-run') out.push(`<span class="duration">${t(formatDuration(step.durationMs))}</span>`);
  out.push('</div></div>');
  if (step.kind !== 'passed' && step.kind !== 'not-run') {
    out.push(
      `<div class="explain"><p class="explain-main"><strong>${step.kind === 'infrastructure-problem' || step.kind === 'interrupted' ? 'Why this step was not judged' : 'What went wrong'}:</strong> <span class="explanation">${t(explainFailure(step))}</span></p>`,
    );
    if (step.kind === 'conformance-failure' && step.expected)
      out.push(`<p><strong>What the reader expects after this step:</strong> ${t(step.expected)}</p>`);
    if (step.hint)
      out.push(
        `<p class="hint"><strong>${step.kind === 'conformance-failure' ? 'What to do' : 'What to fix on the harness side'}:</strong> ${t(step.hint)}</p>`,
      );
    out.push('</div>');
  }
  out.push('<div class="commands">');
  out.push(`<div class="command"><div class="caption">As documented</div><code>${t(step.documented ?? '–')}</code></div>`);
  const asRun = step.commandAsRun
    ? `<code>${t(step.commandAsRun)}</code>`
    : `<p class="none">${step.kind === 'not-run' ? 'Not run: an earlier step failed or the run stopped.' : 'Not recorded.'}</p>`;
  out.push(`<div class="command"><div class="caption">As run</div>${asRun}</div>`);
  out.push('</div>');
  if (step.checked) out.push(`<p class="checked"><span class="caption-inline">Checked afterwards:</span> ${t(step.checked)}</p>`);
  if (step.retries?.length) {
    // AWS catching up (a 409 right after a delete): the step worked, but only when tried again.
    out.push(
      `<ul class="retries" data-retries="${step.retries.length}">${step.retries.map((r) => `<li data-retry-error="${t(r.error)}" data-retry-by="${t(r.by)}"><span class="caption-inline">Tried again:</span> ${t(sentence(describeRetry(r)))}</li>`).join('')}</ul>`,
    );
  }
  if (step.evidence?.excerpt) {
    out.push(
      `<details class="fold"><summary>What the command said${step.evidence.exitCode !== undefined ? ` (exit code ${t(step.evidence.exitCode)})` : ''}</summary>${pre(step.evidence.excerpt)}</details>`,
    );
  }
  out.push(evidenceHtml(step.outputCheck));
  if (step.output) out.push(`<details class="fold"><summary>Command output</summary>${pre(step.output)}</details>`);
  const trace = traces[`${scenario}--${step.id}`];
  if (trace)
    out.push(
      `<p class="trace"><a href="${t(trace)}">Playwright trace of this step</a> <span class="muted">(open with npx playwright show-trace)</span></p>`,
    );
  out.push('</li>');
  return out.join('\n');
}

/** Steps grouped as the tutorial groups them: before you begin, the numbered steps, clean up. */
function renderSteps(run: RunSummary, traces: Record<string, string> = {}): string {
  const groups: { name: string; steps: StepSummary[] }[] = [];
  for (const step of run.steps) {
    const { number } = splitTitle(step.title);
    const name = number === 'Before you begin' || number === 'Clean up' ? number : 'Steps';
    const last = groups[groups.length - 1];
    if (last && last.name === name) last.steps.push(step);
    else groups.push({ name, steps: [step] });
  }
  return groups
    .map(
      (g) =>
        `<h3 class="group">${t(g.name)}</h3>\n<ol class="steps">\n${g.steps.map((s) => renderStep(s, run.scenario, traces)).join('\n')}\n</ol>`,
    )
    .join('\n');
}

function runOutcome(run: RunSummary): { cls: string; text: string } {
  const n = (kind: StepKind) => run.steps.filter((s) => s.kind === kind).length;
  const failed = firstFailed(run);
  const notRun = n('not-run');
  if (failed) {
    const later = notRun ? `; ${count(notRun, 'later step')} not run` : '';
    if (failed.kind !== 'conformance-failure')
      return { cls: 'infra', text: `No verdict: the harness could not judge ${where(failed)}${later}` };
    return { cls: 'failed', text: `Failed at ${where(failed)}${later}` };
  }
  const known = n('known-issue');
  const passed = n('passed');
  if (run.verdict === 'no-verdict') return { cls: 'infra', text: `No verdict: ${run.reason}` };
  if (run.verdict === 'failed') return { cls: 'failed', text: `All steps passed, but ${run.reason}` };
  if (known) return { cls: 'known', text: `${count(passed, 'step')} passed, ${count(known, 'known issue')}` };
  return { cls: 'passed', text: `All ${count(passed, 'step')} passed` };
}

function renderRun(run: RunSummary, all: RunSummary[], traces: Record<string, string> = {}): string {
  const outcome = runOutcome(run);
  const cell = cellName(run, all);
  const id = `scenario-${run.scenario}${cell ? `-${run.project}` : ''}`;
  const out: string[] = [];
  out.push(`<section class="scenario" data-scenario="${t(run.scenario)}" data-project="${t(run.project)}" id="${t(id)}">`);
  out.push(`<div class="scenario-head"><h2>${t(scenarioName(run))}${cell ? ` <span class="cell">${t(cell)}</span>` : ''}</h2>`);
  out.push(`<span class="outcome ${outcome.cls}">${t(outcome.text)}</span></div>`);
  const description = scenarioDescription(run);
  if (description) out.push(`<p class="muted scenario-description">${t(description)}</p>`);
  out.push(renderSteps(run, traces));
  // The clean-up's own outcome: what the run removed (its clean-up steps, then the harness's
  // ledger after a failure) and what it left, whatever the clean-up steps' status says.
  const removed = run.cleanup.removed;
  const left = run.cleanup.left;
  out.push(`<div class="cleanup ${left.length || run.cleanup.failed.length ? 'explain' : 'ok'}" data-left="${left.length}">`);
  out.push(
    `<p><strong>Clean-up:</strong> ${removed.length ? `removed ${t(removed.join(', '))}` : 'nothing needed removing'}${left.length ? '' : '; nothing was left behind'}.</p>`,
  );
  if (left.length) out.push(`<p><strong>Left behind:</strong> ${t(left.join(', '))}</p>`);
  for (const f of run.cleanup.failed) out.push(`<p><strong>Could not remove</strong> ${t(f.resource)}: ${t(f.error)}</p>`);
  out.push('</div>');
  out.push('</section>');
  return out.join('\n');
}

/** This run's own history entry: the last one with its run id. */
function currentEntry(summary: SummaryFile, history: HistoryEntry[]): HistoryEntry | undefined {
  return history.filter((h) => h.runId === summary.runId).pop();
}

function renderLatency(summary: SummaryFile, history: HistoryEntry[], runDate: Date | undefined): string {
  const latency = latencyOf(summary);
  const { installMs, visibleAfterMs } = latency;
  const current = currentEntry(summary, history);
  const others = history.filter((h) => h !== current);
  const earlier = others.filter((h) => h.target === summary.target);
  const otherTargets = others.length - earlier.length;
  const points: TrendPoint[] = [
    ...earlier.map((h) => ({
      date: Number.isNaN(Date.parse(h.date)) ? undefined : new Date(h.date),
      installMs: h.installMs,
      visibleAfterMs: h.visibleAfterMs,
      failed: h.verdict === 'failed',
      current: false,
    })),
    { date: runDate, installMs, visibleAfterMs, failed: summary.verdict !== 'passed', current: true },
  ];
  const out: string[] = [];
  out.push('<section class="latency" id="latency">');
  out.push('<h2>How long it took</h2>');
  out.push(
    '<p class="muted">After <code>npm install</code>, CodeArtifact fetches lodash from the public npm registry and needs some time before <code>list-packages</code> shows it. The tutorial tells readers to expect a delay; these are the times this run measured.</p>',
  );
  const figure = (value: number | undefined, note: string, color: string, label: string) =>
    value === undefined
      ? `<div class="figure"><div class="figure-value none">not measured</div><div class="figure-label">${t(label)}: ${t(note)}</div></div>`
      : `<div class="figure"><div class="figure-value" style="color:${color}">${t(formatDuration(value))}</div><div class="figure-label">${t(label)}</div></div>`;
  out.push('<div class="figures">');
  out.push(figure(installMs, latency.installNote, COLOR.install, 'to install lodash (step 7)'));
  out.push(figure(visibleAfterMs, latency.visibleNote, COLOR.visible, 'until lodash was listed in the repository (step 8)'));
  out.push('</div>');
  out.push(thisRunChart(latency));
  out.push(`<h3>This run beside earlier runs against the same target (${t(summary.target)})</h3>`);
  if (earlier.length === 0) {
    out.push(
      `<p class="muted empty-history">No earlier runs against this target are recorded yet; they will appear here from the next run on.${otherTargets ? ` (${count(otherTargets, 'earlier run')} against other targets are not compared.)` : ''}</p>`,
    );
  } else {
    out.push(
      `<div class="legend"><span><i style="background:${COLOR.install}"></i>time to install</span><span><i style="background:${COLOR.visible}"></i>time until listed</span><span><i class="hollow"></i>run that failed</span></div>`,
    );
    out.push(trendChart(points));
    out.push(`<details class="fold"><summary>Earlier runs (${earlier.length})</summary>${historyTable(earlier)}</details>`);
  }
  out.push('</section>');
  return out.join('\n');
}

function historyTable(entries: HistoryEntry[]): string {
  const rows = [...entries]
    .reverse()
    .map((h) => {
      const d = Number.isNaN(Date.parse(h.date)) ? h.date : formatDate(new Date(h.date));
      const result = h.verdict === 'passed' ? '<span class="status passed">Passed</span>' : '<span class="status failed">Failed</span>';
      return `<tr><td>${t(d)}</td><td><code>${t(h.runId)}</code></td><td>${result}</td><td>${t(h.installMs === undefined ? '–' : formatDuration(h.installMs))}</td><td>${t(h.visibleAfterMs === undefined ? '–' : formatDuration(h.visibleAfterMs))}</td><td>${t(h.failedSteps.join(', ') || '–')}</td></tr>`;
    })
    .join('\n');
  return `<table class="history"><thead><tr><th>Date</th><th>Run</th><th>Result</th><th>Install</th><th>Listed after</th><th>Failed steps</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const DRIFT_KIND: Record<DriftChange['kind'], string> = {
  added: 'Added to the tutorial',
  removed: 'Removed from the tutorial',
  changed: 'Changed in the tutorial',
};

function renderDrift(drift: DriftReport, runs: RunSummary[]): string {
  const titles = new Map<string, string>();
  for (const run of runs) for (const s of run.steps) if (!titles.has(s.id)) titles.set(s.id, s.title);
  const out: string[] = [];
  out.push('<section class="drift" id="drift">');
  out.push('<h2>Has the tutorial page changed?</h2>');
  out.push(`<p class="muted">Compared with the published page: ${t(drift.document)}</p>`);
  if (!drift.changes.length) {
    out.push('<p class="drift-none">No differences: the steps tested here are the steps the page documents.</p>');
  } else {
    out.push(`<p>${t(count(drift.changes.length, 'difference'))} between the page and the steps tested here:</p><ul class="changes">`);
    for (const c of drift.changes) {
      const title = c.stepId ? titles.get(c.stepId) : undefined;
      const split = title ? splitTitle(title) : undefined;
      const step = split ? `${stepLabel(split.number) ? `${stepLabel(split.number)}: ` : ''}${split.title}` : c.stepId;
      out.push(
        `<li class="change ${t(c.kind)}"><div class="change-head"><span class="kind ${t(c.kind)}">${t(DRIFT_KIND[c.kind] ?? c.kind)}</span>${step ? ` <span class="change-step">${t(step)}</span>` : ''}</div>`,
      );
      out.push(`<p>${t(c.detail)}</p>`);
      if (c.documented !== undefined || c.found !== undefined) {
        out.push('<div class="commands">');
        if (c.documented !== undefined)
          out.push(`<div class="command"><div class="caption">Tested as</div><code>${t(c.documented)}</code></div>`);
        if (c.found !== undefined)
          out.push(`<div class="command"><div class="caption">The page now says</div><code>${t(c.found)}</code></div>`);
        out.push('</div>');
      }
      out.push('</li>');
    }
    out.push('</ul>');
  }
  out.push('</section>');
  return out.join('\n');
}

function renderLinks(links: DocsReportLinks): string {
  const items = [
    links.playwright && { href: links.playwright, name: 'Playwright report', what: 'every test with its attachments and traces' },
    links.allure && { href: links.allure, name: 'Allure report', what: 'results with history and categories' },
    links.matrix && { href: links.matrix, name: 'Matrix report', what: 'the tutorial across aws CLI and npm versions' },
  ].filter((x): x is { href: string; name: string; what: string } => !!x);
  if (!items.length) return '';
  return `<section class="links" id="links"><h2>More detail for engineers</h2><ul>${items
    .map((i) => `<li><a href="${t(i.href)}">${t(i.name)}</a> <span class="muted">– ${t(i.what)}</span></li>`)
    .join('')}</ul></section>`;
}

function toolsText(runs: RunSummary[]): string {
  const uniq = (values: (string | undefined)[]) => [...new Set(values.filter((v): v is string => !!v))];
  const aws = uniq(runs.map((r) => r.tools?.aws));
  const npm = uniq(runs.map((r) => r.tools?.npm));
  const node = uniq(runs.map((r) => r.tools?.node));
  const parts = [
    aws.length ? `aws CLI ${aws.join(' and ')}` : 'aws CLI (unknown version)',
    npm.length ? `npm ${npm.join(' and ')}` : 'npm (unknown version)',
    node.length ? `Node ${node.join(' and ')}` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

const CSS = `
:root { --text:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#f8fafc; --card:#fff;
  --pass:#166534; --pass-bg:#dcfce7; --fail:#b91c1c; --fail-bg:#fee2e2; --skip:#4b5563; --skip-bg:#f1f5f9;
  --known:#92400e; --known-bg:#fef3c7; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--text); font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:1040px; margin:0 auto; padding:32px 24px 64px; }
h1 { font-size:28px; line-height:1.25; margin:0 0 4px; }
h2 { font-size:21px; margin:0; }
h3 { font-size:16px; margin:24px 0 8px; }
h3.group { font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:22px 0 8px; }
code, pre { font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"Liberation Mono",monospace; font-size:13px; }
p { margin:6px 0; }
.muted { color:var(--muted); }
.subtitle { color:var(--muted); margin:0 0 20px; font-size:17px; }
.meta { display:grid; grid-template-columns:max-content 1fr; gap:4px 18px; margin:0 0 24px; padding:14px 18px; background:var(--card); border:1px solid var(--line); border-radius:10px; }
.meta dt { color:var(--muted); }
.meta dd { margin:0; overflow-wrap:anywhere; }
.meta .note { color:var(--muted); font-size:14px; }
.verdict { border-radius:12px; padding:18px 22px; margin:0 0 28px; border:1px solid; }
.verdict.ok { background:var(--pass-bg); border-color:#86efac; color:var(--pass); }
.verdict.problem { background:var(--fail-bg); border-color:#fca5a5; color:var(--fail); }
.verdict.no-verdict { background:var(--skip-bg); border-color:#cbd5e1; color:var(--skip); }
.faults, .partial { background:var(--known-bg); color:var(--known); border:1px solid #fcd34d; border-radius:10px; padding:10px 16px; margin:0 0 16px; }
.step.infra { border-left-color:#64748b; }
.status.infra { color:var(--skip); background:var(--skip-bg); border:1px solid #94a3b8; }
.outcome.infra { color:var(--skip); }
.cleanup { margin:10px 0 0; font-size:15px; }
.cleanup.ok { color:var(--pass); }
.verdict .verdict-label { font-size:13px; text-transform:uppercase; letter-spacing:.06em; font-weight:600; opacity:.85; }
.verdict .headline { font-size:23px; font-weight:650; line-height:1.3; margin:4px 0 0; }
.verdict ul { margin:10px 0 0; padding-left:20px; color:var(--text); }
.overview { width:100%; border-collapse:collapse; margin:0 0 32px; background:var(--card); border:1px solid var(--line); border-radius:10px; overflow:hidden; }
.overview th, .overview td { text-align:left; padding:10px 14px; border-bottom:1px solid var(--line); }
.overview th { font-size:13px; color:var(--muted); font-weight:600; background:#f9fafb; }
.overview tr:last-child td { border-bottom:0; }
.overview a { color:inherit; }
section { margin:0 0 36px; }
.scenario-description { margin:6px 0 0; font-size:15px; }
.scenario-head { display:flex; flex-wrap:wrap; align-items:baseline; justify-content:space-between; gap:8px 16px; border-bottom:2px solid var(--line); padding-bottom:8px; margin-bottom:4px; }
.cell { font-weight:400; color:var(--muted); font-size:16px; }
.outcome { font-weight:600; font-size:15px; }
.outcome.passed { color:var(--pass); } .outcome.failed { color:var(--fail); } .outcome.known { color:var(--known); }
ol.steps { list-style:none; margin:0; padding:0; }
.step { background:var(--card); border:1px solid var(--line); border-left:5px solid var(--pass); border-radius:8px; padding:10px 16px 10px; margin:0 0 8px; }
.step.failed { border-left-color:var(--fail); box-shadow:0 0 0 1px #fca5a5; }
.step.skipped { border-left-color:#cbd5e1; background:#fbfcfd; }
.step.skipped .step-title { color:var(--muted); }
.step.known { border-left-color:#f59e0b; }
.step-head { display:flex; justify-content:space-between; align-items:flex-start; gap:16px; }
.step-number { font-size:12px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); font-weight:600; }
.step-title { margin:0; font-size:16px; font-weight:600; line-height:1.35; }
.step-result { display:flex; align-items:center; gap:10px; white-space:nowrap; }
.status { display:inline-block; font-size:13px; font-weight:600; padding:2px 10px; border-radius:999px; }
.status.passed { color:var(--pass); background:var(--pass-bg); }
.status.failed { color:var(--fail); background:var(--fail-bg); }
.status.skipped { color:var(--skip); background:var(--skip-bg); border:1px solid #e2e8f0; }
.status.known { color:var(--known); background:var(--known-bg); }
.duration { color:var(--muted); font-size:13px; min-width:48px; text-align:right; }
.commands { display:grid; grid-template-columns:1fr 1fr; gap:10px; margin:8px 0 2px; }
.command { min-width:0; }
.command code { display:block; background:#f3f4f6; border:1px solid var(--line); border-radius:6px; padding:7px 10px; white-space:pre-wrap; overflow-wrap:anywhere; }
.command .none { margin:0; padding:7px 10px; color:var(--muted); font-style:italic; font-size:14px; border:1px dashed #d1d5db; border-radius:6px; }
.caption { font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.05em; margin-bottom:3px; }
.caption-inline { color:var(--muted); }
.checked { font-size:14px; overflow-wrap:anywhere; margin:4px 0 0; }
.retries { font-size:14px; margin:4px 0 0; padding-left:0; list-style:none; }
.explain { background:var(--fail-bg); border-radius:6px; padding:10px 14px; margin:10px 0; color:#450a0a; }
.step.known .explain { background:var(--known-bg); color:#451a03; }
.explain-main { font-size:16px; }
details.fold { margin:4px 0 0; }
details.fold > summary { cursor:pointer; color:#374151; font-size:14px; }
details.fold pre { background:#111827; color:#e5e7eb; padding:12px 14px; border-radius:6px; overflow:auto; max-height:420px; white-space:pre-wrap; overflow-wrap:anywhere; margin:6px 0 0; }
.figures { display:flex; flex-wrap:wrap; gap:14px; margin:14px 0; }
.figure { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 18px; min-width:220px; }
.figure-value { font-size:28px; font-weight:700; line-height:1.2; }
.figure-value.none { color:var(--muted); font-size:22px; font-weight:600; line-height:1.5; }
.figure-label { color:var(--muted); font-size:14px; }
svg.chart { display:block; max-width:760px; background:var(--card); border:1px solid var(--line); border-radius:10px; padding:8px; margin:8px 0; }
svg .tick { font-size:12px; fill:#6b7280; }
svg .tick.current { font-weight:700; fill:#111827; }
svg .label { font-size:14px; fill:#1f2937; }
svg .value { font-size:14px; font-weight:600; fill:#1f2937; }
svg .missing { font-size:14px; fill:#6b7280; font-style:italic; }
svg .axis-title { font-size:12px; fill:#9ca3af; }
.legend { display:flex; gap:18px; font-size:14px; color:var(--muted); }
.legend i { display:inline-block; width:12px; height:12px; border-radius:50%; margin-right:6px; vertical-align:-1px; }
.legend i.hollow { border:2px solid #6b7280; background:#fff; }
table.history { border-collapse:collapse; margin-top:8px; font-size:14px; background:var(--card); }
table.history th, table.history td { border-bottom:1px solid var(--line); padding:5px 10px; text-align:left; }
ul.changes { list-style:none; padding:0; }
.change { background:var(--card); border:1px solid var(--line); border-left:5px solid #f59e0b; border-radius:8px; padding:10px 16px; margin:0 0 10px; }
.kind { font-size:13px; font-weight:600; padding:2px 10px; border-radius:999px; background:var(--known-bg); color:var(--known); }
.change-step { font-weight:600; margin-left:6px; }
.drift-none { color:var(--pass); font-weight:600; }
.links ul { padding-left:20px; }
footer { color:var(--muted); font-size:13px; border-top:1px solid var(--line); padding-top:14px; }
@media (max-width:720px) { .commands { grid-template-columns:1fr; } .step-head { flex-direction:column; gap:6px; } }
@media print { details.fold { display:none; } body { background:#fff; } }
`;

/** The docs owners' page, as one self-contained HTML document. */
export function renderDocsReport(input: DocsReportInput): string {
  const { summary, history, drift, links } = input;
  const runs = orderedRuns(summary);
  const verdict = verdictOf(summary);
  const entry = currentEntry(summary, history);
  const runDate = entry && !Number.isNaN(Date.parse(entry.date)) ? new Date(entry.date) : dateFromRunId(summary.runId ?? '');
  const body: string[] = [];
  body.push('<header>');
  body.push('<h1>Does the CodeArtifact tutorial work today?</h1>');
  if (summary.faults.length) {
    body.push(
      `<div class="faults" id="faults" data-faults="${t(summary.faults.join(' '))}"><strong>Injected faults:</strong> this run's emulator was told to misbehave (${t(summary.faults.join(', '))}). It tests the harness, not the tutorial or AWS.</div>`,
    );
  }
  if (summary.partial)
    body.push(
      `<div class="partial" id="partial"><strong>Partial run:</strong> ${t(summary.partial)}. This page covers only what ran.</div>`,
    );
  body.push(
    `<p class="subtitle">“<a href="${t(TUTORIAL_URL)}">Get started with CodeArtifact via AWS CLI</a>”, followed step by step with the real aws and npm command-line tools.</p>`,
  );
  body.push('<dl class="meta">');
  body.push(`<dt>Date</dt><dd class="run-date">${t(runDate ? formatDate(runDate) : 'unknown')}</dd>`);
  body.push(`<dt>Run</dt><dd><code class="run-id">${t(summary.runId ?? 'unknown')}</code></dd>`);
  const standIn =
    summary.target && summary.target !== 'aws'
      ? '<div class="note">A stand-in for AWS CodeArtifact, not real AWS: this run shows that the documented commands, in the documented order, do what the tutorial says; AWS\'s own behaviour is checked by runs against real AWS.</div>'
      : '';
  body.push(`<dt>Tested against</dt><dd>${t(capitalize(summary.targetDescription ?? summary.target ?? 'unknown'))}${standIn}</dd>`);
  body.push(`<dt>Region</dt><dd>${t(summary.region ?? 'unknown')}</dd>`);
  body.push(`<dt>Tools</dt><dd>${t(toolsText(runs))}</dd>`);
  body.push('</dl>');
  body.push('</header>');
  body.push(
    `<div class="verdict ${verdict.verdict === 'passed' ? 'ok' : verdict.verdict === 'failed' ? 'problem' : 'no-verdict'}" id="verdict" data-verdict="${t(verdict.verdict)}" role="status">`,
  );
  body.push(`<div class="verdict-label">${t(verdict.label)}</div>`);
  body.push(`<p class="headline">${t(verdict.headline)}</p>`);
  if (verdict.details.length) body.push(`<ul>${verdict.details.map((d) => `<li>${t(d)}</li>`).join('')}</ul>`);
  body.push('</div>');
  body.push('<table class="overview"><thead><tr><th>What was followed</th><th>Result</th><th>Steps passed</th></tr></thead><tbody>');
  for (const run of runs) {
    const cell = cellName(run, runs);
    const outcome = runOutcome(run);
    const id = `scenario-${run.scenario}${cell ? `-${run.project}` : ''}`;
    const passed = run.steps.filter((s) => s.kind === 'passed').length;
    body.push(
      `<tr><td><a href="#${t(id)}">${t(scenarioName(run))}</a>${cell ? ` <span class="muted">${t(cell)}</span>` : ''}</td><td><span class="outcome ${outcome.cls}">${t(outcome.text)}</span></td><td>${passed} of ${run.steps.length}</td></tr>`,
    );
  }
  body.push('</tbody></table>');
  for (const run of runs) body.push(renderRun(run, runs, links.traces));
  body.push(renderLatency(summary, history, runDate));
  if (drift) body.push(renderDrift(drift, runs));
  body.push(renderMatrix(summary));
  body.push(renderLinks(links));
  body.push(
    `<footer>Commands “as run” use this run's own domain name, the target's account and endpoint; authorization tokens are never shown. Generated by codeartifact-conformance.</footer>`,
  );
  const title = `${verdict.verdict === 'passed' ? 'Works' : verdict.verdict === 'failed' ? 'Problem' : 'No verdict'} – CodeArtifact tutorial check, run ${summary.runId ?? ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>${t(title)}</title>
<style>${CSS}${MATRIX_CSS}</style>
</head>
<body>
<main>
${body.join('\n')}
</main>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// Files: summary.json, history, drift.json -> docs/index.html
// ---------------------------------------------------------------------------------------------

export const historyDirFor = (reportsDir: string): string => process.env.CONFORMANCE_HISTORY_DIR || join(reportsDir, 'history');

function readHistory(file: string): HistoryEntry[] {
  if (!existsSync(file)) return [];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter(
        (e): e is HistoryEntry =>
          !!e && typeof e === 'object' && typeof (e as HistoryEntry).runId === 'string' && typeof (e as HistoryEntry).date === 'string',
      )
      .map((e) => ({ ...e, failedSteps: Array.isArray(e.failedSteps) ? e.failedSteps : [] }));
  } catch {
    return [];
  }
}

function readDrift(file: string): DriftReport | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: Partial<DriftReport>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DriftReport>;
  } catch (err) {
    // Someone else's file: without it the page is still worth having.
    process.stderr.write(`warning: ${file} is not valid JSON, the docs report leaves drift out: ${(err as Error).message}\n`);
    return undefined;
  }
  return {
    document: String(parsed.document ?? 'the tutorial'),
    changes: Array.isArray(parsed.changes) ? parsed.changes.filter((c) => c && typeof c === 'object') : [],
  };
}

export function historyEntryFor(summary: SummaryFile, date: string): HistoryEntry {
  const runs = orderedRuns(summary);
  const failedSteps = [...new Set(runs.flatMap((r) => r.steps.filter((s) => s.kind === 'conformance-failure').map((s) => s.id)))];
  const { installMs, visibleAfterMs } = latencyOf(summary);
  return {
    date,
    runId: summary.runId,
    target: summary.target,
    verdict: summary.verdict,
    ...(installMs !== undefined ? { installMs } : {}),
    ...(visibleAfterMs !== undefined ? { visibleAfterMs } : {}),
    failedSteps,
  };
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** The run id an Allure report was built from (scripts/report-allure.ts writes it beside it). */
export const ALLURE_RUN_ID_FILE = 'run-id.txt';

/**
 * Records the run in the history (one entry per run id and target: regenerating replaces it)
 * and writes `<reportsDir>/docs/index.html`, linking only to reports of the same run.
 */
export function writeDocsReport(reportsDir: string): void {
  const summaryFile = join(reportsDir, 'summary.json');
  const summary = readSummaryFile(reportsDir);
  if (!summary)
    throw new Error(`${summaryFile} is missing or does not match the summary schema (helpers/outcome/model.ts); run the suite again.`);

  const historyDir = historyDirFor(reportsDir);
  const historyFile = join(historyDir, 'history.json');
  let history = readHistory(historyFile);
  const entry = historyEntryFor(summary, summary.generatedAt);
  history = [...history.filter((h) => !(h.runId === entry.runId && h.target === entry.target)), entry].slice(-HISTORY_LIMIT);
  mkdirSync(historyDir, { recursive: true });
  writeAtomically(historyFile, `${JSON.stringify(history, null, 2)}\n`);

  const drift = readDrift(join(reportsDir, 'drift.json'));
  // The Playwright report is written by this same run (its reporter ends after this one).
  const links: DocsReportLinks = { playwright: '../html/index.html' };
  const allureRunId = join(reportsDir, 'allure', ALLURE_RUN_ID_FILE);
  if (existsSync(allureRunId) && readFileSync(allureRunId, 'utf8').trim() === summary.runId) links.allure = '../allure/index.html';
  if (summary.runs.some((r) => r.cell)) links.matrix = '../matrix/index.html';
  const traces: Record<string, string> = {};
  for (const run of summary.runs) for (const step of run.steps) if (step.trace) traces[`${run.scenario}--${step.id}`] = `../${step.trace}`;
  if (Object.keys(traces).length) links.traces = traces;

  const html = renderDocsReport({ summary, history, ...(drift ? { drift } : {}), links });
  const docsDir = join(reportsDir, 'docs');
  mkdirSync(docsDir, { recursive: true });
  writeAtomically(join(docsDir, 'index.html'), html);
}
