/** Words and numbers on the docs page: everything that reaches it goes through `t` (redact, then escape). */
import { redact } from '../../run/redact.ts';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Redacted and escaped: the only way text gets into the page. */
export function t(value: unknown): string {
  return escapeHtml(redact(String(value ?? '')));
}

export function capitalize(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/** Starts with a capital, unless it starts with a tool's name (npm, aws); ends with a full stop. */
export function sentence(s: string): string {
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

export function formatDate(d: Date): string {
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

export function shortDate(d: Date): string {
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]!.slice(0, 3)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** The harness's default run id starts with Date.now() in base 36. */
export function dateFromRunId(runId: string): Date | undefined {
  if (runId.length < 9) return undefined;
  const ms = parseInt(runId.slice(0, -4), 36);
  return ms > Date.UTC(2020, 0) && ms < Date.UTC(2100, 0) ? new Date(ms) : undefined;
}

export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
