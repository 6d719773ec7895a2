/**
 * Compares what a command printed (and what the SDK read) with an expectation: AWS's
 * documented sample output, or a snapshot recorded on AWS or a target. Every difference names
 * the field and both values; a difference declared as a known divergence is reported, not
 * failed.
 */
import { normalise, type Json, type NamesInOutput } from './transformers.ts';

/** Where an expectation comes from. */
export type Provenance =
  | { kind: 'aws-documented'; where: string }
  | { kind: 'aws-recorded'; date: string; region: string; awsCli: string }
  | { kind: 'emulator'; date: string; region: string; awsCli: string; target: string };

/** AWS's sample output for a step's command, and how the tutorial's run must repeat it. */
export interface DocumentedOutput {
  /** Where AWS documents it (repository and file, or page). */
  where: string;
  /** The sample as AWS prints it: JSON text, or the text lines of a text output. */
  sample: string;
  /** For a text output: the fields a reader reads in it. */
  parse?(text: string): Json;
  /** The names the example uses (test-domain, 111122223333, us-west-2, test-repo). */
  names: NamesInOutput;
  /** Fields whose documented values the run must repeat (after normalising); the others need only be there, of the same type. */
  values: string[];
  /** Where the tutorial's command differs from the example's, the value the tutorial's command leads to, and why. */
  adapt?: { path: string; value: Json; why: string; where?: string }[];
  /** Fields only the example has (it passed options the tutorial does not). */
  omit?: { path: string; why: string }[];
  /**
   * What the output may look like before the service has caught up (AWS lists an ingested
   * package only after a delay, as the tutorial warns): then only this shape is compared and
   * the step's state check judges the rest once it shows.
   */
  whileDelayed?: { when(parsed: Json): boolean; sample: Json; why: string };
}

export type DifferenceKind = 'missing' | 'type' | 'value' | 'extra' | 'unparsable';

export interface Difference {
  kind: DifferenceKind;
  /** `output` or `sdk <Operation>`. */
  source: string;
  path: string;
  expected?: Json;
  actual?: Json;
}

/** A known difference, declared as data: which field, why, and who says so. */
export interface Divergence {
  id: string;
  /** Step ids, or ['*'] for every step. */
  steps: string[];
  /** JSON path pattern; `[*]` stands for any index. */
  path: string;
  /** The value accepted instead of the expected one (absent: any value at that path). */
  actual?: Json;
  /** Targets where it is accepted (absent: all). */
  targets?: string[];
  reason: string;
  provenance: { kind: 'aws-documented' | 'aws-recorded' | 'emulator'; where: string };
  /** When the declaration can go. */
  removeWhen?: string;
}

export interface StepEvidence {
  /** What the printed output was compared with. */
  expectation: Provenance;
  /** The normalised printed output. */
  actual?: Json;
  /** The normalised expectation. */
  expected?: Json;
  /** Differences that fail the step. */
  differences: Difference[];
  /** Differences accepted by a declared divergence. */
  declared: { difference: Difference; divergence: string; reason: string }[];
  /** Fields printed that the expectation does not have (not a failure against documentation). */
  undocumented: string[];
  /** What else a reader of the comparison should know (e.g. the output came before the service caught up). */
  notes?: string[];
  /** The snapshot comparison, when the snapshot is a recording. */
  snapshot?: { provenance: Provenance; differences: Difference[]; declared: StepEvidence['declared'] };
}

const typeOf = (v: Json | undefined): string => (v === undefined ? 'absent' : v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function pathMatches(pattern: string, path: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+?^${}()|\\]/g, '\\$&')
      .replace(/\[\*\]/g, '\\[\\d+\\]')
      .replace(/\[(\d+)\]/g, '\\[$1\\]')}$`,
  );
  return re.test(path);
}

export function declaredFor(
  divergences: readonly Divergence[],
  step: string,
  target: string,
  d: Pick<Difference, 'path' | 'actual'>,
): Divergence | undefined {
  return divergences.find(
    (v) =>
      (v.steps.includes('*') || v.steps.includes(step)) &&
      (!v.targets || v.targets.includes(target)) &&
      pathMatches(v.path, d.path) &&
      (v.actual === undefined || JSON.stringify(v.actual) === JSON.stringify(d.actual)),
  );
}

function get(value: Json | undefined, path: string): Json | undefined {
  if (!path) return value;
  let cur: Json | undefined = value;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? cur[Number(part)] : cur[part];
  }
  return cur;
}

function set(value: Json, path: string, to: Json | undefined): void {
  const parts = path.match(/[^.[\]]+/g) ?? [];
  let cur = value as Record<string, Json>;
  for (const part of parts.slice(0, -1)) cur = cur[part] as Record<string, Json>;
  const last = parts[parts.length - 1]!;
  if (to === undefined) delete cur[last];
  else cur[last] = to;
}

const join = (base: string, key: string | number) => (typeof key === 'number' ? `${base}[${key}]` : base ? `${base}.${key}` : key);

/**
 * Differences between an expected and an actual JSON value. `values(path)` says whether the
 * value at a leaf must be equal; otherwise only its presence and type count. `strict` also
 * counts fields the expectation lacks.
 */
export function diff(
  expected: Json,
  actual: Json | undefined,
  source: string,
  values: (path: string) => boolean,
  strict: boolean,
  path = '',
): Difference[] {
  const et = typeOf(expected);
  const at = typeOf(actual);
  if (at === 'absent') return [{ kind: 'missing', source, path, expected }];
  if (et !== at) return [{ kind: 'type', source, path, expected, actual: actual! }];
  // A placeholder stands for a kind of value (a timestamp, a token): the output must have one of that kind.
  const placeholder = typeof expected === 'string' && /^<[a-z-]+>$/.test(expected);
  if ((values(path) || placeholder) && JSON.stringify(expected) !== JSON.stringify(actual)) {
    // Equal values wanted: say which leaf differs when both are objects of the same shape.
    if (et !== 'object' && et !== 'array') return [{ kind: 'value', source, path, expected, actual: actual! }];
    if (et === 'array' && (expected as Json[]).length !== (actual as Json[]).length)
      return [{ kind: 'value', source, path, expected, actual: actual! }];
  }
  const out: Difference[] = [];
  // Where the documented value counts, a field the documentation does not have is a difference too.
  const whole = strict || values(path);
  if (et === 'array') {
    const e = expected as Json[];
    const a = actual as Json[];
    for (const [i, v] of e.entries()) out.push(...diff(v, a[i], source, values, strict, join(path, i)));
    if (whole) for (let i = e.length; i < a.length; i++) out.push({ kind: 'extra', source, path: join(path, i), actual: a[i]! });
  } else if (et === 'object') {
    const e = expected as Record<string, Json>;
    const a = actual as Record<string, Json>;
    for (const [k, v] of Object.entries(e)) out.push(...diff(v, a[k], source, values, strict, join(path, k)));
    if (whole) for (const k of Object.keys(a)) if (!(k in e)) out.push({ kind: 'extra', source, path: join(path, k), actual: a[k]! });
  }
  return out;
}

/** Fields in `actual` that `expected` does not have. */
export function extraFields(expected: Json | undefined, actual: Json | undefined, path = ''): string[] {
  if (actual === null || typeof actual !== 'object' || expected === null || typeof expected !== 'object' || expected === undefined)
    return [];
  if (Array.isArray(actual)) return actual.flatMap((v, i) => extraFields((expected as Json[])[i], v, join(path, i)));
  const e = expected as Record<string, Json>;
  return Object.entries(actual).flatMap(([k, v]) => (k in e ? extraFields(e[k], v, join(path, k)) : [join(path, k)]));
}

/** The printed text as JSON: parsed by the step for a text output. */
export function parsePrinted(doc: DocumentedOutput, stdout: string): Json | undefined {
  if (doc.parse) return doc.parse(stdout);
  // The aws CLI prints nothing at all for an empty answer ({}).
  if (stdout.trim() === '') return {};
  try {
    return JSON.parse(stdout) as Json;
  } catch {
    return undefined;
  }
}

/** The documented sample as the run must repeat it: parsed, adapted to the tutorial's command, normalised. */
export function documentedExpectation(doc: DocumentedOutput): Json {
  const sample = (doc.parse ? doc.parse(doc.sample) : JSON.parse(doc.sample)) as Json;
  for (const o of doc.omit ?? []) set(sample, o.path, undefined);
  for (const a of doc.adapt ?? []) set(sample, a.path, a.value);
  return normalise(sample, doc.names);
}

const underValuePath = (doc: DocumentedOutput) => (path: string) =>
  [...doc.values, ...(doc.adapt ?? []).map((a) => a.path)].some((v) => path === v || path.startsWith(`${v}.`) || path.startsWith(`${v}[`));

/** The printed output against AWS's documented sample. */
export function compareWithDocumented(
  doc: DocumentedOutput,
  stdout: string,
  names: NamesInOutput,
  divergences: readonly Divergence[],
  step: string,
  target: string,
): StepEvidence {
  const expected = documentedExpectation(doc);
  const parsed = parsePrinted(doc, stdout);
  const expectation: Provenance = { kind: 'aws-documented', where: doc.where };
  if (parsed === undefined) {
    return {
      expectation,
      expected,
      differences: [{ kind: 'unparsable', source: 'output', path: '', expected, actual: stdout.trim().slice(0, 200) }],
      declared: [],
      undocumented: [],
    };
  }
  const actual = normalise(parsed, names);
  if (doc.whileDelayed?.when(parsed)) {
    const early = normalise(doc.whileDelayed.sample, doc.names);
    const all = diff(early, actual, 'output', () => false, false);
    return {
      expectation,
      expected: early,
      actual,
      ...split(all, divergences, step, target),
      undocumented: extraFields(early, actual),
      notes: [doc.whileDelayed.why],
    };
  }
  const all = diff(expected, actual, 'output', underValuePath(doc), false);
  return { expectation, expected, actual, ...split(all, divergences, step, target), undocumented: extraFields(expected, actual) };
}

/** A recorded snapshot: everything must be as recorded (after normalising), but declared divergences. */
export function compareWithSnapshot(
  expected: { output?: Json; sdk?: Record<string, Json> },
  actual: { output?: Json; sdk?: Record<string, Json> },
  divergences: readonly Divergence[],
  step: string,
  target: string,
): Pick<StepEvidence, 'differences' | 'declared'> {
  const all: Difference[] = [];
  if (expected.output !== undefined) all.push(...diff(expected.output, actual.output, 'output', () => true, true));
  for (const [operation, read] of Object.entries(expected.sdk ?? {})) {
    all.push(...diff(read, actual.sdk?.[operation], `sdk ${operation}`, () => true, true));
  }
  return split(all, divergences, step, target);
}

function split(
  all: Difference[],
  divergences: readonly Divergence[],
  step: string,
  target: string,
): Pick<StepEvidence, 'differences' | 'declared'> {
  const differences: Difference[] = [];
  const declared: StepEvidence['declared'] = [];
  for (const d of all) {
    const v = declaredFor(divergences, step, target, d);
    if (v) declared.push({ difference: d, divergence: v.id, reason: v.reason });
    else differences.push(d);
  }
  return { differences, declared };
}

const show = (v: Json | undefined) => (v === undefined ? 'nothing' : JSON.stringify(v));

/** One difference in words: the field, what was expected and what came. */
export function describeDifference(d: Difference, from: string): string {
  const field = d.path
    ? `${d.source === 'output' ? 'the printed output' : `the SDK's ${d.source.slice(4)} answer`}'s field ${d.path}`
    : d.source === 'output'
      ? 'the printed output'
      : `the SDK's ${d.source.slice(4)} answer`;
  switch (d.kind) {
    case 'unparsable':
      return `the printed output is not the documented JSON (${from}: ${show(d.expected)}); it printed ${show(d.actual)}`;
    case 'missing':
      return `${field} is missing; ${from} has ${show(d.expected)}`;
    case 'type':
      return `${field} is ${typeOf(d.actual)} ${show(d.actual)}; ${from} has ${typeOf(d.expected)} ${show(d.expected)}`;
    case 'value':
      return `${field} is ${show(d.actual)}; ${from} has ${show(d.expected)}`;
    case 'extra':
      return `${field} ${show(d.actual)} is not in ${from}`;
  }
}

export function describeProvenance(p: Provenance): string {
  switch (p.kind) {
    case 'aws-documented':
      return `as documented (${p.where})`;
    case 'aws-recorded':
      return `recorded on AWS on ${p.date} (${p.region}, aws CLI ${p.awsCli})`;
    case 'emulator':
      return `recorded on ${p.target} on ${p.date} (aws CLI ${p.awsCli})`;
  }
}

/** The failure message for a step's evidence, or undefined when it holds. */
export function evidenceFailure(e: StepEvidence): string | undefined {
  const lines: string[] = [];
  if (e.differences.length) {
    const from =
      e.expectation.kind === 'aws-documented' ? `AWS's documented output (${e.expectation.where})` : describeProvenance(e.expectation);
    lines.push(...e.differences.slice(0, 5).map((d) => describeDifference(d, from)));
  }
  if (e.snapshot?.differences.length) {
    const from = `the snapshot ${describeProvenance(e.snapshot.provenance)}`;
    lines.push(...e.snapshot.differences.slice(0, 5).map((d) => describeDifference(d, from)));
  }
  return lines.length ? lines.join('; ') : undefined;
}

export { get as getPath };
