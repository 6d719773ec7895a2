/**
 * Durations as people write them in environment variables: `300000` (milliseconds, as the
 * variables' names say), `300s`, `5m`, `1.5h`, `250ms`. Anything else is an error that says
 * what was given and what would do, never a silent NaN.
 */
const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;

export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2] ?? 'ms']!;
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}

export const DURATION_HINT = 'a duration such as 300000 (milliseconds), 300s or 5m';
