/**
 * `npm run drift -- <tutorial file or URL>`
 * Reads the tutorial as AWS publishes it (an HTML page, from a file or fetched from its URL) or
 * saved as plain text or Markdown, extracts its aws and npm commands and compares them with the
 * tutorial scenario's documented commands (rules: helpers/drift/drift.ts; HTML:
 * helpers/drift/html.ts). Prints the differences, writes <reports dir>/drift.json and drift.md
 * (CONFORMANCE_REPORTS_DIR or `reports`; drift.md is for an issue or a step summary).
 * Exit 0: no drift; 1: drift; 2: the document could not be read or fetched, or none given.
 */
import { DURATION_HINT, parseDuration } from '../helpers/run/durations.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compareWithScenario, extractCommands, stepSource, type DriftReport } from '../helpers/drift/drift.ts';
import { htmlToTutorialText, isHtmlDocument } from '../helpers/drift/html.ts';
import { tutorialScenario } from '../scenarios/tutorial.ts';

const USAGE =
  'usage: npm run drift -- <tutorial file or URL>   (the published page as .html or its https URL, or the tutorial saved as .txt or .md)';
/** How long the published page may take to arrive. */
const FETCH_TIMEOUT_MS = (() => {
  const raw = process.env.CONFORMANCE_DRIFT_FETCH_TIMEOUT_MS;
  if (raw === undefined || raw.trim() === '') return 30_000;
  const ms = parseDuration(raw);
  if (ms === undefined)
    fail(`CONFORMANCE_DRIFT_FETCH_TIMEOUT_MS=${JSON.stringify(raw)} must be ${DURATION_HINT}; set it so, or unset it for 30 s.`);
  return ms;
})();

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
  fail(
    `no tutorial file given.\nFix: pass the published page's URL, or save the page (HTML, text or Markdown) and pass its path.\n${USAGE}`,
  );
}
if (positionals.length > 1) {
  fail(`one tutorial file at a time, got ${positionals.length}: ${positionals.join(', ')}.\n${USAGE}`);
}

const given = positionals[0]!;

/** The document's text and what kind it is; a problem ends the run with exit 2 and the fix. */
async function readDocument(): Promise<{ text: string; html: boolean }> {
  if (/^https?:\/\//i.test(given)) return fetchDocument(given);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given))
    fail(`${given}: only http and https URLs can be fetched.\nFix: pass an https URL or a saved file.\n${USAGE}`);
  // `npm run` starts scripts in the package folder: a relative path means the caller's folder.
  const base = process.env.npm_lifecycle_event === 'drift' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
  const path = isAbsolute(given) ? given : resolve(base, given);
  try {
    const text = readFileSync(path, 'utf8');
    return { text, html: isHtmlDocument(text, { path }) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `there is no file ${path}.\nFix: check the path (a relative path is taken from ${base}).`
        : code === 'EISDIR'
          ? `${path} is a folder.\nFix: pass the tutorial file inside it, not the folder.`
          : code === 'EACCES' || code === 'EPERM'
            ? `${path} is not readable (permission denied).\nFix: make it readable (chmod u+r) or copy it somewhere you can read.`
            : `cannot read ${path}: ${(err as Error).message}.\nFix: pass a readable HTML, text or Markdown file.`;
    fail(`${why}\n${USAGE}`);
  }
}

async function fetchDocument(url: string): Promise<{ text: string; html: boolean }> {
  let response: Response;
  try {
    response = await fetch(url, {
      redirect: 'follow',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      headers: { accept: 'text/html, text/plain;q=0.8' },
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${FETCH_TIMEOUT_MS / 1000} s` : e.cause?.code ? `${e.cause.code}` : e.message;
    fail(
      `could not fetch ${url}: ${why}.\nFix: check that this machine can reach the page (proxy, firewall), or save the page and pass the file.\n${USAGE}`,
    );
  }
  if (!response.ok) {
    fail(
      `${url} answered HTTP ${response.status} ${response.statusText}.\nFix: check the URL; a moved page needs the new address.\n${USAGE}`,
    );
  }
  const text = await response.text();
  return {
    text,
    html: isHtmlDocument(text, {
      path: new URL(response.url || url).pathname,
      contentType: response.headers.get('content-type') ?? undefined,
    }),
  };
}

const document = await readDocument();
const text = document.html ? htmlToTutorialText(document.text) : document.text;
const found = extractCommands(text);
const report = compareWithScenario(found, tutorialScenario, given);
const compared = tutorialScenario.steps.filter((s) => stepSource(s) === 'tutorial');
const notCompared = tutorialScenario.steps.filter((s) => stepSource(s) !== 'tutorial');

const out: string[] = [
  `Drift of ${given}${document.html ? ' (HTML)' : ''} against scenario '${tutorialScenario.id}' (${compared.length} steps in the tutorial's text)`,
];
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
  writeFileSync(reportFile, `${JSON.stringify({ ...report, format: document.html ? 'html' : 'text', found }, null, 2)}\n`);
  writeFileSync(join(reportsDir, 'drift.md'), driftMarkdown(report, found.length));
} catch (err) {
  process.stdout.write(`${out.join('\n')}\n`);
  fail(`cannot write ${reportFile}: ${(err as Error).message}.\nFix: set CONFORMANCE_REPORTS_DIR to a writable folder.`);
}
out.push(`Report: ${reportFile}`);
process.stdout.write(`${out.join('\n')}\n`);
process.exit(report.changes.length === 0 ? 0 : 1);

/** The differences as Markdown, for the issue a nightly opens and for the step summary. */
function driftMarkdown(r: DriftReport, commands: number): string {
  const code = (c: string | undefined) => (c ? `\`${c.replace(/`/g, "'")}\`` : '');
  const lines = [
    `## Tutorial drift: ${r.changes.length === 0 ? 'none' : `${r.changes.length} change${r.changes.length === 1 ? '' : 's'}`}`,
    '',
    `Document: ${r.document} · scenario \`${r.scenario}\``,
    '',
  ];
  if (r.changes.length === 0) lines.push(`The document's ${commands} commands match the scenario's steps.`);
  else {
    lines.push('| change | step | scenario | document | detail |', '|---|---|---|---|---|');
    for (const c of r.changes)
      lines.push(`| ${c.kind} | ${c.stepId ?? ''} | ${code(c.documented)} | ${code(c.found)} | ${c.detail.replace(/\|/g, '\\|')} |`);
  }
  return `${lines.join('\n')}\n`;
}
