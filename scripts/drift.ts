/**
 * `npm run drift -- <tutorial file>`
 * Reads the tutorial saved as plain text or Markdown, extracts its aws and npm commands and
 * compares them with the tutorial scenario's documented commands (rules: helpers/drift/drift.ts).
 * Prints the differences, writes <reports dir>/drift.json (CONFORMANCE_REPORTS_DIR or
 * `reports`). Exit 0: no drift; 1: drift; 2: the document could not be read or no file given.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compareWithScenario, extractCommands, stepSource } from '../helpers/drift/drift.ts';
import { tutorialScenario } from '../scenarios/tutorial.ts';

const USAGE = 'usage: npm run drift -- <tutorial file>   (the tutorial page saved as .txt or .md)';

function fail(message: string): never {
  process.stderr.write(`drift: ${message}\n`);
  process.exit(2);
}

let positionals: string[];
let help = false;
try {
  const parsed = parseArgs({ allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  positionals = parsed.positionals;
  help = parsed.values.help === true;
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`);
}
if (help) {
  process.stdout.write(`${USAGE}\nExit 0: no drift, 1: drift, 2: the document could not be read.\n`);
  process.exit(0);
}
if (positionals.length === 0) {
  fail(`no tutorial file given.\nFix: save the tutorial page as text or Markdown and pass its path.\n${USAGE}`);
}
if (positionals.length > 1) {
  fail(`one tutorial file at a time, got ${positionals.length}: ${positionals.join(', ')}.\n${USAGE}`);
}

// `npm run` starts scripts in the package folder: a relative path means the caller's folder.
const base = process.env.npm_lifecycle_event === 'drift' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
const given = positionals[0]!;
const path = isAbsolute(given) ? given : resolve(base, given);

let text: string;
try {
  text = readFileSync(path, 'utf8');
} catch (err) {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT' ? `there is no file ${path}.\nFix: check the path (a relative path is taken from ${base}).`
    : code === 'EISDIR' ? `${path} is a folder.\nFix: pass the tutorial file inside it, not the folder.`
    : code === 'EACCES' || code === 'EPERM' ? `${path} is not readable (permission denied).\nFix: make it readable (chmod u+r) or copy it somewhere you can read.`
    : `cannot read ${path}: ${(err as Error).message}.\nFix: pass a readable text or Markdown file.`;
  fail(`${why}\n${USAGE}`);
}

const found = extractCommands(text);
const report = compareWithScenario(found, tutorialScenario, given);
const compared = tutorialScenario.steps.filter((s) => stepSource(s) === 'tutorial');
const notCompared = tutorialScenario.steps.filter((s) => stepSource(s) !== 'tutorial');

const out: string[] = [`Drift of ${given} against scenario '${tutorialScenario.id}' (${compared.length} steps in the tutorial's text)`];
if (found.length === 0) out.push(`The document has no aws codeartifact, aws sts, aws --version or npm command: is it the tutorial?`);
if (report.changes.length === 0) {
  out.push(`No drift: the document's ${found.length} commands match the scenario's steps`);
} else {
  out.push(`${report.changes.length} change${report.changes.length === 1 ? '' : 's'}:`);
  for (const c of report.changes) {
    if (c.kind === 'added') out.push(`  added    ${c.found}\n           ${c.detail}`);
    else if (c.kind === 'removed') out.push(`  removed  ${c.stepId}: ${c.documented}\n           ${c.detail}`);
    else out.push(`  changed  ${c.stepId}: ${c.detail}\n           scenario: ${c.documented}\n           document: ${c.found}`);
  }
}
out.push(`Not compared (not in the tutorial's text): ${notCompared.map((s) => `${s.id} (${stepSource(s)})`).join(', ')}`);

const reportsDir = process.env.CONFORMANCE_REPORTS_DIR || 'reports';
const reportFile = join(reportsDir, 'drift.json');
try {
  mkdirSync(reportsDir, { recursive: true });
  writeFileSync(reportFile, `${JSON.stringify({ ...report, found }, null, 2)}\n`);
} catch (err) {
  process.stdout.write(`${out.join('\n')}\n`);
  fail(`cannot write ${reportFile}: ${(err as Error).message}.\nFix: set CONFORMANCE_REPORTS_DIR to a writable folder.`);
}
out.push(`Report: ${reportFile}`);
process.stdout.write(`${out.join('\n')}\n`);
process.exit(report.changes.length === 0 ? 0 : 1);
