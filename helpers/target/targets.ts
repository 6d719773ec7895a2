/**
 * Where the tutorial runs. Every target is reached the same way, through the wire; they
 * differ only in endpoint, credentials, account and region.
 *  - emulator: this project's emulator, started for the run and stopped after it: in a
 *    container or as a local process, as CONFORMANCE_EMULATOR_RUNTIME decides
 *    (helpers/target/emulator-container.ts);
 *  - endpoint: an already running CodeArtifact-compatible service (e.g. LocalStack);
 *  - aws: real AWS through the default credential chain, only in the configured account.
 */
import type { CodeartifactClient } from '@aws-sdk/client-codeartifact';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { EmulatorRuntime, HarnessConfig, TargetKind } from '../run/config.ts';
import { startEmulatorProcess, type EmulatorProcess } from './emulator-process.ts';
import { InfrastructureError } from '../run/errors.ts';
import { targetName } from './names.ts';
import { codeartifactClient, stsClient } from '../run/sdk.ts';
import { ContainerEngineUnavailable, containerDescription, containerReadiness, startEmulatorContainer } from './emulator-container.ts';

// Node 20 is this project's runtime by design; the SDK's notice about Node 22 is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface Target {
  kind: TargetKind;
  /** How the target was reached, in words, for reports. */
  description: string;
  region: string;
  account: string;
  /** Undefined for real AWS. */
  endpointUrl?: string;
  credentials: Credentials;
  /** Arguments every aws CLI call needs on this target (the endpoint flag off AWS). */
  awsCliArgs(): string[];
  /** Environment for the CLIs: the credentials resolved once, region, retries. */
  cliEnv(): Record<string, string>;
  /** Values to redact from everything recorded. */
  secrets(): string[];
  codeartifact(): CodeartifactClient;
  stop(): Promise<void>;
}

function makeTarget(
  kind: TargetKind,
  description: string,
  region: string,
  account: string,
  credentials: Credentials,
  endpointUrl: string | undefined,
  stop: () => Promise<void>,
): Target {
  const local = endpointUrl !== undefined;
  return {
    kind,
    description,
    region,
    account,
    ...(endpointUrl !== undefined ? { endpointUrl } : {}),
    credentials,
    awsCliArgs: () => (endpointUrl ? ['--endpoint-url', endpointUrl] : []),
    cliEnv: () => ({
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      // Against local targets a failure should show at once, not after 5-13 s of retries.
      ...(local ? { AWS_MAX_ATTEMPTS: '1' } : {}),
      AWS_PAGER: '',
    }),
    secrets: () => [credentials.secretAccessKey, ...(credentials.sessionToken ? [credentials.sessionToken] : [])],
    codeartifact: () => codeartifactClient({ region, credentials, ...(endpointUrl !== undefined ? { endpointUrl } : {}) }),
    stop,
  };
}

async function callerAccount(region: string, credentials: Credentials, endpointUrl: string | undefined, what: string): Promise<string> {
  const sts = stsClient({ region, credentials, ...(endpointUrl !== undefined ? { endpointUrl } : {}) });
  try {
    const { Account } = await sts.send(new GetCallerIdentityCommand({}));
    if (!Account) throw new Error('GetCallerIdentity returned no account');
    return Account;
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    const code = e.code ?? e.cause?.code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || e.name === 'TimeoutError') {
      throw new InfrastructureError(
        `${what} is unreachable (${code ?? e.name}: ${e.message})`,
        'Start it, or point the harness at a running one.',
      );
    }
    throw new InfrastructureError(
      `${what} did not accept the credentials (${e.name}: ${e.message})`,
      'Check the credentials the harness uses for it.',
    );
  } finally {
    sts.destroy();
  }
}

/**
 * Container or process, and why, for the run's description. `container` never falls back: a run
 * that was asked for the container and cannot have one has no verdict.
 */
async function chooseEmulatorRuntime(asked: EmulatorRuntime): Promise<{ container: boolean; why: string }> {
  if (asked === 'process') return { container: false, why: 'CONFORMANCE_EMULATOR_RUNTIME=process' };
  const ready = await containerReadiness();
  if (ready.ok) return { container: true, why: `CONFORMANCE_EMULATOR_RUNTIME=${asked}: ${ready.why}` };
  if (asked === 'container') {
    const message = `CONFORMANCE_EMULATOR_RUNTIME=container, but the emulator cannot run in a container: ${ready.reason}`;
    throw ready.noEngine ? new ContainerEngineUnavailable(message, ready.fix) : new InfrastructureError(message, ready.fix);
  }
  return { container: false, why: `CONFORMANCE_EMULATOR_RUNTIME=auto, and ${ready.reason}` };
}

/** Opens the configured target; the emulator target's emulator gets `emulatorArgs` (default: CONFORMANCE_EMULATOR_ARGS's). */
export async function openTarget(config: HarnessConfig, emulatorArgs: string[] = config.emulatorArgs): Promise<Target> {
  if (config.target === 'emulator') {
    const args = [...(config.npmjsUrl ? ['--npmjs-url', config.npmjsUrl] : []), ...emulatorArgs];
    const runtime = await chooseEmulatorRuntime(config.emulatorRuntime);
    if (runtime.container) {
      const c = await startEmulatorContainer(args, { runId: config.runId });
      const account = await callerAccount(config.region, config.localCredentials, c.url, `The emulator container at ${c.url}`).catch(
        async (err) => {
          await c.stop();
          throw err;
        },
      );
      return makeTarget(
        'emulator',
        `${containerDescription(c)}; ${runtime.why}`,
        config.region,
        account,
        config.localCredentials,
        c.url,
        c.stop,
      );
    }
    let emulator: EmulatorProcess;
    try {
      emulator = await startEmulatorProcess(args);
    } catch (err) {
      throw new InfrastructureError(
        `The embedded emulator did not start: ${(err as Error).message}`,
        'Run npm ci, then npm run emulator to see why.',
      );
    }
    const account = await callerAccount(config.region, config.localCredentials, emulator.url, `The emulator at ${emulator.url}`);
    return makeTarget(
      'emulator',
      `${targetName('emulator')}, a local process at ${emulator.url}; ${runtime.why}`,
      config.region,
      account,
      config.localCredentials,
      emulator.url,
      async () => {
        await emulator.stop();
      },
    );
  }
  if (config.target === 'endpoint') {
    const url = config.endpointUrl!;
    const account = await callerAccount(config.region, config.localCredentials, url, `The CodeArtifact endpoint ${url}`);
    return makeTarget(
      'endpoint',
      targetName('endpoint', { endpoint: url }),
      config.region,
      account,
      config.localCredentials,
      url,
      async () => {},
    );
  }
  // Real AWS: resolve the default chain once; the CLIs get the result as environment variables.
  let credentials: Credentials;
  try {
    const c = await defaultProvider()();
    credentials = {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
    };
  } catch (err) {
    throw new InfrastructureError(
      `No AWS credentials were found (${(err as Error).message})`,
      'Configure the default credential chain (environment, profile, SSO or an OIDC role).',
    );
  }
  const account = await callerAccount(config.region, credentials, undefined, 'AWS STS');
  if (account !== config.awsAccount) {
    throw new InfrastructureError(
      `The credentials belong to account ${account}, but CONFORMANCE_AWS_ACCOUNT is ${config.awsAccount}; the harness refuses to create resources in an account it was not told about`,
      `Use credentials for ${config.awsAccount}, or set CONFORMANCE_AWS_ACCOUNT=${account} if that account is meant.`,
    );
  }
  return makeTarget(
    'aws',
    targetName('aws', { account, region: config.region }),
    config.region,
    account,
    credentials,
    undefined,
    async () => {},
  );
}
