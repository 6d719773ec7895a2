/**
 * A preflight problem and the one message a failed preflight ends with, apart from the checks
 * themselves (helpers/run/preflight.ts), so that a reader of preflight.json (the console
 * reporter) does not load what the checks need (execa, the AWS SDK).
 */
export interface PreflightProblem {
  text: string;
  hint: string;
}

/** The one message a failed preflight ends with. */
export function preflightMessage(problems: PreflightProblem[]): string {
  const lines = problems.map((p) => `- ${p.text.replace(/\n/g, '\n  ')}\n  Fix: ${p.hint}`);
  return `No verdict: the run cannot start.\n${lines.join('\n')}`;
}
