/**
 * Tutorial drift detection: commands are read from Markdown, copy-pasted plain text and the HTML
 * page as AWS publishes it (from a file or a URL), and compared with the tutorial scenario's
 * documented steps; `npm run drift` reports and exits 0 (no drift), 1 (drift) or 2 (no readable
 * document). The documents here are written for the tests (fixtures/getting-started-cli.html
 * has the shape of an AWS user guide page); only the tutorial's commands are reused.
 */
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { compareWithScenario, extractCommands, parseCommand, tutorialTextSteps, type DriftReport } from '../../helpers/drift/drift.ts';
import { htmlToTutorialText, isHtmlDocument } from '../../helpers/drift/html.ts';
import { manualConfigurationScenario, tutorialScenario } from '../../scenarios/tutorial.ts';
import { expect, test } from './fixtures.ts';
import { ROOT } from './nested-run.ts';

const steps = tutorialTextSteps(tutorialScenario);
const documented = (id: string): string => {
  const step = tutorialScenario.steps.find((s) => s.id === id);
  if (!step) throw new Error(`no step ${id}`);
  return step.documented;
};
/** The tutorial's commands, in order (facts, not prose). */
const COMMANDS = steps.map((s) => s.documented);

/** A small Markdown document: one numbered item and one fenced block per command. */
function markdown(commands: string[]): string {
  const body = commands.map((c, i) => `${i + 1}. Step ${i + 1} of the walkthrough.\n\n   \`\`\`sh\n   ${c}\n   \`\`\`\n`).join('\n');
  return `# Walkthrough\n\nA few words before the commands.\n\n${body}\nThat is all.\n`;
}

function replaceCommand(id: string, replacement: string | undefined): string[] {
  return COMMANDS.flatMap((c) => (c === documented(id) ? (replacement === undefined ? [] : [replacement]) : [c]));
}

test.describe('extractCommands', () => {
  test('reads fenced code blocks of a Markdown document in order', () => {
    expect(extractCommands(markdown(COMMANDS))).toEqual(COMMANDS);
  });

  test('reads a copy-pasted web page: commands on their own indented lines between prose', () => {
    const page = [
      'Walkthrough for the package service',
      '',
      '  • A domain to hold repositories.',
      'The service (AWS CodeArtifact) needs a recent CLI. To check the version, use the aws --version command.',
      '',
      'Set things up:',
      '',
      '  1. Create the domain.',
      '',
      '     aws codeartifact create-domain --domain my-domain',
      '',
      '  2. Install something. When the npm install command finishes, the package is cached.',
      '',
      '     npm install --save-dev lodash',
      '  3. Then list it.',
      '',
      '     aws codeartifact list-packages --domain my-domain --repository my-repo',
      '',
      'Use the npm CLI for the rest, and run the list-packages command again later.',
    ].join('\n');
    expect(extractCommands(page)).toEqual([
      'aws --version',
      'aws codeartifact create-domain --domain my-domain',
      'npm install --save-dev lodash',
      'aws codeartifact list-packages --domain my-domain --repository my-repo',
    ]);
  });

  test('joins line continuations and strips prompts, comments and backticks', () => {
    const doc = [
      'Run these:',
      '',
      '```console',
      '$ aws codeartifact update-repository --repository my-repo \\',
      '    --domain my-domain --domain-owner 326213389784 \\',
      '    --upstreams repositoryName=npm-store   # the upstream',
      '{',
      '    "repository": { "name": "my-repo" }',
      '}',
      '$ aws --version && npm --version',
      'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64',
      'npm WARN config something',
      '> npm install --save-dev lodash',
      'export TOKEN=$(aws codeartifact get-authorization-token --domain my-domain --query authorizationToken --output text)',
      '```',
      '',
      '`aws sts get-caller-identity` prints who you are.',
      '',
      '    $ aws codeartifact list-packages \\',
      '        --domain my-domain --repository my-repo',
    ].join('\n');
    expect(extractCommands(doc)).toEqual([
      'aws codeartifact update-repository --repository my-repo --domain my-domain --domain-owner 326213389784 --upstreams repositoryName=npm-store',
      'aws --version',
      'npm --version',
      'npm install --save-dev lodash',
      'aws codeartifact get-authorization-token --domain my-domain --query authorizationToken --output text',
      'aws sts get-caller-identity',
      'aws codeartifact list-packages --domain my-domain --repository my-repo',
    ]);
  });

  test('keeps a command listed twice in a row once, and repeats further apart twice', () => {
    const doc = [
      'macOS and Linux:',
      '```',
      'aws codeartifact login --tool npm \\',
      '  --repository my-repo --domain my-domain',
      '```',
      'Windows:',
      '```',
      'aws codeartifact login --tool npm ^',
      '  --repository "my-repo" --domain my-domain',
      '```',
      '```',
      'npm install --save-dev lodash',
      'aws codeartifact login --tool npm --repository my-repo --domain my-domain',
      '```',
    ].join('\n');
    expect(extractCommands(doc)).toEqual([
      'aws codeartifact login --tool npm --repository my-repo --domain my-domain',
      'npm install --save-dev lodash',
      'aws codeartifact login --tool npm --repository my-repo --domain my-domain',
    ]);
  });

  test('a mid-sentence instruction counts only when the document does not show that command on its own line', () => {
    const doc = [
      'Use the `aws codeartifact login` command to point npm at the repository:',
      '',
      '    aws codeartifact login --tool npm --repository my-repo --domain my-domain',
      '',
      'Then run `npm install --save-dev lodash` in the project. Avoid `npm ci` here.',
      'Type aws sts get-caller-identity to see the account.',
    ].join('\n');
    expect(extractCommands(doc)).toEqual([
      'aws codeartifact login --tool npm --repository my-repo --domain my-domain',
      'npm install --save-dev lodash',
      'aws sts get-caller-identity',
    ]);
  });
});

test.describe('compareWithScenario', () => {
  test('only the steps in the tutorial text are compared: not the harness checks, workaround or clean-up', () => {
    expect(steps.map((s) => s.id)).toEqual([
      'prerequisite-aws-cli-version',
      'create-domain',
      'create-repository-my-repo',
      'create-repository-npm-store',
      'associate-external-connection',
      'update-repository-upstreams',
      'login',
      'npm-install',
      'list-packages',
    ]);
    expect(tutorialTextSteps(manualConfigurationScenario).map((s) => s.id)).not.toContain('manual-get-authorization-token');
  });

  test('the documented commands match: no drift', () => {
    const report = compareWithScenario(extractCommands(markdown(COMMANDS)), tutorialScenario, 'walkthrough.md');
    expect(report).toEqual({ document: 'walkthrough.md', scenario: 'tutorial', changes: [] });
  });

  test('quoting, --flag=value and flag order are not drift', () => {
    const found = replaceCommand(
      'associate-external-connection',
      'aws codeartifact associate-external-connection --external-connection=\'public:npmjs\' --repository npm-store --domain-owner=326213389784 --domain "my-domain"',
    );
    expect(parseCommand(found[4]!).flags.get('--external-connection')).toBe('public:npmjs');
    expect(compareWithScenario(found, tutorialScenario).changes).toEqual([]);
  });

  test('an added step is reported where the document has it', () => {
    const found = [...COMMANDS];
    found.splice(2, 0, 'aws codeartifact describe-domain --domain my-domain');
    const { changes } = compareWithScenario(extractCommands(markdown(found)), tutorialScenario);
    expect(changes).toEqual([
      {
        kind: 'added',
        found: 'aws codeartifact describe-domain --domain my-domain',
        detail: 'the document has a command after step create-domain that the scenario has no step for',
      },
    ]);
  });

  test('a removed step is reported by its id', () => {
    const { changes } = compareWithScenario(
      extractCommands(markdown(replaceCommand('update-repository-upstreams', undefined))),
      tutorialScenario,
    );
    expect(changes).toEqual([
      {
        kind: 'removed',
        stepId: 'update-repository-upstreams',
        documented: documented('update-repository-upstreams'),
        detail: 'step update-repository-upstreams is no longer in the document',
      },
    ]);
  });

  test('a changed value, a renamed flag and a removed flag are reported flag by flag', () => {
    const found = replaceCommand(
      'associate-external-connection',
      documented('associate-external-connection').replace('"public:npmjs"', '"public:pypi"'),
    )
      .map((c) => (c === documented('update-repository-upstreams') ? c.replace('--upstreams', '--upstream') : c))
      .map((c) => (c === documented('create-repository-my-repo') ? c.replace(' --domain-owner 326213389784', '') : c));
    const { changes } = compareWithScenario(extractCommands(markdown(found)), tutorialScenario);
    expect(changes.map((c) => [c.kind, c.stepId, c.detail])).toEqual([
      ['changed', 'create-repository-my-repo', '--domain-owner removed'],
      ['changed', 'associate-external-connection', '--external-connection changed from public:npmjs to public:pypi'],
      ['changed', 'update-repository-upstreams', '--upstreams renamed to --upstream (value repositoryName=npm-store)'],
    ]);
    expect(changes[1]!.found).toContain('"public:pypi"');
    expect(changes[1]!.documented).toBe(documented('associate-external-connection'));
  });

  test('flags added to a step, a changed argument and a changed value are each named', () => {
    const found = replaceCommand('npm-install', 'npm install --save-dev lodash@4 --registry https://example.invalid/').map((c) =>
      c === documented('login') ? `${c.replace('my-repo', 'your-repo')} --dry-run` : c,
    );
    const { changes } = compareWithScenario(found, tutorialScenario);
    expect(changes.map((c) => [c.stepId, c.detail])).toEqual([
      ['login', '--repository changed from my-repo to your-repo; --dry-run added'],
      ['npm-install', '--registry added (https://example.invalid/); argument 1 changed from lodash to lodash@4'],
    ]);
  });

  test('the right one of two same-word steps is matched', () => {
    const { changes } = compareWithScenario(replaceCommand('create-repository-my-repo', undefined), tutorialScenario);
    expect(changes.map((c) => [c.kind, c.stepId])).toEqual([['removed', 'create-repository-my-repo']]);
  });

  test('commands the harness has from elsewhere are hinted at when the document adds them; a reorder is an add and a remove', () => {
    const cleanupCommand = documented('cleanup-delete-domain');
    const reordered = [...COMMANDS];
    [reordered[4], reordered[5]] = [reordered[5]!, reordered[4]!];
    const { changes } = compareWithScenario([...reordered, cleanupCommand], tutorialScenario);
    expect(changes.map((c) => [c.kind, c.stepId ?? c.found])).toEqual([
      ['removed', 'associate-external-connection'],
      ['added', documented('associate-external-connection')],
      ['added', cleanupCommand],
    ]);
    expect(changes[0]!.detail).toContain('is out of order: the document has its command in another place');
    expect(changes[1]!.detail).toBe(
      "the document has a scenario step's command after step update-repository-upstreams, out of the scenario's order",
    );
    expect(changes[2]!.detail).toContain('step cleanup-delete-domain runs aws codeartifact delete-domain, but as cleanup');
  });

  test('a document without commands removes every compared step and nothing else', () => {
    const { changes } = compareWithScenario(extractCommands('Just prose about AWS CodeArtifact and npm.\n'), tutorialScenario);
    expect(changes.map((c) => c.stepId)).toEqual(steps.map((s) => s.id));
    expect(changes.every((c) => c.kind === 'removed')).toBe(true);
  });
});

test.describe('npm run drift', () => {
  let dir: string;
  test.beforeEach(({ scratch }) => {
    dir = scratch.dir('cc-drift-');
  });

  // The script npm run drift runs, without npm and tsx's launcher in between.
  const drift = (args: string[]) =>
    execa(process.execPath, ['--import', 'tsx', 'scripts/drift.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, CONFORMANCE_REPORTS_DIR: join(dir, 'reports') },
      reject: false,
    });
  const readReport = () => JSON.parse(readFileSync(join(dir, 'reports', 'drift.json'), 'utf8')) as DriftReport & { found: string[] };

  test('exit 0 and "No drift" when the document matches; drift.json lists the commands', async () => {
    const file = join(dir, 'walkthrough.md');
    writeFileSync(file, markdown(COMMANDS));
    const run = await drift([file]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain(`No drift: the document's ${COMMANDS.length} commands match the scenario's steps`);
    const report = readReport();
    expect(report).toMatchObject({ document: file, scenario: 'tutorial', changes: [] });
    expect(report.found).toEqual(COMMANDS);
  });

  test('exit 1 and one line per change when the document drifted', async () => {
    const file = join(dir, 'page.txt');
    const changed = replaceCommand(
      'associate-external-connection',
      documented('associate-external-connection').replace('public:npmjs', 'public:pypi'),
    ).filter((c) => c !== documented('update-repository-upstreams'));
    writeFileSync(file, `Walkthrough\n\n${changed.map((c) => `  Do the next thing.\n\n     ${c}\n`).join('\n')}`);
    const run = await drift([file]);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stdout).toContain('2 changes:');
    expect(run.stdout).toMatch(/changed {2}associate-external-connection: --external-connection changed from public:npmjs to public:pypi/);
    expect(run.stdout).toMatch(/removed {2}update-repository-upstreams: aws codeartifact update-repository/);
    expect(readReport().changes.map((c) => [c.kind, c.stepId])).toEqual([
      ['changed', 'associate-external-connection'],
      ['removed', 'update-repository-upstreams'],
    ]);
  });

  test('exit 2 with the problem and the fix: no argument, a missing file, a folder', async () => {
    const none = await drift([]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('no tutorial file given');
    expect(none.stderr).toContain('usage: npm run drift -- <tutorial file or URL>');

    const missing = await drift([join(dir, 'nope.md')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(`there is no file ${join(dir, 'nope.md')}`);
    expect(missing.stderr).toContain('Fix: check the path');

    const folder = await drift([dir]);
    expect(folder.exitCode).toBe(2);
    expect(folder.stderr).toContain('is a folder');
  });
});

/** The tutorial as an HTML page in the structure of AWS's user guide. */
const PAGE = readFileSync(join(ROOT, 'tests', 'harness', 'fixtures', 'getting-started-cli.html'), 'utf8');

/** The page with one `<li>` of the procedure (the one showing `command`) taken out. */
function withoutStep(html: string, command: string): string {
  const at = html.indexOf(command);
  const start = html.lastIndexOf('<li>', at);
  const end = html.indexOf('</li>', at) + '</li>'.length;
  expect(start > 0 && at > start && end > at, `the page has a step showing ${command}`).toBe(true);
  return html.slice(0, start) + html.slice(end);
}

/** The page with a step added after the one showing `after`. */
function withStepAfter(html: string, after: string, command: string): string {
  const end = html.indexOf('</li>', html.indexOf(after)) + '</li>'.length;
  const step = `\n<li><p>Look at the repository once more.</p><pre class="programlisting"><div class="code-btn-container"></div><code class="nohighlight">${command}</code></pre></li>`;
  return html.slice(0, end) + step + html.slice(end);
}

function replaced(html: string, from: string, to: string): string {
  expect(html, `the page has ${from}`).toContain(from);
  return html.replace(from, to);
}

test.describe('the tutorial as an HTML page', () => {
  test('the article reads as the tutorial: every step with its command in order, entities decoded', () => {
    const text = htmlToTutorialText(PAGE);
    expect(extractCommands(text)).toEqual(COMMANDS);
    expect(compareWithScenario(extractCommands(text), tutorialScenario).changes).toEqual([]);
    // numbered steps and fenced code blocks
    expect(text).toMatch(/^1\. Create the domain with `create-domain`/m);
    expect(text).toMatch(/^8\. See that the package is now in `my-repo`/m);
    expect(text).toContain('--external-connection "public:npmjs"');
  });

  test("chrome around the article is left out: scripts, navigation, the page's footer, copy buttons", () => {
    const text = htmlToTutorialText(PAGE);
    for (const outside of [
      'something-else',
      'list-domains',
      'delete-domain',
      'Did this page help',
      'Docs home',
      'PDF',
      'pre.programlisting',
    ]) {
      expect(text, `${outside} is not the tutorial's`).not.toContain(outside);
    }
    expect(extractCommands(text)).not.toContain('npm install');
  });

  test('a page without main-col-body is read from <main>, then <body>', () => {
    const main = `<!doctype html><html><body><nav><pre>aws codeartifact delete-domain --domain my-domain</pre></nav><main><ol><li><p>Make it.</p><pre><code>aws codeartifact create-domain --domain my-domain</code></pre></li></ol></main></body></html>`;
    expect(extractCommands(htmlToTutorialText(main))).toEqual(['aws codeartifact create-domain --domain my-domain']);
    const body = `<html><body><p>Then run <code>npm install --save-dev lodash</code> and wait.</p><pre>aws codeartifact list-packages --domain my-domain --repository my-repo &amp;&amp; npm --version</pre></body></html>`;
    expect(extractCommands(htmlToTutorialText(body))).toEqual([
      'npm install --save-dev lodash',
      'aws codeartifact list-packages --domain my-domain --repository my-repo',
      'npm --version',
    ]);
  });

  test('HTML is recognised by media type, file name or doctype; text and Markdown are not HTML', () => {
    expect(isHtmlDocument('anything', { contentType: 'text/html; charset=UTF-8' })).toBe(true);
    expect(isHtmlDocument('<!doctype html>', { contentType: 'text/plain' })).toBe(false);
    expect(isHtmlDocument('plain', { path: '/tmp/page.HTML' })).toBe(true);
    expect(isHtmlDocument('<html><body></body></html>', { path: '/tmp/notes.md' })).toBe(false);
    expect(isHtmlDocument('\uFEFF  <!DOCTYPE html>\n<html>', {})).toBe(true);
    expect(isHtmlDocument('# Walkthrough\n\n<b>bold</b>', {})).toBe(false);
  });
});

test.describe('npm run drift on the HTML page', () => {
  let dir: string;
  test.beforeEach(({ scratch }) => {
    dir = scratch.dir('cc-drift-html-');
  });

  /** `npm run drift -- <arg>` from `dir`, as a user in that folder types it. */
  const npmDrift = (arg: string) =>
    execa('npm', ['run', '--silent', '--prefix', ROOT, 'drift', '--', arg], {
      cwd: dir,
      env: { ...process.env, CONFORMANCE_REPORTS_DIR: join(dir, 'reports') },
      reject: false,
    });
  /** The script `npm run drift` runs, without npm and tsx's launcher: for URLs, where the folder it runs in does not matter. */
  const drift = (arg: string) =>
    execa(process.execPath, ['--import', 'tsx', 'scripts/drift.ts', arg], {
      cwd: ROOT,
      env: { ...process.env, CONFORMANCE_REPORTS_DIR: join(dir, 'reports') },
      reject: false,
    });
  const readReport = () =>
    JSON.parse(readFileSync(join(dir, 'reports', 'drift.json'), 'utf8')) as DriftReport & { found: string[]; format: string };

  test('npm run drift -- page.html: no drift on the tutorial as published', async () => {
    writeFileSync(join(dir, 'page.html'), PAGE);
    const run = await npmDrift('page.html');
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Drift of page.html (HTML)');
    expect(run.stdout).toContain(`No drift: the document's ${COMMANDS.length} commands match the scenario's steps`);
    expect(readReport()).toMatchObject({ document: 'page.html', format: 'html', changes: [], found: COMMANDS });
    expect(readFileSync(join(dir, 'reports', 'drift.md'), 'utf8')).toContain('## Tutorial drift: none');
  });

  test('npm run drift -- page.html: a changed flag, a removed step and an added step', async () => {
    let page = replaced(
      PAGE,
      '--external-connection &quot;public:npmjs&quot;',
      '--external-connection &quot;public:npmjs&quot; --region us-west-2',
    );
    page = replaced(page, 'npm install --save-dev lodash', 'npm install --save-optional lodash');
    page = withoutStep(page, 'aws codeartifact login --tool npm');
    const describe = 'aws codeartifact describe-repository --domain my-domain --repository my-repo';
    page = withStepAfter(page, '--repository npm-store</code>', describe);
    writeFileSync(join(dir, 'page.html'), page);

    const run = await npmDrift('page.html');
    expect(run.exitCode, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('4 changes:');
    const changes = readReport().changes.map((c) => [c.kind, c.stepId ?? c.found, c.detail]);
    expect(changes).toEqual([
      ['added', describe, 'the document has a command after step create-repository-npm-store that the scenario has no step for'],
      ['changed', 'associate-external-connection', '--region added (us-west-2)'],
      ['removed', 'login', 'step login is no longer in the document'],
      ['changed', 'npm-install', '--save-dev removed; --save-optional added'],
    ]);
    const md = readFileSync(join(dir, 'reports', 'drift.md'), 'utf8');
    expect(md).toContain('## Tutorial drift: 4 changes');
    expect(md).toContain('| removed | login |');
  });

  test.describe('from a URL', () => {
    let server: Server;
    let base: string;
    test.beforeEach(async () => {
      server = createServer((req, res) => {
        if (req.url === '/codeartifact/latest/ug/getting-started-cli.html') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
        } else if (req.url === '/moved') {
          res.writeHead(301, { location: '/codeartifact/latest/ug/getting-started-cli.html' }).end();
        } else if (req.url === '/as-text') {
          res.writeHead(200, { 'content-type': 'text/plain' }).end(markdown(COMMANDS));
        } else {
          res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not here</body></html>');
        }
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    test.afterEach(async () => {
      await new Promise((done) => server.close(done));
    });

    test('the published page is fetched, followed through a redirect, and read as HTML by its media type', async () => {
      const url = `${base}/codeartifact/latest/ug/getting-started-cli.html`;
      const run = await drift(url);
      expect(run.exitCode, run.stdout + run.stderr).toBe(0);
      expect(readReport()).toMatchObject({ document: url, format: 'html', changes: [], found: COMMANDS });

      const moved = await drift(`${base}/moved`);
      expect(moved.exitCode, moved.stdout + moved.stderr).toBe(0);

      const text = await drift(`${base}/as-text`);
      expect(text.exitCode, text.stdout + text.stderr).toBe(0);
      expect(readReport()).toMatchObject({ format: 'text', changes: [] });
    });

    test('exit 2 with the problem and the fix: a page that is not there, a server that does not answer, another scheme', async () => {
      const missing = await drift(`${base}/codeartifact/latest/ug/gone.html`);
      expect(missing.exitCode).toBe(2);
      expect(missing.stderr).toContain('answered HTTP 404');
      expect(missing.stderr).toContain('Fix: check the URL');

      await new Promise((done) => server.close(done));
      const down = await drift(`${base}/codeartifact/latest/ug/getting-started-cli.html`);
      expect(down.exitCode).toBe(2);
      expect(down.stderr).toContain(`could not fetch ${base}/codeartifact/latest/ug/getting-started-cli.html: ECONNREFUSED`);
      expect(down.stderr).toContain('or save the page and pass the file');
      server = createServer(); // closed again by afterEach
      server.listen(0, '127.0.0.1');

      const ftp = await drift('ftp://127.0.0.1/page.html');
      expect(ftp.exitCode).toBe(2);
      expect(ftp.stderr).toContain('only http and https URLs can be fetched');
    });
  });
});
