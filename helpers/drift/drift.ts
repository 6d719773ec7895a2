/**
 * Tutorial drift: which `aws` and `npm` commands a tutorial document shows today, compared
 * with the commands the scenario documents for its steps.
 *
 * Extraction rules (`extractCommands`):
 * - A command is `aws codeartifact <operation> ...`, `aws sts <operation> ...`, `aws --version`,
 *   or `npm <npm command> ...` (`npm --version` and `-v` too). Case matters: "AWS CodeArtifact"
 *   and "npm CLI" in prose are not commands, and neither is `npm WARN ...` output.
 * - Inside a code fence (``` or ~~~) every line is code: a line (or a part of it after `&&`,
 *   `||`, `;` or `|`) that starts with a command is one, and so is a command inside `$(...)` or
 *   backticks (`export TOKEN=$(aws codeartifact get-authorization-token ...)`).
 * - Outside fences a line counts when it starts with a command, after indentation, list
 *   markers (`-`, `*`, `+`, `•`, `1.`), a prompt or a block quote (`$ `, `> `, `% `). This covers
 *   Markdown indented code and the command lines of a copy-pasted web page. A line that starts
 *   with inline code (`` `aws --version` prints ...``) counts with the code span's content only.
 * - Mid-sentence, a command counts only in an instruction: after "use", "using", "run",
 *   "running", "type", "enter", "execute", "call" or "invoke" (optionally "the"), as inline code
 *   or bare text ("To check the version, use the aws --version command." yields `aws --version`;
 *   "when the npm install command completes" yields nothing). Bare text ends at the word
 *   "command", at a small set of prose words ("to", "and", "in", ...), at closing punctuation or
 *   at the end of the line. Such a mention is dropped when the document also shows a command
 *   with the same command words on a line of its own: it names that command, it is no extra step.
 * - Shell line continuations (`\`, and Windows `^`, at the end of a line) are joined; prompts,
 *   trailing `# comments` and surrounding backticks are stripped; whitespace is collapsed.
 * - The same command twice in a row (same words after unquoting, e.g. the macOS and Windows
 *   variants of one step) is kept once; repeats further apart are separate steps.
 *
 * Comparison rules (`compareWithScenario`):
 * - Only the scenario steps whose commands are in the tutorial's text are compared (`stepSource`
 *   is 'tutorial'); harness-only prerequisite checks, the manual-configuration workaround and
 *   the clean-up come from elsewhere and are never reported as removed.
 * - Steps and found commands are aligned in order by their command words (`aws codeartifact
 *   create-repository`, `npm install`, `aws --version`), preferring pairs whose flags agree.
 *   An unpaired found command is 'added', an unpaired step 'removed', a pair whose flags or
 *   arguments differ 'changed'.
 * - Flags are compared as a set of name and value: quoting is ignored (`"public:npmjs"` is
 *   `public:npmjs`), `--flag=value` is `--flag value`, order does not matter. For `aws`, a
 *   flag's value is every word up to the next `--flag` (list parameters take several); for
 *   `npm`, flags are switches unless written `--flag=value` or known to take a value
 *   (`--registry`, `--tag`, ...). Positional arguments are compared in order.
 */
import type { Scenario, TutorialStep } from '../../scenarios/types.ts';

export interface DriftChange {
  kind: 'added' | 'removed' | 'changed';
  stepId?: string;
  documented?: string;
  found?: string;
  detail: string;
}

export interface DriftReport {
  document: string;
  scenario: string;
  changes: DriftChange[];
}

/**
 * Where a step's command is documented: 'tutorial' (in the tutorial's text, including the
 * "Before you begin" `aws --version`), 'prerequisite' (a check the harness adds for a
 * prerequisite the tutorial states only in prose: npm installed, an IAM user), 'workaround'
 * (the linked manual npm configuration page), 'cleanup' (the linked clean-up page).
 */
export type StepSource = 'tutorial' | 'workaround' | 'cleanup' | 'prerequisite';

/** The scenario steps whose commands are not in the tutorial's text, by step id. */
const NOT_IN_TUTORIAL_TEXT: Record<string, StepSource> = {
  'prerequisite-npm': 'prerequisite',
  'prerequisite-caller-identity': 'prerequisite',
  'manual-get-authorization-token': 'workaround',
  'manual-get-repository-endpoint': 'workaround',
  'manual-npm-config-registry': 'workaround',
  'manual-npm-config-token': 'workaround',
  'cleanup-delete-my-repo': 'cleanup',
  'cleanup-delete-npm-store': 'cleanup',
  'cleanup-delete-domain': 'cleanup',
};

/**
 * Where a step's command is documented. A `source` on the step itself wins; otherwise the list
 * above, then the id conventions (`cleanup-*`, `manual-*`). Any other step counts as tutorial
 * text, so a new harness-only step shows up as drift until it is classified here.
 */
export function stepSource(step: TutorialStep): StepSource {
  const own = (step as TutorialStep & { source?: StepSource }).source;
  if (own) return own;
  const known = NOT_IN_TUTORIAL_TEXT[step.id];
  if (known) return known;
  if (step.id.startsWith('cleanup-')) return 'cleanup';
  if (step.id.startsWith('manual-')) return 'workaround';
  return 'tutorial';
}

/** The steps of a scenario whose documented commands a tutorial document must show. */
export function tutorialTextSteps(scenario: Scenario): TutorialStep[] {
  return scenario.steps.filter((s) => stepSource(s) === 'tutorial');
}

// ---------------------------------------------------------------------------------------------
// Shell words
// ---------------------------------------------------------------------------------------------

/** Splits like a POSIX shell would, without expansion: quotes removed, backslash escapes kept literal. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * Cuts a code line at an unquoted trailing comment and splits it at unquoted `&&`, `||`, `;`
 * and `|` into the commands it runs.
 */
function splitCodeLine(line: string): string[] {
  const pieces: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') {
        current += c + (line[++i] ?? '');
        continue;
      }
      if (c === quote) quote = undefined;
      current += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      current += c;
    } else if (c === '\\') {
      current += c + (line[++i] ?? '');
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      break;
    } else if (c === ';' || c === '|' || (c === '&' && line[i + 1] === '&')) {
      if ((c === '|' || c === '&') && line[i + 1] === c) i++;
      pieces.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  pieces.push(current);
  return pieces.map((p) => p.trim()).filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------------------------

/** npm's commands and their aliases (npm 6-11): `npm <one of these>` is a command, `npm WARN` is not. */
const NPM_COMMANDS = [
  'access',
  'add',
  'adduser',
  'audit',
  'bugs',
  'c',
  'cache',
  'ci',
  'cit',
  'clean-install',
  'completion',
  'config',
  'create',
  'dedupe',
  'deprecate',
  'diff',
  'dist-tag',
  'docs',
  'doctor',
  'edit',
  'exec',
  'explain',
  'explore',
  'find-dupes',
  'fund',
  'get',
  'help',
  'help-search',
  'hook',
  'i',
  'info',
  'init',
  'install',
  'install-ci-test',
  'install-test',
  'isntall',
  'it',
  'link',
  'list',
  'll',
  'ln',
  'login',
  'logout',
  'ls',
  'org',
  'outdated',
  'owner',
  'pack',
  'ping',
  'pkg',
  'prefix',
  'profile',
  'prune',
  'publish',
  'query',
  'r',
  'rebuild',
  'remove',
  'repo',
  'restart',
  'rm',
  'root',
  'run',
  'run-script',
  'sbom',
  'search',
  'set',
  'shrinkwrap',
  'show',
  'star',
  'stars',
  'start',
  'stop',
  't',
  'team',
  'test',
  'token',
  'tst',
  'un',
  'uninstall',
  'unlink',
  'unpublish',
  'unstar',
  'up',
  'update',
  'upgrade',
  'v',
  'version',
  'view',
  'whoami',
  'x',
  '--version',
  '-v',
];
/** Words that follow `aws codeartifact` / `aws sts` in prose without being an operation. */
const NOT_OPERATIONS = new Set(['command', 'commands', 'cli', 'api', 'service', 'tool', 'and', 'or', 'to']);

const COMMAND_START = new RegExp(
  String.raw`^(?:aws\s+(?:codeartifact|sts)\s+([a-z][a-z0-9-]*)|aws\s+--version|npm\s+(?:` +
    NPM_COMMANDS.map((c) => c.replace(/[-]/g, '\\-')).join('|') +
    String.raw`))(?=\s|$)`,
);

function startsWithCommand(text: string): boolean {
  const m = COMMAND_START.exec(text);
  return !!m && !(m[1] && NOT_OPERATIONS.has(m[1]));
}

/** Leading indentation, list markers, block quotes and prompts. */
const LINE_LEAD = /^(?:\s+|[-*+•]\s+|\d+[.)]\s+|[$>%]\s*)*/;
const PROMPT = /^(?:[$>%]\s+)+/;
const VERBS = /\b(?:use|using|run|running|type|enter|execute|call|invoke)\s+(?:the\s+)?/gi;
const PROSE_STOP = new Set([
  'command',
  'commands',
  'to',
  'and',
  'or',
  'which',
  'that',
  'if',
  'when',
  'then',
  'so',
  'in',
  'on',
  'for',
  'with',
  'from',
  'as',
]);
const FENCE = /^\s*(`{3,}|~{3,})/;

function tidy(command: string): string {
  return command.replace(/\s+/g, ' ').trim();
}

/** Joins shell line continuations (`\` or ` ^` at the end of a line), never across a code fence. */
function logicalLines(text: string): string[] {
  const raw = text.replace(/\r\n?/g, '\n').split('\n');
  const lines: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i]!;
    while (/(?:\\|\s\^)\s*$/.test(line) && !FENCE.test(line) && i + 1 < raw.length && !FENCE.test(raw[i + 1]!)) {
      line = `${line.replace(/(?:\\|\^)\s*$/, '')} ${raw[++i]!.replace(PROMPT, '').replace(/^\s*(?:>\s+)?/, '')}`;
    }
    lines.push(line);
  }
  return lines;
}

interface Found {
  command: string;
  /** On a line of its own (or in code), not only named mid-sentence. */
  strong: boolean;
}

/** The commands a code line runs: those it starts with and those in `$(...)` or backticks. */
function commandsInCode(line: string): string[] {
  const out: string[] = [];
  for (const piece of splitCodeLine(line.replace(LINE_LEAD, ''))) {
    const bare = piece
      .replace(PROMPT, '')
      .replace(/^`([^`]*)`$/, '$1')
      .trim();
    if (startsWithCommand(bare)) {
      out.push(tidy(bare));
      continue;
    }
    for (const m of piece.matchAll(/\$\(\s*([^()]*)\)|`([^`]*)`/g)) {
      const inner = (m[1] ?? m[2] ?? '').trim();
      if (startsWithCommand(inner)) out.push(tidy(inner));
    }
  }
  return out;
}

/** Commands named in an instruction mid-sentence ("use the aws --version command"). */
function commandsInProse(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(VERBS)) {
    const rest = line.slice(m.index + m[0].length);
    const code = /^`([^`]+)`/.exec(rest);
    if (code) {
      const inner = code[1]!.replace(PROMPT, '').trim();
      if (startsWithCommand(inner)) out.push(tidy(inner));
      continue;
    }
    if (!startsWithCommand(rest)) continue;
    const words: string[] = [];
    for (const word of rest.split(/\s+/)) {
      if (!word) continue;
      const trimmed = word.replace(/[.,;:!?)]+$/, '');
      if (words.length >= 2 && PROSE_STOP.has(trimmed.toLowerCase())) break;
      if (trimmed) words.push(trimmed);
      if (trimmed !== word) break;
    }
    out.push(tidy(words.join(' ')));
  }
  return out;
}

/** The `aws codeartifact`, `aws sts`, `aws --version` and `npm` commands of a tutorial, in document order. */
export function extractCommands(text: string): string[] {
  const found: Found[] = [];
  let fence: string | undefined;
  for (const line of logicalLines(text)) {
    const marker = FENCE.exec(line)?.[1];
    if (marker) {
      if (!fence) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      continue;
    }
    if (fence) {
      for (const command of commandsInCode(line)) found.push({ command, strong: true });
      continue;
    }
    const lead = line.replace(LINE_LEAD, '');
    const span = /^`([^`]+)`/.exec(lead);
    if (span && startsWithCommand(span[1]!.replace(PROMPT, '').trim())) {
      found.push({ command: tidy(span[1]!.replace(PROMPT, '')), strong: true });
    } else if (startsWithCommand(lead)) {
      for (const command of commandsInCode(lead)) found.push({ command, strong: true });
    } else {
      for (const command of commandsInProse(line)) found.push({ command, strong: false });
    }
  }
  const strongKeys = new Set(found.filter((f) => f.strong).map((f) => parseCommand(f.command).key));
  const commands: string[] = [];
  let previous: string | undefined;
  for (const f of found) {
    if (!f.strong && strongKeys.has(parseCommand(f.command).key)) continue;
    const canonical = shellWords(f.command).join('\u0000');
    if (canonical === previous) continue;
    previous = canonical;
    commands.push(f.command);
  }
  return commands;
}

// ---------------------------------------------------------------------------------------------
// Parsing and comparison
// ---------------------------------------------------------------------------------------------

export interface ParsedCommand {
  /** The command words: `aws codeartifact create-domain`, `npm install`, `aws --version`. */
  key: string;
  /** Flag name (with its dashes) to value ('' for a switch). */
  flags: Map<string, string>;
  /** Positional arguments, in order. */
  args: string[];
}

/** npm flags that take the next word as their value. */
const NPM_VALUED_FLAGS = new Set([
  '--registry',
  '--tag',
  '--prefix',
  '--userconfig',
  '--globalconfig',
  '--cache',
  '--loglevel',
  '--scope',
  '--otp',
  '--workspace',
  '-w',
  '--auth-type',
  '--access',
  '--omit',
  '--include',
  '--location',
]);
/** npm commands whose first argument is part of the command (`npm config set`). */
const NPM_SUBCOMMANDS = new Set(['config', 'c', 'dist-tag', 'cache', 'pkg', 'token']);

export function parseCommand(command: string): ParsedCommand {
  const words = shellWords(command);
  const tool = words[0] ?? '';
  let keyLength = 1;
  if (tool === 'aws' && words[1] && !words[1].startsWith('-')) keyLength = 3;
  else if (tool === 'aws' && words[1] === '--version') keyLength = 2;
  else if (tool === 'npm' && words[1]) keyLength = NPM_SUBCOMMANDS.has(words[1]) && words[2] && !words[2].startsWith('-') ? 3 : 2;
  const keyWords = words.slice(0, keyLength);
  if (tool === 'npm' && keyWords[1] === '-v') keyWords[1] = '--version';
  const flags = new Map<string, string>();
  const args: string[] = [];
  const rest = words.slice(keyLength);
  const setFlag = (name: string, value: string) => flags.set(name, flags.has(name) ? `${flags.get(name)} ${value}`.trim() : value);
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (!word.startsWith('-') || word === '-') {
      args.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    if (eq > 0) {
      setFlag(word.slice(0, eq), word.slice(eq + 1));
    } else if (tool === 'aws') {
      const values: string[] = [];
      while (i + 1 < rest.length && !rest[i + 1]!.startsWith('--')) values.push(rest[++i]!);
      setFlag(word, values.join(' '));
    } else if (NPM_VALUED_FLAGS.has(word) && i + 1 < rest.length && !rest[i + 1]!.startsWith('-')) {
      setFlag(word, rest[++i]!);
    } else {
      setFlag(word, '');
    }
  }
  return { key: keyWords.join(' '), flags, args };
}

function show(value: string): string {
  if (value === '') return '(no value)';
  return /\s/.test(value) ? JSON.stringify(value) : value;
}

/** What differs between the documented command and the found one, flag by flag; empty when they agree. */
export function compareCommands(documented: string, found: string): string[] {
  const a = parseCommand(documented);
  const b = parseCommand(found);
  const differences: string[] = [];
  const removed = [...a.flags.keys()].filter((f) => !b.flags.has(f));
  const added = [...b.flags.keys()].filter((f) => !a.flags.has(f));
  for (const name of a.flags.keys()) {
    if (b.flags.has(name) && a.flags.get(name) !== b.flags.get(name)) {
      differences.push(`${name} changed from ${show(a.flags.get(name)!)} to ${show(b.flags.get(name)!)}`);
    }
  }
  for (const name of removed) {
    const value = a.flags.get(name)!;
    const renamed = value !== '' ? added.find((n) => b.flags.get(n) === value) : undefined;
    if (renamed) {
      added.splice(added.indexOf(renamed), 1);
      differences.push(`${name} renamed to ${renamed} (value ${show(value)})`);
    } else {
      differences.push(`${name} removed`);
    }
  }
  for (const name of added) {
    const value = b.flags.get(name)!;
    differences.push(value === '' ? `${name} added` : `${name} added (${show(value)})`);
  }
  for (let i = 0; i < Math.max(a.args.length, b.args.length); i++) {
    const x = a.args[i];
    const y = b.args[i];
    if (x === y) continue;
    if (x === undefined) differences.push(`argument ${show(y!)} added`);
    else if (y === undefined) differences.push(`argument ${show(x)} removed`);
    else differences.push(`argument ${i + 1} changed from ${show(x)} to ${show(y)}`);
  }
  return differences;
}

/** 0..1: how much of two same-key commands agrees (flags with equal values, equal arguments). */
function similarity(a: ParsedCommand, b: ParsedCommand): number {
  const names = new Set([...a.flags.keys(), ...b.flags.keys()]);
  const total = names.size + Math.max(a.args.length, b.args.length);
  if (total === 0) return 1;
  let same = 0;
  for (const n of names) if (a.flags.has(n) && a.flags.get(n) === b.flags.get(n)) same++;
  a.args.forEach((x, i) => {
    if (b.args[i] === x) same++;
  });
  return same / total;
}

/**
 * Compares the commands found in a document with the scenario's tutorial-text steps, in order.
 * `document` names the document in the report.
 */
export function compareWithScenario(found: string[], scenario: Scenario, document = '(text)'): DriftReport {
  const steps = tutorialTextSteps(scenario);
  const expected = steps.map((s) => parseCommand(s.documented));
  const actual = found.map(parseCommand);
  const n = steps.length;
  const m = found.length;

  // Order-preserving alignment: every pair of equal command words scores 1000 (so the most
  // pairs win), plus up to 999 for how well its flags agree (so the right one of two
  // create-repository steps is paired).
  const pairScore = (i: number, j: number): number =>
    expected[i]!.key === actual[j]!.key ? 1000 + Math.round(999 * similarity(expected[i]!, actual[j]!)) : -1;
  const best: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const pair = pairScore(i, j);
      best[i]![j] = Math.max(best[i + 1]![j]!, best[i]![j + 1]!, pair >= 0 ? pair + best[i + 1]![j + 1]! : -1);
    }
  }

  type Entry = { kind: 'pair'; i: number; j: number } | { kind: 'removed'; i: number } | { kind: 'added'; j: number };
  const path: Entry[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m) {
      const pair = pairScore(i, j);
      if (pair >= 0 && best[i]![j] === pair + best[i + 1]![j + 1]!) {
        path.push({ kind: 'pair', i: i++, j: j++ });
      } else if (best[i]![j] === best[i + 1]![j]) {
        path.push({ kind: 'removed', i: i++ });
      } else {
        path.push({ kind: 'added', j: j++ });
      }
    } else if (i < n) {
      path.push({ kind: 'removed', i: i++ });
    } else {
      path.push({ kind: 'added', j: j++ });
    }
  }

  const canonical = (c: string) => shellWords(c).join('\u0000');
  const removedCanon = new Set(path.flatMap((e) => (e.kind === 'removed' ? [canonical(steps[e.i]!.documented)] : [])));
  const addedCanon = new Set(path.flatMap((e) => (e.kind === 'added' ? [canonical(found[e.j]!)] : [])));
  const otherSteps = scenario.steps.filter((s) => stepSource(s) !== 'tutorial');

  const changes: DriftChange[] = [];
  let lastStep: string | undefined;
  for (const e of path) {
    if (e.kind === 'pair') {
      const step = steps[e.i]!;
      lastStep = step.id;
      const differences = compareCommands(step.documented, found[e.j]!);
      if (differences.length > 0) {
        changes.push({ kind: 'changed', stepId: step.id, documented: step.documented, found: found[e.j]!, detail: differences.join('; ') });
      }
    } else if (e.kind === 'removed') {
      const step = steps[e.i]!;
      const moved = addedCanon.has(canonical(step.documented));
      changes.push({
        kind: 'removed',
        stepId: step.id,
        documented: step.documented,
        detail: moved
          ? `step ${step.id} is out of order: the document has its command in another place (the 'added' entry with the same command)`
          : `step ${step.id} is no longer in the document`,
      });
    } else {
      const command = found[e.j]!;
      const where = lastStep ? `after step ${lastStep}` : 'before the first step';
      const elsewhere = otherSteps.find((s) => parseCommand(s.documented).key === parseCommand(command).key);
      let detail = `the document has a command ${where} that the scenario has no step for`;
      if (removedCanon.has(canonical(command))) detail = `the document has a scenario step's command ${where}, out of the scenario's order`;
      else if (elsewhere)
        detail += ` (step ${elsewhere.id} runs ${parseCommand(command).key}, but as ${stepSource(elsewhere)}, not as tutorial text)`;
      changes.push({ kind: 'added', found: command, detail });
    }
  }
  return { document, scenario: scenario.id, changes };
}
