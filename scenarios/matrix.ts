/** A matrix cell's tutorial: the tutorial's steps with the cell's package manager. */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adapterFor, urlsNotFrom, type PackageManager } from '../helpers/toolchain/package-managers.ts';
import type { MatrixCell } from './matrix-cells.ts';
import { awsCliTooOldForNpm, cleanup, installAndList, loginStep, manualConfigurationSteps, prerequisites, setupSteps } from './tutorial.ts';
import type { Scenario, StepContext, TutorialStep } from './types.ts';

export { matrix, KNOWN_ISSUES, type MatrixCell, type KnownIssue } from './matrix-cells.ts';

/** Where the workspace variant runs login: a member package of an npm workspace. */
export const WORKSPACE_MEMBER = 'packages/app';

function pmVersionStep(adapter: PackageManager): TutorialStep {
  return {
    ...prerequisites.find((s) => s.id === 'prerequisite-npm')!,
    title: `Install your package manager: ${adapter.name} and Node`,
    documented: `${adapter.command} --version`,
    expectation: `${adapter.name} is installed`,
    command: () => ({ tool: 'pm', args: ['--version'] }),
    read(run, { memory }) {
      memory.packageManagerVersion = run.stdout.trim();
      // An npm cell's package manager is the npm that aws login configures: the CLI minimum depends on it.
      if (adapter.name === 'npm') memory.npmVersion = memory.packageManagerVersion;
    },
    async check({ memory }) {
      if (!/^\d+\.\d+\.\d+/.test(memory.packageManagerVersion ?? '')) {
        throw new Error(`${adapter.command} --version printed '${memory.packageManagerVersion}', not a version`);
      }
      const problem = adapter.name === 'npm' ? awsCliTooOldForNpm(memory) : undefined;
      if (problem) throw new Error(problem);
      return `${adapter.name} ${memory.packageManagerVersion}`;
    },
  };
}

/** yarn berry ignores .npmrc: the registry and token go into the project's .yarnrc.yml, as AWS documents for Yarn 2+. */
function berryConfigureStep(adapter: PackageManager): TutorialStep {
  return {
    id: 'configure-yarn-berry',
    number: '6c',
    title: 'Configure Yarn 2+: registry, always-auth and token in .yarnrc.yml',
    documented: 'npmRegistryServer, npmAlwaysAuth and npmAuthToken in .yarnrc.yml',
    expectation: "the project's .yarnrc.yml names my-repo's endpoint and carries the token",
    command: () => ({ tool: 'pm', args: [] }),
    async perform(ctx: StepContext) {
      const done = await adapter.configure({
        sandbox: ctx.sandbox,
        login: { domain: ctx.names.domain, domainOwner: ctx.account, repository: ctx.names.myRepo },
        registry: ctx.memory.endpoint,
        token: ctx.memory.token,
      });
      return `wrote ${done.kind === 'files' ? done.files.join(', ') : '(nothing)'}`;
    },
    async check(ctx) {
      const rc = readFileSync(join(ctx.sandbox.project, '.yarnrc.yml'), 'utf8');
      if (!rc.includes(`npmRegistryServer: ${ctx.memory.endpoint}`)) throw new Error(`.yarnrc.yml does not name ${ctx.memory.endpoint}`);
      if (!/npmAuthToken: \S+/.test(rc)) throw new Error('.yarnrc.yml has no npmAuthToken');
      return `.yarnrc.yml points yarn at ${ctx.memory.endpoint} with a token`;
    },
  };
}

function installStep(adapter: PackageManager): TutorialStep {
  const base = installAndList.find((s) => s.id === 'npm-install')!;
  const argv = adapter.install('lodash');
  return {
    ...base,
    title: `Use ${adapter.name} to install an npm package`,
    documented: argv.join(' '),
    expectation: `lodash is a devDependency of the project and ${adapter.supports.lockfile} resolves it from my-repo`,
    command: ({ memory }) => ({
      tool: 'pm',
      args: argv.slice(1),
      inProject: true,
      ...(memory.installTimeoutMs ? { timeoutMs: Number(memory.installTimeoutMs) } : {}),
    }),
    async check({ sandbox, memory }) {
      const pkg = JSON.parse(readFileSync(join(sandbox.project, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
      if (!pkg.devDependencies?.lodash) throw new Error('package.json has no devDependency on lodash');
      const { urls, elsewhere } = await urlsNotFrom(adapter, sandbox.project, memory.endpoint ?? '');
      if (urls.length === 0 || elsewhere.length > 0) {
        throw new Error(
          `${adapter.supports.lockfile} resolves ${elsewhere[0] ?? 'nothing'}, not from the repository endpoint ${memory.endpoint}`,
        );
      }
      return `lodash is a devDependency; all ${urls.length} tarball URLs in ${adapter.supports.lockfile} are at ${memory.endpoint}`;
    },
  };
}

/** Login, run from inside a member of an npm workspace (the project is made a workspace root first). */
function workspaceLoginStep(): TutorialStep {
  return {
    ...loginStep,
    title: `${loginStep.title}, from inside an npm workspace`,
    command: (ctx) => {
      const member = join(ctx.sandbox.project, WORKSPACE_MEMBER);
      mkdirSync(member, { recursive: true });
      writeFileSync(join(member, 'package.json'), '{"name":"app","version":"1.0.0"}\n');
      writeFileSync(
        join(ctx.sandbox.project, 'package.json'),
        `${JSON.stringify({ name: 'tutorial-project', version: '1.0.0', private: true, workspaces: ['packages/*'] }, null, 2)}\n`,
      );
      return { ...loginStep.command(ctx), inProjectSubfolder: WORKSPACE_MEMBER };
    },
  };
}

/** The tutorial as this cell's package manager would follow it. */
export function cellScenario(c: MatrixCell): Scenario {
  const adapter = adapterFor(c.packageManager);
  const configure: TutorialStep[] =
    c.variant === 'npm-workspace'
      ? [workspaceLoginStep()]
      : adapter.supports.awsLogin
        ? [loginStep]
        : [
            ...manualConfigurationSteps.filter(
              (s) => s.id === 'manual-get-authorization-token' || s.id === 'manual-get-repository-endpoint',
            ),
            berryConfigureStep(adapter),
          ];
  return {
    id: `matrix-${c.id}`,
    title: `The tutorial with aws CLI v${c.awsCli}, ${adapter.name} ${c.packageManager.major}, Node ${c.node}${c.variant ? ` (${c.variant})` : ''}`,
    code: 'x',
    steps: [
      prerequisites[0]!,
      pmVersionStep(adapter),
      prerequisites[2]!,
      ...setupSteps,
      ...configure,
      installStep(adapter),
      installAndList.find((s) => s.id === 'list-packages')!,
      ...cleanup,
    ],
  };
}
