/**
 * The two aws CLIs, run against an emulator in an isolated environment (test credentials,
 * us-east-1, one attempt, no pager, config files and HOME in a throwaway folder), always with
 * --endpoint-url (v2 2.9.19 ignores AWS_ENDPOINT_URL) and --output json. The same setup as
 * cli-contract.spec.ts, for the specs that show one behaviour through both CLIs.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from '../../helpers/run/cli.ts';
import { awsV1Bin } from '../support/pyenv.ts';

export { awsV1Bin };

export interface AwsCli {
  name: 'v1' | 'v2';
  /** As a user names it: test titles say this. */
  command: string;
  /** What runs. */
  bin: string;
  /** Exit code when the service answers with an error: v1 255, v2 254. */
  serviceErrorExit: number;
  /** Exit code when botocore rejects a parameter before sending anything. */
  paramValidationExit: number;
  /** How the CLI prints timestamps by default: v1 as epoch seconds, v2 as ISO 8601. */
  timestamps: 'epoch' | 'iso8601';
  /**
   * Whether the CLI's bundled API model has RepositoryDescription/RepositorySummary.createdTime.
   * The member was added to the API after v2 2.9.19 was built, so that CLI never prints it.
   */
  repositoryCreatedTime: boolean;
  /** Whether the CLI's bundled model has the package-group commands (v2 2.9.19 predates them). */
  packageGroups: boolean;
}

export const CLIS: readonly AwsCli[] = [
  {
    name: 'v1',
    command: 'aws',
    bin: awsV1Bin(),
    serviceErrorExit: 255,
    paramValidationExit: 255,
    timestamps: 'epoch',
    repositoryCreatedTime: true,
    packageGroups: true,
  },
  {
    name: 'v2',
    command: '/usr/bin/aws',
    bin: '/usr/bin/aws',
    serviceErrorExit: 254,
    paramValidationExit: 252,
    timestamps: 'iso8601',
    repositoryCreatedTime: false,
    packageGroups: false,
  },
];

/** The CLIs installed here (v2 may still be installing). */
export const installedClis = (): AwsCli[] => CLIS.filter((c) => c.name === 'v1' || existsSync(c.bin));

export type Aws = (args: string[], options?: { region?: string }) => Promise<CliRun>;

export async function awsFor(cli: AwsCli, endpoint: string): Promise<{ aws: Aws; dispose: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'aws-cli-home-'));
  await writeFile(join(home, 'config'), '');
  await writeFile(join(home, 'credentials'), '');
  const env = (region: string): Record<string, string> => ({
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    ...(process.env.PYENV_ROOT ? { PYENV_ROOT: process.env.PYENV_ROOT } : {}),
    ...(process.env.PYENV_VERSION ? { PYENV_VERSION: process.env.PYENV_VERSION } : {}),
    LANG: 'C.UTF-8',
    HOME: home,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: region,
    AWS_MAX_ATTEMPTS: '1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  return {
    aws: (args, options = {}) =>
      runCli(cli.bin, ['codeartifact', ...args, '--endpoint-url', endpoint, '--output', 'json'], {
        env: env(options.region ?? 'us-east-1'),
        isolatedEnv: true,
        timeoutMs: 60_000,
      }),
    dispose: () => rm(home, { recursive: true, force: true }),
  };
}

/** Exit 0 and JSON on stdout (or nothing, for an empty output shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function cliOk(run: CliRun): any {
  if (run.exitCode !== 0) throw new Error(`expected exit 0:\n${run.transcript()}`);
  return run.stdout.trim() === '' ? {} : JSON.parse(run.stdout);
}

/**
 * The service's error as the CLI prints it: "An error occurred (Code) when calling the Op
 * operation: message" (v2 adds " (reached max retries: 0)" before the colon).
 */
export function cliError(cli: AwsCli, run: CliRun, code: string, operation: string): string {
  if (run.exitCode !== cli.serviceErrorExit) throw new Error(`expected exit ${cli.serviceErrorExit}:\n${run.transcript()}`);
  const m = new RegExp(
    `An error occurred \\(${code}\\) when calling the ${operation} operation(?: \\(reached max retries: \\d+\\))?: (.*)`,
  ).exec(run.stderr);
  if (!m) throw new Error(`expected ${code} from ${operation}:\n${run.transcript()}`);
  return m[1]!.trim();
}
