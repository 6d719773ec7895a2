/**
 * AWS is eventually consistent: right after a delete, a call on the same domain or repository
 * (another delete, a create that follows it, an update) may be answered 409 ConflictException
 * while the service catches up. The harness tries such a call again, a bounded number of times
 * with backoff, and says so: the step's report carries a `retries` record (helpers/outcome/model.ts).
 *
 * Two places send such calls:
 *  - the harness's own SDK calls (tagging, clean-up, sweep): `addHarnessMiddleware` adds to every
 *    client the harness builds (helpers/run/sdk.ts) a middleware that retries a ConflictException
 *    of a mutating operation, and remembers which command an error came from, so that an access
 *    denial can name the IAM action it needed (`accessDeniedOf`);
 *  - a tutorial step's aws CLI command (`retryStepOnConflict`, used by the scenario runner).
 *
 * Decisions use structured fields only: the SDK error's `name` and HTTP status; for the aws CLI,
 * the error code it prints in botocore's fixed error form ("An error occurred (<Code>) when
 * calling the <Operation> operation"), which is the service's x-amzn-ErrorType; the message after
 * it is never read. (The aws CLIs the harness supports have no structured error output.)
 */
import type { CodeartifactClient } from '@aws-sdk/client-codeartifact';
import type { Retry } from '../outcome/model.ts';
import type { CliRun } from './cli.ts';

export interface ConflictRetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts?: number;
  /** The first wait; each further one doubles (the upper half jittered), up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** 5 attempts, waiting about 1, 2, 4 and 8 s: AWS catches up with a delete within seconds. */
export const CONFLICT_RETRY: Required<ConflictRetryOptions> = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 8_000 };

/** Operations that change a domain or repository: the ones a just-finished delete may conflict with. */
export const CONFLICT_RETRIED_OPERATIONS: ReadonlySet<string> = new Set([
  'CreateDomain',
  'CreateRepository',
  'DeleteDomain',
  'DeleteRepository',
  'UpdateRepository',
  'AssociateExternalConnection',
  'DisassociateExternalConnection',
  'TagResource',
  'UntagResource',
]);

export const CONFLICT = 'ConflictException';

/** Is `err` (what an SDK client threw) a 409 ConflictException? By name and status, never by message. */
export function isConflict(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { name, $metadata } = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return name === CONFLICT || $metadata?.httpStatusCode === 409;
}

export function backoffMs(attempt: number, options: ConflictRetryOptions = {}): number {
  const { baseDelayMs, maxDelayMs } = { ...CONFLICT_RETRY, ...options };
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The harness's own SDK calls

/** The SDK command each error came from (set by the middleware below), for accessDeniedOf. */
const commandOfError = new WeakMap<object, string>();

/** The SDK command (`TagResourceCommand`) whose call threw `err`, when a harness client sent it. */
export function commandOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? commandOfError.get(err) : undefined;
}

export interface HarnessMiddlewareOptions extends ConflictRetryOptions {
  /** Told of every call that needed more than one attempt (the scenario runner puts it in the step's report). */
  onRetry?: (retry: Retry) => void;
}

const MIDDLEWARE_NAME = 'codeartifactConformanceHarnessCalls';

/**
 * Adds the harness's call handling to a client: a ConflictException of a mutating operation is
 * tried again with bounded backoff; every error remembers its command. Adding it again replaces
 * it (e.g. with an `onRetry` that reports to the current step).
 */
export function addHarnessMiddleware(client: CodeartifactClient, options: HarnessMiddlewareOptions = {}): CodeartifactClient {
  const maxAttempts = options.maxAttempts ?? CONFLICT_RETRY.maxAttempts;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String((context as { commandName?: unknown }).commandName ?? '');
      const operation = command.replace(/Command$/, '');
      let attempt = 1;
      let waitedMs = 0;
      for (;;) {
        try {
          const output = await next(args);
          if (attempt > 1)
            options.onRetry?.({ call: operation, by: 'harness', error: CONFLICT, attempts: attempt, waitedMs, succeeded: true });
          return output;
        } catch (err) {
          if (typeof err === 'object' && err !== null && command) commandOfError.set(err, command);
          const retried = CONFLICT_RETRIED_OPERATIONS.has(operation) && isConflict(err);
          if (!retried || attempt >= maxAttempts) {
            if (attempt > 1)
              options.onRetry?.({ call: operation, by: 'harness', error: CONFLICT, attempts: attempt, waitedMs, succeeded: false });
            throw err;
          }
          const delay = backoffMs(attempt, options);
          await sleep(delay);
          waitedMs += delay;
          attempt += 1;
        }
      }
    },
    { step: 'initialize', name: MIDDLEWARE_NAME, override: true },
  );
  return client;
}

// ---------------------------------------------------------------------------------------------
// A step's aws CLI command

/** The service error an aws CLI run ended with: its code and operation, from botocore's fixed error form. */
export function awsCliServiceError(run: Pick<CliRun, 'exitCode' | 'stderr'>): { code: string; operation: string } | undefined {
  if (run.exitCode === 0) return undefined;
  const m = /An error occurred \(([A-Za-z0-9.]+)\) when calling the ([A-Za-z0-9]+) operation/.exec(run.stderr);
  return m ? { code: m[1]!, operation: m[2]! } : undefined;
}

export interface StepAttempts {
  /** The last attempt's run. */
  run: CliRun;
  /** The earlier attempts, oldest first (their transcripts are evidence). */
  earlier: CliRun[];
  retry?: Retry;
}

/**
 * Runs a step's aws CLI command, and again (bounded, with backoff) while it ends with a
 * ConflictException of an operation that changes a domain or repository.
 */
export async function retryStepOnConflict(
  call: string,
  attempt: () => Promise<CliRun>,
  options: ConflictRetryOptions & { stopped?: () => boolean } = {},
): Promise<StepAttempts> {
  const maxAttempts = options.maxAttempts ?? CONFLICT_RETRY.maxAttempts;
  const earlier: CliRun[] = [];
  let waitedMs = 0;
  for (let n = 1; ; n++) {
    const run = await attempt();
    const error = awsCliServiceError(run);
    const conflict = error?.code === CONFLICT && CONFLICT_RETRIED_OPERATIONS.has(error.operation) && !run.signal;
    // Ctrl-C ends the retries: the run is undoing what it created.
    if (!conflict || n >= maxAttempts || options.stopped?.()) {
      const retry: Retry | undefined =
        n > 1 ? { call, by: 'step', error: CONFLICT, attempts: n, waitedMs, succeeded: run.exitCode === 0 } : undefined;
      return { run, earlier, ...(retry ? { retry } : {}) };
    }
    earlier.push(run);
    const delay = backoffMs(n, options);
    await sleep(delay);
    waitedMs += delay;
  }
}
