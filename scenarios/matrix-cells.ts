/**
 * The CLI-version regression matrix, defined in one place: each cell is an aws CLI major x a
 * package manager version x a Node version, running the tutorial with that toolchain. Known
 * bugs are cells expected to fail at a named step, with the issue's link: they pass while the
 * bug reproduces, and fail with "known issue no longer reproduces" once it is fixed.
 * (Data only: playwright.config.ts builds one project per cell from this file.)
 */
import type { ToolSpec } from '../helpers/toolchain/catalogue.ts';

export interface KnownIssue {
  /** The step at which the bug shows. */
  stepId: string;
  url: string;
  title: string;
}

export interface MatrixCell {
  id: string;
  awsCli: 1 | 2;
  packageManager: Pick<ToolSpec, 'tool' | 'major'>;
  node: 18 | 20 | 22;
  /** How the cell departs from the plain tutorial. */
  variant?: 'npm-workspace' | 'yarn-without-always-auth';
  knownIssue?: KnownIssue;
}

export const KNOWN_ISSUES = {
  workspaceLogin: {
    stepId: 'login',
    url: 'https://github.com/aws/aws-cli/issues/8555',
    title: 'aws codeartifact login fails inside an npm workspace: npm config set refuses with ENOWORKSPACES',
  },
  yarnAlwaysAuth: {
    stepId: 'npm-install',
    url: 'https://github.com/aws/aws-cli/issues/6892',
    title: 'yarn 1 sends the token for tarballs only with always-auth, which login cannot write with npm 9 and later',
  },
} satisfies Record<string, KnownIssue>;

const npm = (major: number) => ({ tool: 'npm' as const, major });
const pnpm = (major: number) => ({ tool: 'pnpm' as const, major });
const yarn = (major: number) => ({ tool: 'yarn' as const, major });

function cell(
  awsCli: 1 | 2,
  packageManager: Pick<ToolSpec, 'tool' | 'major'>,
  node: 18 | 20 | 22,
  extra: Partial<MatrixCell> = {},
): MatrixCell {
  const pm =
    packageManager.tool === 'yarn'
      ? packageManager.major === 1
        ? 'yarn1'
        : `yarn${packageManager.major}`
      : `${packageManager.tool}${packageManager.major}`;
  const id = `awscli${awsCli}-${pm}-node${node}${extra.variant ? `-${extra.variant}` : ''}`;
  return { id, awsCli, packageManager, node, ...extra };
}

export const matrix: MatrixCell[] = [
  // npm 6 to 11 with aws CLI v1, and the newest with v2.
  cell(1, npm(6), 20),
  cell(1, npm(7), 20),
  cell(1, npm(8), 20),
  cell(1, npm(9), 20),
  cell(2, npm(9), 20),
  cell(1, npm(10), 20),
  cell(1, npm(10), 18),
  cell(1, npm(11), 20),
  cell(2, npm(11), 20),
  cell(2, npm(11), 22),
  // pnpm 8 to 10.
  cell(1, pnpm(8), 20),
  cell(2, pnpm(9), 20),
  cell(1, pnpm(10), 22),
  cell(2, pnpm(10), 18),
  // yarn classic through login (with always-auth), and berry configured by hand.
  cell(1, yarn(1), 20),
  cell(2, yarn(1), 22),
  cell(1, yarn(4), 20),
  cell(2, yarn(4), 22),
  // Known issues.
  cell(1, npm(11), 20, { variant: 'npm-workspace', knownIssue: KNOWN_ISSUES.workspaceLogin }),
  cell(2, npm(10), 20, { variant: 'npm-workspace', knownIssue: KNOWN_ISSUES.workspaceLogin }),
  cell(1, yarn(1), 20, { variant: 'yarn-without-always-auth', knownIssue: KNOWN_ISSUES.yarnAlwaysAuth }),
];
