/**
 * What the toolchain manager can install: the tools, the majors the CLI-version matrix covers,
 * and which registry package and commands each one is. helpers/toolchain/toolchains.ts
 * installs them; helpers/toolchain/folders.ts keeps them in `.toolchains/`.
 */

export type ToolName = 'npm' | 'pnpm' | 'yarn' | 'node';

export interface ToolSpec {
  tool: ToolName;
  /** The major version: npm 6-11, pnpm 8-10, yarn 1 (classic, 1.22) or 4 (berry), node 18/22. */
  major: number;
  /** Run the tool with this Node major (from `.toolchains/node-<N>/`) instead of the `node` on PATH. Not for `tool: 'node'`. */
  node?: number;
}

export interface Toolchain {
  tool: ToolName;
  major: number;
  /** The exact version installed, from the package's package.json. */
  version: string;
  /** The tool's main executable: a shim in `binDir` (runnable directly or as a command from PATH). */
  bin: string;
  /** Put this first on PATH so that the tool's commands resolve to this version. */
  binDir: string;
  /** The toolchain's folder in `.toolchains/`. */
  dir: string;
  /** The registry package installed, e.g. `@yarnpkg/cli-dist`. */
  packageName: string;
  /** The Node the shims exec: a Node toolchain's, or undefined for the `node` first on PATH. */
  node?: { major: number; version: string; bin: string };
  /** Whether this call installed it (`installed`) or found it in place (`present`). */
  status: 'installed' | 'present';
}

/** A tool installed from the npm registry. */
export interface PackageTool {
  /** The registry package to install. */
  packageName: string;
  /** The range given to npm install. */
  range: string;
  /** The executable that `Toolchain.bin` names; one of `commands`. */
  main: string;
  /** The commands to shim, each with its entry point relative to the package folder. */
  commands: Record<string, string>;
  /** Entry points are native binaries (Node itself), exec'd directly rather than by a Node. */
  native?: boolean;
}

/** What `tool@major` installs, for any major (MATRIX_MAJORS lists the ones in use). */
export function packageTool(tool: ToolName, major: number): PackageTool {
  switch (tool) {
    case 'npm':
      return { packageName: 'npm', range: String(major), main: 'npm', commands: { npm: 'bin/npm-cli.js', npx: 'bin/npx-cli.js' } };
    case 'pnpm':
      return { packageName: 'pnpm', range: String(major), main: 'pnpm', commands: { pnpm: 'bin/pnpm.cjs', pnpx: 'bin/pnpx.cjs' } };
    case 'yarn':
      // Classic is the `yarn` package (1.x only); berry (2+) ships as @yarnpkg/cli-dist, one bundled bin/yarn.js.
      return major === 1
        ? { packageName: 'yarn', range: '1.22', main: 'yarn', commands: { yarn: 'bin/yarn.js', yarnpkg: 'bin/yarn.js' } }
        : {
            packageName: '@yarnpkg/cli-dist',
            range: String(major),
            main: 'yarn',
            commands: { yarn: 'bin/yarn.js', yarnpkg: 'bin/yarn.js' },
          };
    case 'node':
      // The `node` package (node@N) fetches this same platform package from its preinstall script,
      // so it only works with install scripts enabled; the platform package needs none.
      return {
        packageName: `node-${process.platform}-${process.arch}`,
        range: String(major),
        main: 'node',
        commands: { node: 'bin/node' },
        native: true,
      };
    default:
      throw new Error(`Unknown tool ${String(tool)}.`);
  }
}

/**
 * The majors of each tool the CLI-version matrix covers: adding a version (npm 12) is adding
 * its number here; `packageTool` knows how to install any major.
 */
export const MATRIX_MAJORS = {
  npm: [6, 7, 8, 9, 10, 11],
  pnpm: [8, 9, 10],
  /** 1 is classic (yarn@1.22), 2 and later berry (@yarnpkg/cli-dist). */
  yarn: [1, 4],
  node: [18, 22],
} as const satisfies Record<ToolName, readonly number[]>;

/** Every toolchain `npm run toolchains` installs: each major of MATRIX_MAJORS, and the package managers the tests run on another Node. */
export const STANDARD_TOOLCHAINS: readonly ToolSpec[] = [
  ...(Object.entries(MATRIX_MAJORS) as Array<[ToolName, readonly number[]]>).flatMap(([tool, majors]) =>
    majors.map((major) => ({ tool, major })),
  ),
  // Package managers on another Node (as tests/emulator/package-managers.spec.ts runs them).
  { tool: 'pnpm', major: 10, node: 22 },
  { tool: 'npm', major: 10, node: 18 },
];

/** `.toolchains/<dir>` of a spec: `npm-11`, `yarn-4`, `pnpm-10-node22`. */
export function toolchainDirName(spec: ToolSpec): string {
  return `${spec.tool}-${spec.major}${spec.node !== undefined ? `-node${spec.node}` : ''}`;
}

/** Human-readable: `npm 11`, `yarn 4 (berry)`, `pnpm 10 on node 22`. */
export function describeSpec(spec: ToolSpec): string {
  const flavour = spec.tool === 'yarn' ? (spec.major === 1 ? ' (classic)' : ' (berry)') : '';
  return `${spec.tool} ${spec.major}${flavour}${spec.node !== undefined ? ` on node ${spec.node}` : ''}`;
}
