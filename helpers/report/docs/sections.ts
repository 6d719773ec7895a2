/** The page's other sections: latency over earlier runs, the tutorial's drift, the matrix, links. */
import type { DriftChange } from '../../drift/drift.ts';
import { matrixRows, matrixTable } from '../matrix.ts';
import { COLOR, thisRunChart, trendChart, type TrendPoint } from './charts.ts';
import {
  currentEntry,
  latencyOf,
  splitTitle,
  stepLabel,
  type DocsReportLinks,
  type DriftReport,
  type HistoryEntry,
  type RunSummary,
  type SummaryFile,
} from './page-data.ts';
import { count, formatDate, formatDuration, t } from './text.ts';

export function renderMatrix(summary: SummaryFile): string {
  const rows = matrixRows(summary.runs ?? []);
  if (rows.length === 0) return '';
  return `<section id="matrix"><h2>Across aws CLI, package manager and Node versions</h2><p class="muted">The same tutorial with other tools. A known issue "reproduces" while the bug is still there.</p>${matrixTable(rows)}</section>`;
}

export function renderLatency(summary: SummaryFile, history: HistoryEntry[], runDate: Date | undefined): string {
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

export function renderDrift(drift: DriftReport, runs: RunSummary[]): string {
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

export function renderLinks(links: DocsReportLinks): string {
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

/** The tools of every scenario run (or, when none ran, of preflight), each version named once. */
export function toolsText(tools: RunSummary['tools'][]): string {
  const uniq = (values: (string | undefined)[]) => [...new Set(values.filter((v): v is string => !!v))];
  const aws = uniq(tools.map((x) => x?.aws));
  const npm = uniq(tools.map((x) => x?.npm));
  const node = uniq(tools.map((x) => x?.node));
  const parts = [
    aws.length ? `aws CLI ${aws.join(' and ')}` : 'aws CLI (unknown version)',
    npm.length ? `npm ${npm.join(' and ')}` : 'npm (unknown version)',
    node.length ? `Node ${node.join(' and ')}` : '',
  ];
  return parts.filter(Boolean).join(', ');
}
