/**
 * What the emulator accepts from one connection, and for how long: request bodies read while
 * they stream and refused (413) the moment they pass their limit, a budget for all bodies
 * buffered at once so that memory stays bounded under load, JSON shape limits checked before
 * anything walks a parsed body recursively, and the HTTP server's timeouts.
 */
import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http';
import { ServiceError, throttled } from './errors.ts';

export interface Limits {
  /** Largest control-plane request body (JSON operations). */
  controlBodyBytes: number;
  /** Largest npm publish body and PublishPackageVersion asset. */
  publishBodyBytes: number;
  /** All request bodies buffered at one time, together. */
  inFlightBodyBytes: number;
  /** A request must arrive completely (headers and body) within this time. */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  controlBodyBytes: 2 * 1024 * 1024,
  publishBodyBytes: 32 * 1024 * 1024,
  inFlightBodyBytes: 96 * 1024 * 1024,
  requestTimeoutMs: 120_000,
};

/**
 * Idle keep-alive connections stay open this long. Clients (the AWS SDK's agent, the aws CLI's
 * urllib3 pool, npm's agent) reuse an idle socket without asking whether the server still
 * wants it; if the server closes first, the request written into the closing socket fails
 * with "socket hang up". Node's default is 5 s, well inside the gaps between tutorial steps;
 * 65 s is what AWS's load balancers use, longer than any of those clients keeps a socket idle
 * between two calls of one command, and the header announces it to clients that read it.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Node's http.Server options for these limits (timeouts for slow or stalled clients). */
export function httpServerOptions(limits: Limits): ServerOptions {
  // headersTimeout bounds a connection that never finishes its headers (slowloris); it must
  // not exceed requestTimeout (Node refuses that) and is kept above the keep-alive timeout by
  // default so that a reused connection is never cut between requests by the header clock.
  const headersTimeout = Math.min(KEEP_ALIVE_TIMEOUT_MS + 1_000, limits.requestTimeoutMs);
  return {
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    headersTimeout,
    requestTimeout: limits.requestTimeoutMs,
    // How often Node looks for connections past those timeouts: often enough that a stalled
    // connection is closed soon after its time, not up to 30 s (Node's default) later.
    connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(limits.requestTimeoutMs / 4))),
  };
}

export const payloadTooLarge = (limit: number, what: string) =>
  new ServiceError('RequestEntityTooLargeException', 413, `The ${what} is larger than ${limit} bytes, the most this endpoint accepts.`);

/** The client went away before its request arrived completely: nothing to answer, nothing to log. */
export class ClientGone extends Error {
  constructor() {
    super('The client closed the connection before its request arrived.');
  }
}

const EMPTY = Buffer.alloc(0);

/** Counts the bytes of every body being buffered, against one budget. */
export class BodyBudget {
  private used = 0;
  constructor(readonly total: number) {}
  take(n: number): boolean {
    if (this.used + n > this.total) return false;
    this.used += n;
    return true;
  }
  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
  get inUse(): number {
    return this.used;
  }
}

/**
 * Reads a request body of at most `limit` bytes. A Content-Length over the limit is refused
 * before any of the body is read; a body without one is refused as soon as it passes the
 * limit. Either way nothing beyond the limit is buffered: the rest is discarded as it comes.
 */
export function readBody(req: IncomingMessage, limit: number, budget: BodyBudget, what: string): Promise<Buffer> {
  // Most control-plane calls are bodiless GETs: skip the stream machinery for them.
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    req.resume();
    return Promise.resolve(EMPTY);
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(payloadTooLarge(limit, what));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: Error | undefined, body?: Buffer) => {
      if (settled) return;
      settled = true;
      budget.give(size);
      req.off('data', onData).off('end', onEnd).off('aborted', onGone).off('error', onGone).off('close', onClose);
      if (err) {
        chunks.length = 0;
        // Keep draining (and dropping) what the client still sends, so that it can read the answer.
        req.on('error', () => {}).resume();
        reject(err);
      } else resolve(body!);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limit) return finish(payloadTooLarge(limit, what));
      if (!budget.take(chunk.length)) {
        return finish(throttled('Too many large request bodies are arriving at once; retry in a moment.'));
      }
      size += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      // The caller holds the body from here; it is no longer "arriving".
      finish(undefined, body);
    };
    const onGone = () => finish(new ClientGone());
    const onClose = () => {
      if (!req.complete) finish(new ClientGone());
    };
    req.on('data', onData).on('end', onEnd).on('aborted', onGone).on('error', onGone).on('close', onClose);
  });
}

/**
 * After a refused body the client is usually still sending it. Closing the connection at once
 * would reset it, and a client that has not yet read the answer would then see "connection
 * reset" instead of the 413. So the rest of the body is read and dropped (cheap: nothing is
 * kept), the connection stays usable once it has arrived, and a client that has not finished
 * sending `lingerMs` after the answer is cut off.
 */
export function closeAfterRefusal(res: ServerResponse, lingerMs = 10_000): void {
  res.once('finish', () => {
    const req = res.req;
    const socket = req?.socket;
    if (!req || !socket || socket.destroyed || req.complete) return;
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    timer.unref();
    const stop = () => clearTimeout(timer);
    req.once('end', stop);
    socket.once('close', stop);
  });
}

export interface JsonShapeLimits {
  maxDepth: number;
  maxValues: number;
}

export const CONTROL_JSON: JsonShapeLimits = { maxDepth: 32, maxValues: 20_000 };
export const NPM_JSON: JsonShapeLimits = { maxDepth: 64, maxValues: 200_000 };

/**
 * Why a parsed JSON value is too deep or too big to be handled, or undefined when it is fine.
 * Iterative, so that the check itself cannot overflow the stack it protects (validation and
 * JSON.stringify recurse, and overflow at a few thousand levels).
 */
export function jsonShapeProblem(value: unknown, limits: JsonShapeLimits): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  let values = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (++values > limits.maxValues) return `it holds more than ${limits.maxValues} values`;
    if (v === null || typeof v !== 'object') continue;
    if (depth > limits.maxDepth) return `it is nested more than ${limits.maxDepth} levels deep`;
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) stack.push([child, depth + 1]);
  }
  return undefined;
}
