/**
 * The harness's configuration, in one place: read from the environment once, validated, and
 * explained when wrong (which variable, what is wrong with it, how to fix it).
 */
import { z } from 'zod';
import { DURATION_HINT, parseDuration } from './durations.ts';

export type TargetKind = 'emulator' | 'aws' | 'endpoint';
/** How the emulator target runs the emulator: a container where one can run (auto), always one, or a local process. */
export type EmulatorRuntime = 'auto' | 'container' | 'process';

export interface HarnessConfig {
  target: TargetKind;
  /** CodeArtifact-compatible service for the `endpoint` target. */
  endpointUrl?: string;
  /** The only account the `aws` target may run in. */
  awsAccount?: string;
  region: string;
  /** aws CLI binary: a path or a name on PATH. */
  awsCli: string;
  /** npm binary: a path or a name on PATH. */
  npm: string;
  /** How long to wait for an installed package to show in ListPackages. */
  visibilityLimitMs: number;
  /** How long `npm install` may take (default: the scenario's own limit). */
  installTimeoutMs?: number;
  /** Registry the embedded emulator's public:npmjs uses (default: what npm uses). */
  npmjsUrl?: string;
  emulatorRuntime: EmulatorRuntime;
  /** Extra options for the emulator target's emulator (`--fault reject-tokens`, ...): checked by preflight, which asks the emulator. */
  emulatorArgs: string[];
  /** Identifies this run in names and tags. */
  runId: string;
  /** Credentials for the emulator and endpoint targets (real AWS uses its default chain). */
  localCredentials: { accessKeyId: string; secretAccessKey: string };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const RUN_ID = /^[a-z0-9]{4,20}$/;

function newRunId(): string {
  const t = Date.now().toString(36);
  const r = Math.random().toString(36).slice(2, 6);
  return `${t}${r}`;
}

/** `300000` (milliseconds), `300s` or `5m`; anything else is an error naming the variable, never NaN. */
const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `must be ${DURATION_HINT}` });
    return z.NEVER;
  }
  return ms;
});

const schema = z.object({
  CONFORMANCE_TARGET: z.enum(['emulator', 'aws', 'endpoint']).default('emulator'),
  CONFORMANCE_ENDPOINT_URL: z.url({ protocol: /^https?$/ }).optional(),
  CONFORMANCE_AWS_ACCOUNT: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .optional(),
  AWS_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1')
    .optional(),
  AWS_DEFAULT_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1')
    .optional(),
  AWS_CLI: z.string().min(1).default('aws'),
  CONFORMANCE_NPM: z.string().min(1).default('npm'),
  CONFORMANCE_VISIBILITY_LIMIT_MS: duration.optional(),
  CONFORMANCE_INSTALL_TIMEOUT_MS: duration.optional(),
  CONFORMANCE_NPMJS_URL: z.url({ protocol: /^https?$/ }).optional(),
  CONFORMANCE_EMULATOR_RUNTIME: z.enum(['auto', 'container', 'process']).default('auto'),
  CONFORMANCE_EMULATOR_ARGS: z.string().optional(),
  CONFORMANCE_RUN_ID: z.string().regex(RUN_ID, 'must be 4-20 lower-case letters and digits').optional(),
  CONFORMANCE_ACCESS_KEY_ID: z.string().min(1).default('test'),
  CONFORMANCE_SECRET_ACCESS_KEY: z.string().min(1).default('test'),
});

const FIXES: Record<string, string> = {
  CONFORMANCE_TARGET: 'Set it to emulator (default), aws or endpoint.',
  CONFORMANCE_ENDPOINT_URL: 'Set it to the URL of a running CodeArtifact-compatible service, e.g. http://127.0.0.1:4566.',
  CONFORMANCE_AWS_ACCOUNT: 'Set it to the 12-digit id of the AWS account the run may create resources in.',
  AWS_REGION: 'Set it to the region to run in, e.g. us-east-1.',
  AWS_DEFAULT_REGION: 'Set it to the region to run in, e.g. us-east-1.',
  CONFORMANCE_VISIBILITY_LIMIT_MS: 'Set it to a duration, e.g. 60000, 60s or 15m.',
  CONFORMANCE_INSTALL_TIMEOUT_MS: 'Set it to a duration, e.g. 300000, 300s or 5m.',
  CONFORMANCE_NPMJS_URL: 'Set it to an npm registry URL, e.g. http://127.0.0.1:4873/.',
  CONFORMANCE_RUN_ID: 'Leave it unset to get a fresh one.',
  CONFORMANCE_EMULATOR_RUNTIME:
    'Set it to auto (default: a container where an engine answers, else a local process), container or process.',
};

/** Reads and checks the configuration; throws ConfigError with every problem and its fix. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HarnessConfig {
  const present = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      return `- ${name}=${JSON.stringify(present[name] ?? '')}: ${i.message}. ${FIXES[name] ?? ''}`.trimEnd();
    });
    throw new ConfigError(`The harness configuration is not valid:\n${lines.join('\n')}`);
  }
  const v = parsed.data;
  const problems: string[] = [];
  if (v.CONFORMANCE_TARGET === 'endpoint' && !v.CONFORMANCE_ENDPOINT_URL) {
    problems.push(`- CONFORMANCE_TARGET=endpoint needs CONFORMANCE_ENDPOINT_URL. ${FIXES.CONFORMANCE_ENDPOINT_URL}`);
  }
  if (v.CONFORMANCE_TARGET !== 'endpoint' && v.CONFORMANCE_ENDPOINT_URL) {
    problems.push(
      `- CONFORMANCE_ENDPOINT_URL is set but CONFORMANCE_TARGET is ${v.CONFORMANCE_TARGET}. Set CONFORMANCE_TARGET=endpoint to use it, or unset it.`,
    );
  }
  if (v.CONFORMANCE_TARGET === 'aws' && !v.CONFORMANCE_AWS_ACCOUNT) {
    problems.push(
      `- CONFORMANCE_TARGET=aws needs CONFORMANCE_AWS_ACCOUNT: the harness refuses to run in an account it was not told about. ${FIXES.CONFORMANCE_AWS_ACCOUNT}`,
    );
  }
  if (v.CONFORMANCE_EMULATOR_RUNTIME === 'container' && v.CONFORMANCE_TARGET !== 'emulator') {
    problems.push(
      `- CONFORMANCE_EMULATOR_RUNTIME=container asks for the emulator in a container, but CONFORMANCE_TARGET is ${v.CONFORMANCE_TARGET}. Set CONFORMANCE_TARGET=emulator, or unset CONFORMANCE_EMULATOR_RUNTIME.`,
    );
  }
  const emulatorArgs = (v.CONFORMANCE_EMULATOR_ARGS ?? '').split(/\s+/).filter(Boolean);
  if (emulatorArgs.length > 0 && v.CONFORMANCE_TARGET !== 'emulator') {
    problems.push(
      `- CONFORMANCE_EMULATOR_ARGS is set but CONFORMANCE_TARGET is ${v.CONFORMANCE_TARGET}: only the emulator target starts an emulator to give them to. Set CONFORMANCE_TARGET=emulator, or unset CONFORMANCE_EMULATOR_ARGS.`,
    );
  }
  const region = v.AWS_REGION ?? v.AWS_DEFAULT_REGION ?? (v.CONFORMANCE_TARGET === 'aws' ? undefined : 'us-east-1');
  if (!region) problems.push(`- CONFORMANCE_TARGET=aws needs AWS_REGION. ${FIXES.AWS_REGION}`);
  if (problems.length > 0) throw new ConfigError(`The harness configuration is not valid:\n${problems.join('\n')}`);
  return {
    target: v.CONFORMANCE_TARGET,
    ...(v.CONFORMANCE_ENDPOINT_URL ? { endpointUrl: v.CONFORMANCE_ENDPOINT_URL.replace(/\/+$/, '') } : {}),
    ...(v.CONFORMANCE_AWS_ACCOUNT ? { awsAccount: v.CONFORMANCE_AWS_ACCOUNT } : {}),
    region: region!,
    awsCli: v.AWS_CLI,
    npm: v.CONFORMANCE_NPM,
    visibilityLimitMs: v.CONFORMANCE_VISIBILITY_LIMIT_MS ?? (v.CONFORMANCE_TARGET === 'aws' ? 15 * 60_000 : 60_000),
    ...(v.CONFORMANCE_INSTALL_TIMEOUT_MS ? { installTimeoutMs: v.CONFORMANCE_INSTALL_TIMEOUT_MS } : {}),
    ...(v.CONFORMANCE_NPMJS_URL ? { npmjsUrl: v.CONFORMANCE_NPMJS_URL } : {}),
    emulatorRuntime: v.CONFORMANCE_EMULATOR_RUNTIME,
    emulatorArgs,
    runId: v.CONFORMANCE_RUN_ID ?? newRunId(),
    localCredentials: { accessKeyId: v.CONFORMANCE_ACCESS_KEY_ID, secretAccessKey: v.CONFORMANCE_SECRET_ACCESS_KEY },
  };
}
