/**
 * The one place the harness builds its AWS SDK clients (state checks, tagging, clean-up,
 * leftovers, sweep, the caller-identity check), so that they all behave the same on every
 * target: a connection that breaks before an answer arrives is tried again a few times, with
 * backoff; an answer from the service, whatever its status, is final.
 *
 * Why: an HTTP server closes an idle kept-alive socket just as the SDK reuses it (Node's 5 s
 * keep-alive timeout races the next request), and the request dies with `socket hang up`
 * (ECONNRESET) or EPIPE without ever reaching the service. One such reset used to fail a
 * whole tutorial step. The SDK's own standard retry would cover it, but it also retries 5xx
 * and throttling answers, which would hide what the service said from a conformance check,
 * and it was switched off off AWS (maxAttempts 1) so that failures show at once.
 *
 * Decisions are made on structured fields only: an error that carries an HTTP status
 * (`$metadata.httpStatusCode`) or a raw response came from the service; a connection error
 * has a Node `code`.
 */
import { CodeartifactClient } from '@aws-sdk/client-codeartifact';
import { STSClient } from '@aws-sdk/client-sts';
import { addHarnessMiddleware, type ConflictRetryOptions } from './conflicts.ts';

export interface SdkTarget {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Off AWS: the service's URL. */
  endpointUrl?: string;
}

export interface ConnectionRetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts?: number;
  /** First backoff; each further one doubles (half of it jittered), up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Whether a refused connection is worth another try. On AWS a refusal is a load balancer's
   * passing hiccup; on a local endpoint it means nothing is listening, and the run should say
   * "unreachable" at once rather than after the backoff.
   */
  retryRefused?: boolean;
}

export const DEFAULT_MAX_ATTEMPTS = 4;

/** The request died on the wire: reset or broken pipe (a hang-up is ECONNRESET in Node). */
const BROKEN_CONNECTION = new Set(['ECONNRESET', 'EPIPE']);

interface WireError {
  code?: unknown;
  name?: unknown;
  $metadata?: { httpStatusCode?: number };
  $response?: unknown;
  cause?: unknown;
}

/**
 * True when the error is a connection-level failure with no answer from the service.
 * An AbortError (the caller gave up) is never retried.
 */
export function isConnectionError(error: unknown, options: { retryRefused?: boolean } = {}): boolean {
  for (
    let e = error as WireError | undefined, depth = 0;
    e && typeof e === 'object' && depth < 5;
    e = e.cause as WireError | undefined, depth++
  ) {
    if (e.name === 'AbortError') return false;
    if (e.$metadata?.httpStatusCode !== undefined || e.$response !== undefined) return false;
    if (typeof e.code === 'string' && (BROKEN_CONNECTION.has(e.code) || (options.retryRefused === true && e.code === 'ECONNREFUSED')))
      return true;
  }
  return false;
}

interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/** Only connection errors, a bounded number of times; the SDK's RetryStrategyV2 shape. */
export class ConnectionRetryStrategy {
  readonly mode = 'standard';
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly retryRefused: boolean;

  constructor(options: ConnectionRetryOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 2_000;
    this.retryRefused = options.retryRefused ?? false;
  }

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return token(0, 0);
  }

  async refreshRetryTokenForRetry(previous: RetryToken, errorInfo: { error?: unknown }): Promise<RetryToken> {
    const retries = previous.getRetryCount();
    if (retries + 1 >= this.maxAttempts || !isConnectionError(errorInfo.error, { retryRefused: this.retryRefused })) {
      // The SDK then rethrows the original error, with $metadata.attempts set.
      throw new Error('not retried');
    }
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** retries);
    return token(retries + 1, Math.round(ceiling / 2 + (Math.random() * ceiling) / 2));
  }

  recordSuccess(): void {}
}

function token(count: number, delayMs: number): RetryToken {
  return { getRetryCount: () => count, getRetryDelay: () => delayMs };
}

function clientConfig(target: SdkTarget, retry: ConnectionRetryOptions) {
  const onAws = target.endpointUrl === undefined;
  const strategy = new ConnectionRetryStrategy({ retryRefused: onAws, ...retry });
  return {
    region: target.region,
    credentials: target.credentials,
    ...(target.endpointUrl !== undefined ? { endpoint: target.endpointUrl } : {}),
    retryStrategy: strategy,
    maxAttempts: retry.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
  };
}

/**
 * `conflicts`: how a 409 of a mutating call is tried again (helpers/run/conflicts.ts);
 * `{ maxAttempts: 1 }` for a client that must see every answer as the service gave it (the
 * emulator's contract tests, which expect a ConflictException where AWS answers one).
 */
export function codeartifactClient(
  target: SdkTarget,
  retry: ConnectionRetryOptions = {},
  conflicts: ConflictRetryOptions = {},
): CodeartifactClient {
  // A 409 while AWS catches up with a delete is tried again; errors remember their command (helpers/run/conflicts.ts).
  return addHarnessMiddleware(new CodeartifactClient(clientConfig(target, retry)), conflicts);
}

export function stsClient(target: SdkTarget, retry: ConnectionRetryOptions = {}): STSClient {
  return new STSClient(clientConfig(target, retry));
}
