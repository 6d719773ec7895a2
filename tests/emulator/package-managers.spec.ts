/**
 * The package-manager adapters (helpers/toolchain/package-managers.ts) with real package managers from
 * helpers/toolchain/toolchains.ts against the emulator: each is configured its own way in a sandbox
 * (npm, pnpm, yarn 1: the real aws CLI's `codeartifact login --tool npm`; yarn berry: a
 * hand-written .yarnrc.yml with a token from `aws codeartifact get-authorization-token`), then
 * installs lodash into a fresh project through my-repo -> npm-store -> public:npmjs, whose
 * upstream is the deterministic fixture registry. Checked: the package on disk, every URL the
 * lockfile resolved (all on my-repo's endpoint), the emulator's own record (ListPackages) and
 * upstream fetch, and that the package manager ran as the toolchain's version on the Node asked
 * for (its user agent, seen by a lifecycle script).
 *
 * Cells: npm 11, pnpm 9, yarn 1.22, yarn 4 on the system Node; pnpm 10 on Node 22 and npm 10
 * on Node 18 (the toolchains' Node shims). Each cell runs between two snapshots of the real user
 * and global config files of npm, pnpm, yarn and aws, and proves them byte-for-byte unchanged
 * (one install per cell serves both checks: a second install only to watch the files would
 * double the file's time).
 */
import { ListPackagesCommand } from '@aws-sdk/client-codeartifact';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestInfo } from '@playwright/test';
import { runCli, type CliRun } from '../../helpers/run/cli.ts';
import { startEmulatorProcess } from '../../helpers/target/emulator-process.ts';
import { startFixtureRegistry, tutorialPackages } from '../support/fixture-registry.ts';
import { adapterFor, type PackageManager } from '../../helpers/toolchain/package-managers.ts';
import { createSandbox } from '../../helpers/run/sandbox.ts';
import { ensureTool } from '../../helpers/toolchain/toolchains.ts';
import { describeSpec, type Toolchain, type ToolSpec } from '../../helpers/toolchain/catalogue.ts';
import { snapshotUserConfig } from '../../helpers/toolchain/user-config.ts';
import { ACCOUNT, type Cleanup, expect, REGION, sdkClient, test, tutorialRepositories, uniqueName } from './fixtures.ts';
import { awsV1Bin } from './aws-cli.ts';

// The aws CLI the user names, else the v1 on PATH (without pyenv's shim: tests/emulator/aws-cli.ts).
const AWS_CLI = process.env.AWS_CLI ?? awsV1Bin();
const SYSTEM_NODE_MAJOR = Number(process.versions.node.split('.')[0]);

const CELLS: readonly ToolSpec[] = [
  { tool: 'npm', major: 11 },
  { tool: 'pnpm', major: 9 },
  { tool: 'yarn', major: 1 },
  { tool: 'yarn', major: 4 },
  { tool: 'pnpm', major: 10, node: 22 },
  { tool: 'npm', major: 10, node: 18 },
];

test.describe.configure({ mode: 'parallel' });

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * One matrix cell: the toolchain of `spec` first on PATH, its adapter's configuration, and
 * `install lodash` in a fresh project, with every check. Returns what it saw.
 */
async function runCell(
  spec: ToolSpec,
  testInfo: TestInfo,
  cleanup: Cleanup,
): Promise<{ toolchain: Toolchain; adapter: PackageManager; agent: string }> {
  const label = describeSpec(spec);
  const adapter = adapterFor(spec);
  const toolchain = await ensureTool(spec);

  const fixture = await startFixtureRegistry(tutorialPackages);
  cleanup.add(() => fixture.close());
  const emulator = await startEmulatorProcess(['--npmjs-url', fixture.url]);
  cleanup.add(() => emulator.stop());
  const codeartifact = sdkClient(cleanup, emulator.url);
  const domain = uniqueName(spec.tool);
  const endpoint = await tutorialRepositories(codeartifact, domain);

  const sandbox = createSandbox(`pm-${spec.tool}-${spec.major}`);
  cleanup.add(async () => sandbox.dispose());
  const env = sandbox.env({
    ...adapter.env(sandbox),
    PATH: [toolchain.binDir, process.env.PATH ?? ''].join(path.delimiter),
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: REGION,
    AWS_MAX_ATTEMPTS: '1',
    AWS_PAGER: '',
  });
  const secrets: string[] = [];
  let step = 0;
  const run = async (command: string, args: string[], timeoutMs = 120_000): Promise<CliRun> => {
    const result = await runCli(command, args, { env, isolatedEnv: true, cwd: sandbox.project, secrets, timeoutMs });
    step += 1;
    await testInfo.attach(`${label}: ${step}. ${[path.basename(command), ...args.slice(0, 2)].join(' ')}`, {
      body: result.transcript(),
      contentType: 'text/plain',
    });
    return result;
  };

  const version = await run(adapter.command, ['--version']);
  expect(version.exitCode, version.transcript()).toBe(0);
  expect(version.stdout.trim(), `${adapter.command} on PATH is the ${label} toolchain`).toBe(toolchain.version);

  const configuration = await adapter.configure({
    sandbox,
    login: { domain, domainOwner: ACCOUNT, repository: 'my-repo', endpointUrl: emulator.url },
    registry: endpoint,
    ...(adapter.supports.awsLogin ? {} : { token: await authorizationToken(run, domain, emulator.url, secrets) }),
  });
  if (configuration.kind === 'aws-login') {
    const login = await run(AWS_CLI, configuration.awsArgs);
    expect(login.exitCode, `aws codeartifact login exited ${login.exitCode}:\n${login.transcript()}`).toBe(0);
    const npmrc = await readFile(sandbox.npmrc, 'utf8');
    const token = new RegExp(`^${escapeRe(endpoint.replace(/^https?:/, ''))}:_authToken=(\\S+)$`, 'm').exec(npmrc)?.[1];
    if (token) secrets.push(token);
    expect(/^registry=(\S+)$/m.exec(npmrc)?.[1], 'the registry aws login wrote to the sandbox npm config').toBe(endpoint);
    expect(token, 'an _authToken for my-repo in the sandbox npm config').toBeTruthy();
  } else {
    expect(configuration.files).toEqual([path.join(sandbox.project, '.yarnrc.yml')]);
  }

  // A lifecycle script shows the package manager's user agent: its version and its Node.
  const pkgFile = path.join(sandbox.project, 'package.json');
  const pkg = JSON.parse(await readFile(pkgFile, 'utf8')) as Record<string, unknown>;
  await writeFile(
    pkgFile,
    `${JSON.stringify({ ...pkg, scripts: { agent: 'node -e "console.log(process.env.npm_config_user_agent)"' } }, null, 2)}\n`,
  );

  const [command, ...args] = adapter.install('lodash');
  const install = await run(command!, args);
  expect(
    install.exitCode,
    `${label} install exited ${install.exitCode}:\n${install.transcript()}\n--- emulator stderr ---\n${emulator.stderr()}`,
  ).toBe(0);

  const lodash = JSON.parse(await readFile(path.join(sandbox.project, 'node_modules', 'lodash', 'package.json'), 'utf8')) as {
    version: string;
  };
  expect(lodash.version).toBe('4.17.21');
  expect(await readFile(path.join(sandbox.project, 'node_modules', 'lodash', 'index.js'), 'utf8')).toContain(
    'A fake lodash, served by the fixture npm registry.',
  );
  const after = JSON.parse(await readFile(pkgFile, 'utf8')) as { devDependencies?: Record<string, string> };
  expect(after.devDependencies).toEqual({ lodash: '^4.17.21' });

  // Every URL the lockfile resolved is on my-repo's endpoint.
  const urls = await adapter.resolvedUrls(sandbox.project);
  await testInfo.attach(`${label}: ${adapter.supports.lockfile} URLs (${adapter.supports.lockfileUrls})`, {
    body: urls.join('\n'),
    contentType: 'text/plain',
  });
  expect(urls, `${adapter.supports.lockfile} of ${label}`).toEqual([`${endpoint}lodash/-/lodash-4.17.21.tgz`]);

  // The emulator's own record: it fetched lodash from its upstream and keeps it in my-repo.
  expect(fixture.requests.map((r) => r.path)).toContain('/lodash/-/lodash-4.17.21.tgz');
  const listed = await codeartifact.send(new ListPackagesCommand({ domain, domainOwner: ACCOUNT, repository: 'my-repo', format: 'npm' }));
  expect((listed.packages ?? []).map((p) => p.package)).toContain('lodash');
  if (adapter.supports.lockfileUrls === 'derived') {
    // Berry's lockfile has no URLs: its (sandboxed, initially empty) cache holds what it fetched.
    const cache = path.join(sandbox.root, 'yarn-berry', 'cache');
    expect((await readdir(cache)).filter((f) => f.startsWith('lodash-npm-4.17.21-'))).toHaveLength(1);
  }

  const agentRun = await run(adapter.command, ['run', 'agent']);
  expect(agentRun.exitCode, agentRun.transcript()).toBe(0);
  const agent = /\b(?:npm|pnpm|yarn)\/\S+ .*node\/v\S+.*/.exec(agentRun.stdout)?.[0] ?? '';
  testInfo.annotations.push({ type: label, description: `${agent} (${toolchain.binDir}; install ${install.durationMs} ms)` });
  expect(agent, `the user agent of ${label}`).toContain(`${spec.tool}/${toolchain.version} `);
  expect(/node\/v(\d+)\./.exec(agent)?.[1], `${label} runs on Node ${spec.node ?? SYSTEM_NODE_MAJOR}`).toBe(
    String(spec.node ?? SYSTEM_NODE_MAJOR),
  );
  if (spec.node !== undefined) expect(agent).toContain(`node/v${toolchain.node!.version} `);
  return { toolchain, adapter, agent };
}

/** The tutorial's manual configuration: `aws codeartifact get-authorization-token` with the real CLI. */
async function authorizationToken(
  run: (c: string, a: string[]) => Promise<CliRun>,
  domain: string,
  endpointUrl: string,
  secrets: string[],
): Promise<string> {
  const result = await run(AWS_CLI, [
    'codeartifact',
    'get-authorization-token',
    '--domain',
    domain,
    '--domain-owner',
    ACCOUNT,
    '--query',
    'authorizationToken',
    '--output',
    'text',
    '--endpoint-url',
    endpointUrl,
  ]);
  expect(result.exitCode, result.transcript()).toBe(0);
  const token = result.stdout.trim();
  expect(token).toBeTruthy();
  secrets.push(token);
  return token;
}

for (const spec of CELLS) {
  test(`${describeSpec(spec)}: configured its way, installs lodash through the emulator, leaves the real config files byte-for-byte unchanged`, async ({
    cleanup,
  }, testInfo) => {
    test.setTimeout(300_000);
    // Every cell's toolchain first (present: a manifest read), so that installing one (the system
    // npm, the real npm config), here or in a cell running beside this one, is not part of what is watched.
    for (const cell of CELLS) await ensureTool(cell);
    const before = await snapshotUserConfig();
    await testInfo.attach('real config files before', { body: JSON.stringify(before, null, 2), contentType: 'application/json' });
    await runCell(spec, testInfo, cleanup);
    // Everything the cell made goes before the files are looked at again.
    await cleanup.run();
    const after = await snapshotUserConfig();
    await testInfo.attach('real config files after', { body: JSON.stringify(after, null, 2), contentType: 'application/json' });
    expect(after, `the real user and global config files after ${describeSpec(spec)}`).toEqual(before);
  });
}
