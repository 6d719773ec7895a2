/** The latency charts, as inline SVG: this run's two figures, and both over earlier runs. */
import type { Latency } from './page-data.ts';
import { formatDate, formatDuration, shortDate, t } from './text.ts';

export const COLOR = { install: '#2563eb', visible: '#0f766e', grid: '#e5e7eb', axis: '#6b7280' };

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
export function thisRunChart(latency: Latency): string {
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

export interface TrendPoint {
  date: Date | undefined;
  installMs: number | undefined;
  visibleAfterMs: number | undefined;
  failed: boolean;
  current: boolean;
}

/** Both figures over the runs, oldest first, this run last. */
export function trendChart(points: TrendPoint[]): string {
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
