/**
 * The docs page's view of a step's evidence: where the printed output differs from what AWS
 * documents (or what was recorded on AWS), the expected output beside the actual one, the
 * fields that differ, and where the expectation comes from. A pure function of the step's
 * record; every text is redacted and escaped.
 */
import { describeDifference, describeProvenance, type Provenance, type StepEvidence } from '../evidence/compare.ts';
import { redact } from '../run/redact.ts';

function esc(value: unknown): string {
  return redact(String(value ?? '')).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** "recorded on AWS on <date>" or "as documented (<where>)". */
export function expectationSource(p: Provenance): string {
  return describeProvenance(p);
}

const json = (v: unknown) => (v === undefined ? '(nothing)' : JSON.stringify(v, null, 2));

/** An HTML fragment for the step, or '' when the output matched and nothing is worth showing. */
export function evidenceHtml(evidence: StepEvidence | undefined): string {
  if (!evidence) return '';
  const snapshot = evidence.snapshot;
  const failing = [...evidence.differences, ...(snapshot?.differences ?? [])];
  const declared = [...evidence.declared, ...(snapshot?.declared ?? [])];
  if (failing.length === 0 && declared.length === 0) {
    return `<p class="evidence evidence-ok"><span class="caption-inline">Printed output:</span> as AWS prints it, ${esc(expectationSource(evidence.expectation))}${
      snapshot ? `; and as ${esc(expectationSource(snapshot.provenance))}` : ''
    }.</p>`;
  }
  const source = snapshot?.differences.length ? snapshot.provenance : evidence.expectation;
  const from = expectationSource(source);
  const out: string[] = [`<div class="evidence${failing.length ? ' evidence-differs' : ''}">`];
  if (failing.length) {
    out.push(`<p><strong>The printed output differs from what AWS prints</strong> (expected ${esc(from)}):</p><ul>`);
    for (const d of failing) out.push(`<li>${esc(describeDifference(d, 'the expectation'))}</li>`);
    out.push('</ul>');
  }
  if (declared.length) {
    out.push('<p>Known divergences (declared):</p><ul>');
    for (const d of declared)
      out.push(
        `<li><code>${esc(d.difference.path)}</code> is ${esc(JSON.stringify(d.difference.actual))}: ${esc(d.reason)} <span class="divergence-id">(${esc(d.divergence)})</span></li>`,
      );
    out.push('</ul>');
  }
  out.push('<div class="commands evidence-side-by-side">');
  out.push(`<div class="command"><div class="caption">Expected, ${esc(from)}</div><pre>${esc(json(evidence.expected))}</pre></div>`);
  out.push(`<div class="command"><div class="caption">Printed (normalised)</div><pre>${esc(json(evidence.actual))}</pre></div>`);
  out.push('</div></div>');
  return out.join('\n');
}
