/**
 * Plays a job of a GitHub workflow on this machine, the way the runner does: step by step, in a
 * workspace that is a fresh copy of the checkout, each `run:` with `bash --noprofile --norc -eo
 * pipefail`, with the workflow's, job's and step's `env:` (their `${{ }}` expressions evaluated
 * against the contexts given), `if:` conditions with the status functions, `continue-on-error`,
 * and the files the runner provides ($GITHUB_ENV, $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY).
 *
 * A `uses:` step runs only where the test gives a local equivalent of the action (a cache or an
 * artifact store in a folder); any other is reported as not played, with the reason. A `run:`
 * step the test cannot run here (installing system packages, reinstalling node_modules, reaching
 * AWS) is skipped by the test's `skip` rule, also with its reason, so a test can assert that
 * exactly those were left out.
 */
import { execa } from 'execa';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string | boolean;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  'continue-on-error'?: boolean;
  'working-directory'?: string;
}
export interface Job {
  'runs-on'?: string;
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  env?: Record<string, unknown>;
  strategy?: { matrix?: Record<string, unknown>; 'fail-fast'?: boolean };
  steps: Step[];
}
export interface Workflow {
  name?: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

export function loadWorkflow(path: string): Workflow {
  const doc = parseDocument(readFileSync(path, 'utf8'));
  if (doc.errors.length) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS() as Workflow;
}

// ---------------------------------------------------------------------------------------------
// Expressions: the subset of GitHub's expression language the workflows use. Anything else is
// an error, so a workflow that outgrows it is noticed here rather than evaluated wrongly.
// ---------------------------------------------------------------------------------------------

type Value = string | number | boolean | null | undefined | Record<string, unknown> | unknown[];
export interface Contexts {
  [name: string]: Value;
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(?:('(?:[^']|'')*')|(\|\||&&|==|!=|[!().,[\]])|([A-Za-z_][\w-]*|\*)|(\d+(?:\.\d+)?))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new Error(`expression not understood at "${text.slice(at)}" in: ${text}`);
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
    at = re.lastIndex;
  }
  return tokens;
}

const truthy = (v: Value) => !(v === false || v === null || v === undefined || v === 0 || v === '');
function equal(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return (a ?? null) === (b ?? null);
}

export function evaluate(text: string, contexts: Contexts, status: { failed: boolean; cancelled?: boolean }): Value {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const take = (expected?: string) => {
    const t = tokens[i++];
    if (expected !== undefined && t !== expected) throw new Error(`expected ${expected}, got ${t ?? 'the end'} in: ${text}`);
    return t!;
  };
  const functions: Record<string, (...args: Value[]) => Value> = {
    always: () => true,
    success: () => !status.failed && !status.cancelled,
    failure: () => status.failed,
    cancelled: () => !!status.cancelled,
    format: (f, ...args) => String(f).replace(/\{(\d+)\}/g, (_, n: string) => String(args[Number(n)] ?? '')),
    startsWith: (a, b) =>
      String(a ?? '')
        .toLowerCase()
        .startsWith(String(b ?? '').toLowerCase()),
    contains: (a, b) =>
      Array.isArray(a)
        ? a.some((x) => equal(x as Value, b))
        : String(a ?? '')
            .toLowerCase()
            .includes(String(b ?? '').toLowerCase()),
  };
  function primary(): Value {
    const t = take();
    if (t === '(') {
      const v = or();
      take(')');
      return v;
    }
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (/^\d/.test(t)) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === 'null') return null;
    if (peek() === '(') {
      const fn = functions[t];
      if (!fn) throw new Error(`function ${t}() is not supported by the player: ${text}`);
      take('(');
      const args: Value[] = [];
      while (peek() !== ')') {
        args.push(or());
        if (peek() === ',') take(',');
      }
      take(')');
      return fn(...args);
    }
    if (!(t in contexts)) throw new Error(`unknown context ${t} in: ${text}`);
    let v: Value = contexts[t];
    for (;;) {
      if (peek() === '.') {
        take('.');
        const key = take();
        v = v && typeof v === 'object' ? ((v as Record<string, Value>)[key] as Value) : undefined;
      } else if (peek() === '[') {
        take('[');
        const key = or();
        take(']');
        v = v && typeof v === 'object' ? ((v as Record<string, Value>)[String(key)] as Value) : undefined;
      } else break;
    }
    return v;
  }
  function comparison(): Value {
    const left = unary();
    if (peek() === '==' || peek() === '!=') {
      const op = take();
      const right = unary();
      return op === '==' ? equal(left, right) : !equal(left, right);
    }
    return left;
  }
  function unary(): Value {
    if (peek() === '!') {
      take();
      return !truthy(unary());
    }
    return primary();
  }
  function and(): Value {
    let v = comparison();
    while (peek() === '&&') {
      take();
      const r = comparison();
      v = truthy(v) ? r : v;
    }
    return v;
  }
  function or(): Value {
    let v = and();
    while (peek() === '||') {
      take();
      const r = and();
      v = truthy(v) ? v : r;
    }
    return v;
  }
  const v = or();
  if (i !== tokens.length) throw new Error(`unexpected ${tokens[i]} in: ${text}`);
  return v;
}

/** `${{ expr }}` inside a string, as the runner substitutes it. */
export function interpolate(text: string, contexts: Contexts, status: { failed: boolean }): string {
  return text.replace(/\$\{\{\s*([\s\S]*?)\s*\}\}/g, (_, expr: string) => {
    const v = evaluate(expr, contexts, status);
    return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

/** An `if:` as the runner reads it: without a status function, `success() && (...)` is meant. */
function condition(expr: string | boolean | undefined, contexts: Contexts, status: { failed: boolean }): boolean {
  if (expr === undefined) return !status.failed;
  if (typeof expr === 'boolean') return expr && !status.failed;
  const text = expr.replace(/^\s*\$\{\{([\s\S]*)\}\}\s*$/, '$1');
  const hasStatus = /\b(always|success|failure|cancelled)\s*\(/.test(text);
  return truthy(evaluate(hasStatus ? text : `success() && (${text})`, contexts, status));
}

// ---------------------------------------------------------------------------------------------
// Files the runner provides
// ---------------------------------------------------------------------------------------------

/** `name=value` lines and `name<<DELIMITER` blocks, as $GITHUB_ENV and $GITHUB_OUTPUT hold them. */
export function readCommandFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(path)) return out;
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const block = /^([^=<]+)<<(.+)$/.exec(line);
    if (block) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== block[2]) body.push(lines[i]!);
      out[block[1]!] = body.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The workspace: a fresh copy of the checkout
// ---------------------------------------------------------------------------------------------

/**
 * What actions/checkout gives a job: the repository's files (tracked and new, not ignored ones:
 * no reports, no history), here with the installed node_modules and toolchains linked in, as
 * `npm ci` and `npm run toolchains` would leave them.
 */
export async function freshCheckout(root: string): Promise<string> {
  const workspace = mkdtempSync(join(tmpdir(), 'cc-workspace-'));
  const listed = await execa('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root });
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const from = join(root, file);
    if (!existsSync(from) || statSync(from).isDirectory()) continue;
    mkdirSync(dirname(join(workspace, file)), { recursive: true });
    cpSync(from, join(workspace, file));
  }
  for (const linked of ['node_modules', '.toolchains']) {
    if (existsSync(join(root, linked))) symlinkSync(resolve(root, linked), join(workspace, linked));
  }
  return workspace;
}

// ---------------------------------------------------------------------------------------------
// The player
// ---------------------------------------------------------------------------------------------

export interface StepRun {
  name: string;
  outcome: 'success' | 'failure' | 'skipped' | 'not played';
  /** Why a step was skipped or not played. */
  reason?: string;
  output?: string;
  exitCode?: number;
}

/** A local equivalent of an action: returns its outputs, or throws to fail the step. */
export type LocalAction = (
  inputs: Record<string, string>,
  ctx: { workspace: string; env: Record<string, string> },
) => Promise<Record<string, string> | void>;

export interface PlayOptions {
  workflow: Workflow;
  job: string;
  workspace: string;
  /** The machine's environment the runner starts from (PATH, HOME, ...). */
  baseEnv: Record<string, string>;
  /** Set after the workflow's own env, as a test's stand-in for what it cannot have (e.g. the emulator instead of AWS). */
  override?: Record<string, string>;
  /** github, vars, secrets, matrix, needs, inputs. */
  contexts: Contexts;
  actions: Record<string, LocalAction>;
  /** Why a `run:` step cannot run here, or undefined to run it. */
  skip?: (step: Step) => string | undefined;
  /** A folder for the runner's files (GITHUB_ENV and the rest). */
  runnerTemp: string;
}

export interface JobRun {
  steps: StepRun[];
  /** success or failure, as `needs.<job>.result` reads. */
  result: 'success' | 'failure';
  stepSummary: string;
  outputs: Record<string, Record<string, string>>;
}

const stepName = (step: Step) => step.name ?? (step.uses ? `Run ${step.uses}` : `Run ${(step.run ?? '').split('\n')[0]}`);

export async function playJob(options: PlayOptions): Promise<JobRun> {
  const { workflow, workspace, runnerTemp } = options;
  const job = workflow.jobs[options.job];
  if (!job) throw new Error(`the workflow has no job ${options.job}`);
  mkdirSync(runnerTemp, { recursive: true });
  const summaryFile = join(runnerTemp, 'step-summary.md');
  writeFileSync(summaryFile, '');
  const stepsContext: Record<string, { outcome: string; conclusion: string; outputs: Record<string, string> }> = {};
  const contexts: Contexts = {
    env: {},
    steps: stepsContext,
    job: { status: 'success' },
    runner: { os: 'Linux', temp: runnerTemp },
    ...options.contexts,
  };
  const status = { failed: false };
  const runnerEnv: Record<string, string> = {
    ...options.baseEnv,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    GITHUB_STEP_SUMMARY: summaryFile,
  };
  const github = (options.contexts.github ?? {}) as Record<string, string>;
  for (const [key, name] of Object.entries({
    run_id: 'GITHUB_RUN_ID',
    run_attempt: 'GITHUB_RUN_ATTEMPT',
    repository: 'GITHUB_REPOSITORY',
    repository_owner: 'GITHUB_REPOSITORY_OWNER',
    server_url: 'GITHUB_SERVER_URL',
    ref: 'GITHUB_REF',
    sha: 'GITHUB_SHA',
    event_name: 'GITHUB_EVENT_NAME',
  })) {
    if (github[key] !== undefined) runnerEnv[name] = String(github[key]);
  }
  const evalEnv = (block: Record<string, unknown> | undefined, into: Record<string, string>) => {
    for (const [k, v] of Object.entries(block ?? {})) into[k] = interpolate(String(v), { ...contexts, env: { ...into } }, status);
  };
  const jobEnv: Record<string, string> = {};
  evalEnv(workflow.env, jobEnv);
  evalEnv(job.env, jobEnv);
  const fromGithubEnv: Record<string, string> = {};
  const runs: StepRun[] = [];

  for (const [index, step] of job.steps.entries()) {
    const name = stepName(step);
    const env: Record<string, string> = { ...jobEnv, ...fromGithubEnv };
    evalEnv(step.env, env);
    Object.assign(env, options.override ?? {});
    contexts.env = env;
    const record = (run: StepRun, outcome: string, outputs: Record<string, string> = {}) => {
      runs.push(run);
      const conclusion = outcome === 'failure' && step['continue-on-error'] ? 'success' : outcome;
      if (step.id) stepsContext[step.id] = { outcome, conclusion, outputs };
      if (conclusion === 'failure') status.failed = true;
      (contexts.job as Record<string, string>).status = status.failed ? 'failure' : 'success';
    };
    if (!condition(step.if, contexts, status)) {
      record({ name, outcome: 'skipped', reason: `if: ${String(step.if ?? 'success()')} is false` }, 'skipped');
      continue;
    }
    if (step.uses) {
      const action = step.uses.split('@')[0]!;
      const local = options.actions[action];
      if (!local) {
        record({ name, outcome: 'not played', reason: `${step.uses} has no local equivalent in this test` }, 'success');
        continue;
      }
      const inputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(String(v), contexts, status)]));
      try {
        const outputs = (await local(inputs, { workspace, env: { ...runnerEnv, ...env } })) ?? {};
        record({ name, outcome: 'success' }, 'success', outputs);
      } catch (err) {
        record({ name, outcome: 'failure', output: (err as Error).message }, 'failure');
      }
      continue;
    }
    const reason = options.skip?.(step);
    if (reason) {
      record({ name, outcome: 'not played', reason }, 'success');
      continue;
    }
    const outputFile = join(runnerTemp, `output-${index}`);
    const envFile = join(runnerTemp, `env-${index}`);
    writeFileSync(outputFile, '');
    writeFileSync(envFile, '');
    const script = join(runnerTemp, `step-${index}.sh`);
    writeFileSync(script, interpolate(step.run ?? '', contexts, status));
    const result = await execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: step['working-directory'] ? join(workspace, step['working-directory']) : workspace,
      env: { ...runnerEnv, ...env, GITHUB_OUTPUT: outputFile, GITHUB_ENV: envFile },
      extendEnv: false,
      reject: false,
      all: true,
      stdin: 'ignore',
    });
    Object.assign(fromGithubEnv, readCommandFile(envFile));
    const outcome = result.exitCode === 0 ? 'success' : 'failure';
    record({ name, outcome, output: String(result.all ?? ''), exitCode: result.exitCode ?? -1 }, outcome, readCommandFile(outputFile));
  }
  const outputs = Object.fromEntries(Object.entries(stepsContext).map(([id, s]) => [id, s.outputs]));
  return { steps: runs, result: status.failed ? 'failure' : 'success', stepSummary: readFileSync(summaryFile, 'utf8'), outputs };
}

// ---------------------------------------------------------------------------------------------
// Local equivalents of the actions the workflows use
// ---------------------------------------------------------------------------------------------

function copyInto(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true });
}

/**
 * actions/cache/restore and actions/cache/save over a folder: a key is saved once and never
 * overwritten; restore takes the exact key, else the newest entry whose key starts with one of
 * the restore-keys (GitHub's rule), and says whether it was an exact hit.
 */
export function folderCache(dir: string): Record<string, LocalAction> {
  mkdirSync(dir, { recursive: true });
  const entry = (key: string) => join(dir, encodeURIComponent(key));
  return {
    'actions/cache/restore': async (inputs, { workspace }) => {
      const key = inputs.key!;
      const prefixes = (inputs['restore-keys'] ?? '')
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean);
      let hit: string | undefined = existsSync(entry(key)) ? key : undefined;
      if (!hit) {
        const candidates = readdirSync(dir)
          .map((f) => decodeURIComponent(f))
          .filter((k) => prefixes.some((p) => k.startsWith(p)))
          .sort((a, b) => statSync(entry(b)).mtimeMs - statSync(entry(a)).mtimeMs);
        hit = candidates[0];
      }
      if (!hit) return { 'cache-hit': 'false' } as Record<string, string>;
      copyInto(join(entry(hit), 'content'), join(workspace, inputs.path!));
      return { 'cache-hit': String(hit === key), 'cache-matched-key': hit };
    },
    'actions/cache/save': async (inputs, { workspace }) => {
      if (existsSync(entry(inputs.key!))) return { saved: 'false' }; // GitHub: the key exists already, a warning, not a failure
      const from = join(workspace, inputs.path!);
      // GitHub: a path that does not exist is a warning ("Path Validation Error"), nothing is saved.
      if (!existsSync(from)) return { saved: 'false' };
      copyInto(from, join(entry(inputs.key!), 'content'));
      return { saved: 'true' };
    },
  };
}

/** actions/upload-artifact, actions/download-artifact and actions/upload-pages-artifact over a folder. */
export function folderArtifacts(dir: string): Record<string, LocalAction> {
  mkdirSync(dir, { recursive: true });
  return {
    'actions/upload-artifact': async (inputs, { workspace }) => {
      const paths = inputs
        .path!.split('\n')
        .map((p) => p.trim())
        .filter(Boolean);
      const target = join(dir, inputs.name ?? 'artifact');
      rmSync(target, { recursive: true, force: true });
      let found = 0;
      for (const p of paths) {
        const from = join(workspace, p);
        if (!existsSync(from)) continue;
        found++;
        // GitHub roots the artifact at the paths' common folder: one folder's content, one file by its name.
        const into = paths.length > 1 ? join(target, p) : statSync(from).isDirectory() ? target : join(target, basename(from));
        cpSync(from, into, { recursive: true });
      }
      if (found === 0 && inputs['if-no-files-found'] === 'error')
        throw new Error(`No files were found with the provided path: ${inputs.path}`);
    },
    'actions/download-artifact': async (inputs, { workspace }) => {
      const names = inputs.name
        ? [inputs.name]
        : readdirSync(dir).filter(
            (n) => !inputs.pattern || new RegExp(`^${inputs.pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(n),
          );
      if (inputs.name && !existsSync(join(dir, inputs.name))) throw new Error(`Artifact not found: ${inputs.name}`);
      const to = join(workspace, inputs.path ?? '.');
      for (const n of names) {
        const into = inputs.name || inputs['merge-multiple'] === 'true' ? to : join(to, n);
        mkdirSync(into, { recursive: true });
        cpSync(join(dir, n), into, { recursive: true });
      }
    },
    'actions/upload-pages-artifact': async (inputs, { workspace }) => {
      copyInto(join(workspace, inputs.path ?? '_site'), join(dir, 'github-pages'));
    },
  };
}

/** The runner's no-op for actions that prepare what this machine already has. */
export const alreadyHere: LocalAction = async () => {};
