/**
 * The release gate's logic (`npm run gate`, scripts/gate.ts). The gate judges nothing itself:
 * its exit code is the run's verdict, read from this run's summary.json (helpers/outcome/model.ts):
 *   0  passed: every required step passed, nothing was left behind, latency within budget;
 *   1  failed: the tutorial or the service does not do what the tutorial documents, latency
 *      is over budget, or something was left behind;
 *   2  no-verdict: the harness could not judge (configuration, tools, credentials, target,
 *      interruption), or the run wrote no summary of its own.
 */
import { redact } from '../run/redact.ts';
import type { HarnessConfig } from '../run/config.ts';
import { VERDICT_WORDS, formatMs, headline, verdictExitCode, whereOf, type Summary, type Verdict } from '../outcome/model.ts';

export { formatMs, latencyBudgetMs, DEFAULT_LATENCY_BUDGET_MS } from '../outcome/model.ts';

export const EXIT_PASS = 0;
export const EXIT_CONFORMANCE = 1;
export const EXIT_INFRASTRUCTURE = 2;
export type GateExitCode = 0 | 1 | 2;

export interface GateVerdict {
  exitCode: GateExitCode;
  verdict: Verdict;
  reason: string;
  hint?: string;
  runId: string;
  target?: string;
  summary?: Summary;
}

export interface EvaluateOptions {
  runId: string;
  target?: string;
  /** The gate was interrupted (Ctrl-C, CI cancel) while the suite ran. */
  interrupted?: boolean;
  /** For messages: where summary.json was looked for. */
  summaryPath?: string;
}

/** The gate's verdict: the run's own, or no-verdict when the run left no summary of its own. */
export function evaluate(summary: Summary | undefined, opts: EvaluateOptions): GateVerdict {
  if (!summary) {
    return {
      exitCode: EXIT_INFRASTRUCTURE,
      verdict: 'no-verdict',
      reason: `the conformance suite wrote no ${opts.summaryPath ?? 'summary.json'} for run ${opts.runId}: it did not get to judge the tutorial (see its output above)`,
      runId: opts.runId,
      ...(opts.target ? { target: opts.target } : {}),
    };
  }
  // An interrupt the suite did not see (the gate's own) is still no verdict.
  const verdict: Verdict = opts.interrupted && summary.verdict !== 'no-verdict' ? 'no-verdict' : summary.verdict;
  return {
    exitCode: verdictExitCode(verdict),
    verdict,
    reason: verdict === summary.verdict ? summary.reason : 'the gate was interrupted: the run did not finish',
    ...(summary.hint ? { hint: summary.hint } : {}),
    runId: summary.runId,
    target: summary.target,
    summary,
  };
}

const HEADLINES: Record<GateExitCode, string> = {
  0: 'every required tutorial step passed, nothing was left behind, and the external connection was within the latency budget.',
  1: 'the tutorial does not work as documented on this target, or the run did not meet its requirements.',
  2: 'the harness could not judge the tutorial; fix the problem below and run the gate again.',
};

function cell(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const short = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  return short.replace(/\|/g, '\\|') || '–';
}

export interface GateLinks {
  docs?: string;
  summary?: string;
  playwright?: string;
  allure?: string;
  matrix?: string;
}

/** The gate's Markdown summary (gate.md, GitHub step summary), redacted. */
export function renderMarkdown(v: GateVerdict, secrets: readonly string[] = [], links: GateLinks = {}): string {
  const s = v.summary;
  const lines: string[] = ['## CodeArtifact tutorial conformance gate', ''];
  lines.push(`<!-- verdict: ${v.verdict} -->`);
  lines.push(`**${VERDICT_WORDS[v.verdict]}** (exit ${v.exitCode}, ${v.verdict}): ${HEADLINES[v.exitCode]}`, '');
  if (s) lines.push(`${headline(s)}.`, '');
  lines.push(`Reason: ${v.reason.replace(/\n+/g, ' ')}`);
  if (v.hint) lines.push('', `Fix: ${v.hint.replace(/\n+/g, ' ')}`);
  lines.push('');
  const facts = [
    `run id: \`${v.runId}\``,
    v.target ? `target: ${v.target}` : undefined,
    s?.endpoint ? `endpoint: ${s.endpoint}` : undefined,
    s ? `region: ${s.region}` : undefined,
    s ? `latency budget: ${formatMs(s.latencyBudgetMs)} (install and visible each)` : undefined,
  ].filter(Boolean);
  lines.push(facts.join(' · '), '');
  if (s?.faults.length) lines.push(`**Injected emulator faults:** ${s.faults.join(', ')} (the run tests the harness, not AWS).`, '');
  if (s?.partial) lines.push(`**Partial run:** ${s.partial}.`, '');
  if (s && s.runs.length > 0) {
    lines.push('| scenario | project | verdict | at | what happened | install | visible | left behind |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const r of s.runs) {
      const at = r.steps.find((x) => x.kind !== 'passed' && x.kind !== 'not-run');
      lines.push(
        `| ${[
          cell(r.scenario),
          cell(r.project),
          r.verdict,
          at ? cell(`${whereOf(at)} (${at.kind})`) : '–',
          cell(r.verdict === 'passed' ? '–' : r.reason),
          r.latency.installMs !== undefined ? formatMs(r.latency.installMs) : '–',
          r.latency.visibleAfterMs !== undefined ? formatMs(r.latency.visibleAfterMs) : '–',
          r.cleanup.left.length ? cell(r.cleanup.left.join(', ')) : 'nothing',
        ].join(' | ')} |`,
      );
    }
    lines.push('');
  }
  const linkList = [
    links.docs && `[docs page](${links.docs})`,
    links.summary && `[summary.json](${links.summary})`,
    links.playwright && `[Playwright report](${links.playwright})`,
    links.allure && `[Allure report](${links.allure})`,
    links.matrix && `[matrix](${links.matrix})`,
  ].filter(Boolean);
  if (linkList.length) lines.push(`Reports: ${linkList.join(' · ')}`, '');
  return `${redact(lines.join('\n'), secrets).trimEnd()}\n`;
}

/** Secrets the gate may come across in error text: masked wherever they occur. */
export function gateSecrets(env: NodeJS.ProcessEnv = process.env, config?: HarnessConfig): string[] {
  return [
    env.CONFORMANCE_SECRET_ACCESS_KEY,
    env.AWS_SECRET_ACCESS_KEY,
    env.AWS_SESSION_TOKEN,
    config?.localCredentials.secretAccessKey,
  ].filter((s): s is string => typeof s === 'string' && s.length > 0);
}
