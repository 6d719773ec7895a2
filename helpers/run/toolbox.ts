/**
 * Which binaries a run's steps use. The tutorial scenarios use the configured aws CLI and
 * npm; a matrix cell puts its toolchain (package manager on a chosen Node) first on PATH and
 * adds the adapter's environment, which keeps the package manager's config in the sandbox.
 */
import { adapterFor } from '../toolchain/package-managers.ts';
import type { TargetKind } from './config.ts';
import type { Sandbox } from './sandbox.ts';
import { DEBIAN_AWS_CLI } from '../toolchain/aws-cli.ts';
import { ensureTool } from '../toolchain/toolchains.ts';
import type { MatrixCell } from '../../scenarios/matrix-cells.ts';

export interface Toolbox {
  awsCli: string;
  /** What the steps' tools `npm` and `pm` run. */
  npm: string;
  pm: string;
  /** Folders to put first on PATH. */
  pathPrefix: string[];
  /** Environment the package manager needs (its config, caches and state in the sandbox). */
  env(sandbox: Sandbox): Record<string, string>;
  /** Tool versions for the reports, beyond what the steps learn. */
  versions: { packageManager?: string; node?: string };
}

export function plainToolbox(awsCli: string, npm: string): Toolbox {
  return { awsCli, npm, pm: npm, pathPrefix: [], env: () => ({}), versions: {} };
}

/** `target` decides the package manager's fetch retries: its defaults on AWS, off elsewhere (see package-managers.ts). */
export async function cellToolbox(cell: MatrixCell, target?: TargetKind): Promise<Toolbox> {
  const adapter = adapterFor(cell.packageManager);
  const onNode = cell.node === 20 ? {} : { node: cell.node };
  const pm = await ensureTool({ ...cell.packageManager, ...onNode });
  const node = cell.node === 20 ? undefined : await ensureTool({ tool: 'node', major: cell.node });
  const pathPrefix = [pm.binDir, ...(node ? [node.binDir] : [])];
  return {
    // v1 is the aws on PATH (pyenv); v2 is Debian's package.
    awsCli: cell.awsCli === 1 ? 'aws' : DEBIAN_AWS_CLI,
    npm: 'npm',
    pm: adapter.command,
    pathPrefix,
    env(sandbox) {
      const env = adapter.env(sandbox, target);
      // The known issue this variant shows is exactly the missing always-auth.
      if (cell.variant === 'yarn-without-always-auth') delete env.YARN_ALWAYS_AUTH;
      return env;
    },
    versions: { packageManager: `${adapter.name} ${pm.version}`, node: node?.version ?? process.version },
  };
}
