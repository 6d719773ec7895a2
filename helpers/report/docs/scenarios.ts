/** One section per scenario run: its steps as the tutorial groups them, and what its clean-up removed. */
import { evidenceHtml } from '../evidence-html.ts';
import { describeRetry } from '../../outcome/model.ts';
import {
  cellName,
  explainFailure,
  nothingFollowed,
  runOutcome,
  scenarioAnchor,
  scenarioDescription,
  scenarioName,
  splitTitle,
  STATUS,
  stepLabel,
  whyNothingFollowed,
  type RunSummary,
  type StepSummary,
  type SummaryFile,
} from './page-data.ts';
import { formatDuration, sentence, t } from './text.ts';

export function pre(text: string): string {
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

export function renderRun(run: RunSummary, all: RunSummary[], traces: Record<string, string> = {}): string {
  const outcome = runOutcome(run);
  const cell = cellName(run, all);
  const id = scenarioAnchor(run, all);
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

/**
 * What was followed: one row per scenario run, linking to its section; or, when no step of the
 * tutorial ran, that nothing was followed and why (the run's recorded problems, with their fixes).
 */
export function renderOverview(summary: SummaryFile, runs: RunSummary[]): string {
  if (nothingFollowed(summary)) {
    const why = whyNothingFollowed(summary)
      .map(
        (p) =>
          `<li><span class="problem">${t(sentence(p.text))}</span>${p.hint ? ` <span class="fix"><strong>What to fix on the harness's side:</strong> ${t(sentence(p.hint))}</span>` : ''}</li>`,
      )
      .join('');
    return `<section class="nothing-followed" id="nothing-followed"><p><strong>Nothing was followed:</strong> the run stopped before the tutorial's first step, so none of its commands ran.</p><p>Why:</p><ul>${why}</ul></section>`;
  }
  const rows = runs.map((run) => {
    const cell = cellName(run, runs);
    const outcome = runOutcome(run);
    const passed = run.steps.filter((s) => s.kind === 'passed').length;
    return `<tr><td><a href="#${t(scenarioAnchor(run, runs))}">${t(scenarioName(run))}</a>${cell ? ` <span class="muted">${t(cell)}</span>` : ''}</td><td><span class="outcome ${outcome.cls}">${t(outcome.text)}</span></td><td>${passed} of ${run.steps.length}</td></tr>`;
  });
  return `<table class="overview"><thead><tr><th>What was followed</th><th>Result</th><th>Steps passed</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}
