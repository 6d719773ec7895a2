/**
 * The emulator's HTTP pipeline: read the request, verify its SigV4 signature, route it by
 * method + path to one operation of the table, build and validate the input from the query
 * string, headers and JSON body, run the handler and render the result or a modeled error.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin, isAdminRequest, logRequests } from './admin.ts';
import { DirectoryBlobStore, MemoryBlobStore } from './core/blobs.ts';
import { internalError, ServiceError, throttled, validationError } from './core/errors.ts';
import { Faults, FAULTS, type FaultName } from './core/faults.ts';
import {
  BodyBudget,
  ClientGone,
  closeAfterRefusal,
  CONTROL_JSON,
  DEFAULT_LIMITS,
  httpServerOptions,
  jsonShapeProblem,
  readBody,
  type Limits,
} from './core/limits.ts';
import { RawResponse, type EmulatorSettings, type Operation, type RequestContext, type Services } from './core/operation.ts';
import { Persistence } from './core/persist.ts';
import { quotasFrom } from './core/quotas.ts';
import { parseInput } from './core/shapes.ts';
import { SigV4Verifier, type Credential } from './core/sigv4.ts';
import { Store } from './core/store.ts';
import { TokenIssuer } from './core/tokens.ts';
import { handleNpm, isNpmRequest, sendNpmError } from './npm/registry.ts';
import { NpmUpstream } from './npm/upstream.ts';
import { operations } from './operations.ts';
import { answerSts, errorXml } from './sts.ts';

export interface EmulatorOptions {
  host?: string;
  port?: number;
  accountId?: string;
  credentials?: Credential[];
  /** Registry behind public:npmjs; default: the one `npm config get registry` names. */
  npmjsUrl?: string;
  /** How long upstream packuments are cached. */
  upstreamTtlMs?: number;
  /** Delay before externally ingested versions are listed: fixed, or a random value in [min, max]. */
  ingestionDelayMs?: { min: number; max: number };
  /** Faults switched on from the start: NAME or NAME=ARG. */
  faults?: string[];
  /** Serve the fault admin endpoint (/-/emulator/faults). */
  faultAdmin?: boolean;
  /** Keep state and tarballs in this folder across restarts. */
  dataDir?: string;
  /** Where to report unexpected failures; defaults to stderr. */
  log?: (line: string) => void;
  /** AWS quotas to change from their defaults: NAME=VALUE (see core/quotas.ts). */
  quotas?: string[];
  /** One line per request (operation or npm route, status, milliseconds) to `log`. */
  logRequests?: boolean;
  /** Body sizes and timeouts (core/limits.ts); unset members keep their defaults. */
  limits?: Partial<Limits>;
}

export interface RunningEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_ACCOUNT_ID = '000000000000';
export const DEFAULT_CREDENTIALS: Credential[] = [{ accessKeyId: 'test', secretAccessKey: 'test' }];

const routes = new Map<string, Operation>(operations.map((op) => [`${op.method} ${op.path}`, op]));

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  if (!/^\d{12}$/.test(accountId)) {
    throw new Error(`Account id '${accountId}' is not 12 digits. Pass --account-id with a 12-digit AWS account id.`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const verifier = new SigV4Verifier(options.credentials ?? DEFAULT_CREDENTIALS);
  const store = new Store();
  const blobs = options.dataDir ? new DirectoryBlobStore(options.dataDir) : new MemoryBlobStore();
  const persistence = options.dataDir ? new Persistence(options.dataDir, store, () => (blobs as DirectoryBlobStore).settle()) : undefined;
  const tokens = new TokenIssuer(persistence?.load());
  const faults = new Faults();
  for (const spec of options.faults ?? []) faults.set(...Faults.parse(spec));
  const delay = options.ingestionDelayMs ?? { min: 0, max: 0 };
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const budget = new BodyBudget(limits.inFlightBodyBytes);
  let baseUrl = '';
  const settings: EmulatorSettings = {
    accountId,
    baseUrl: () => baseUrl,
    ingestionDelayMs: () => delay.min + Math.floor(Math.random() * (delay.max - delay.min + 1)),
    quotas: quotasFrom(options.quotas),
  };
  const services: Services = {
    store,
    tokens,
    blobs,
    faults,
    npmjs: new NpmUpstream(options.npmjsUrl, options.upstreamTtlMs ?? 5 * 60_000, faults),
    settings,
    changed: () => persistence?.changed() ?? Promise.resolve(),
  };

  const server = createServer(httpServerOptions(limits), (req, res) => {
    if (options.logRequests) logRequests(req, res, log);
    handle(req, res).catch((err: unknown) => {
      if (err instanceof ClientGone) return;
      log(`emulator: unexpected failure on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent)
        sendError(res, new ServiceError('InternalServerException', 500, 'Internal failure in the emulator.'), randomUUID());
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      const url = splitUrl(req.url ?? '/');
      const npm = isNpmRequest(url.pathname);
      const body = await readBody(req, ...bodyLimit(req, url.pathname, npm)).catch((err: unknown) => {
        if (err instanceof ServiceError) closeAfterRefusal(res);
        if (npm && err instanceof ServiceError) sendNpmError(res, err);
        throw err;
      });
      if (npm) return await handleNpm(services, req, res, body);
      if (isAdminRequest(url.pathname)) return handleAdmin(services, req, res);
      if (url.pathname === '/-/emulator/faults' && options.faultAdmin) return faultAdmin(req, res, body);
      const caller = await verifier.verify({
        method: req.method ?? 'GET',
        path: safeDecode(url.pathname),
        query: queryRecord(url.searchParams),
        headers: req.headers,
        body,
      });

      if (caller.service === 'sts') {
        const answer = answerSts(body, accountId, caller.accessKeyId, requestId);
        res.writeHead(answer.status, { 'content-type': 'text/xml', 'x-amzn-RequestId': requestId });
        res.end(answer.body);
        return;
      }
      if (caller.service !== 'codeartifact') {
        throw new ServiceError(
          'InvalidSignatureException',
          403,
          `Credential should be scoped to correct service: 'codeartifact'. The request was signed for '${caller.service}'.`,
        );
      }

      const key = `${req.method} ${url.pathname}`;
      const op = routes.get(key);
      if (!op) {
        throw validationError(
          `No CodeArtifact operation is routed at ${req.method} ${url.pathname}. Check the method and path against the CodeArtifact API reference.`,
          'UNKNOWN_OPERATION',
        );
      }
      if (faults.targets('throttle', op.name)) throw throttled(`Rate exceeded for ${op.name} [fault: throttle].`);
      if (faults.targets('error-on', op.name)) throw internalError(`${op.name} failed inside the service [fault: error-on].`);
      const ctx: RequestContext = {
        ...services,
        region: caller.region,
        account: accountId,
        state: store.region(caller.region),
        requestId,
      };
      const input = parseInput(op.input, buildInput(op, url.searchParams, req, body));
      const result = await op.handler(input, ctx);
      // Acknowledged only once it is on disk (with --data-dir).
      if (op.method !== 'GET') await services.changed();
      if (result instanceof RawResponse) {
        res.writeHead(result.status, { ...result.headers, 'x-amzn-RequestId': requestId });
        res.end(result.body);
        return;
      }
      const json = JSON.stringify(result ?? {});
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(json),
        'x-amzn-RequestId': requestId,
      });
      res.end(json);
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      if (res.headersSent) return;
      if (isStsRequest(req)) {
        res.writeHead(err.status, { 'content-type': 'text/xml', 'x-amzn-RequestId': requestId });
        res.end(errorXml(STS_ERROR_CODES[err.type] ?? err.type, err.message, requestId));
        return;
      }
      sendError(res, err, requestId);
    }
  }

  /** Which limit applies to a request's body: publishes may be large, everything else is small. */
  function bodyLimit(req: IncomingMessage, pathname: string, npm: boolean): [number, BodyBudget, string] {
    if (npm) {
      return req.method === 'PUT'
        ? [limits.publishBodyBytes, budget, 'npm publish body']
        : [limits.controlBodyBytes, budget, 'request body'];
    }
    if (routes.get(`${req.method} ${pathname}`)?.rawBody) return [limits.publishBodyBytes, budget, 'package asset'];
    return [limits.controlBodyBytes, budget, 'request body'];
  }

  /** GET lists active faults; PUT {"name","arg"} switches one on; DELETE [?name=] switches off. */
  function faultAdmin(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    try {
      if (req.method === 'PUT') {
        const { name, arg } = JSON.parse(body.toString('utf8') || '{}') as { name?: string; arg?: string };
        faults.set(...Faults.parse(arg === undefined ? String(name) : `${name}=${arg}`));
      } else if (req.method === 'DELETE') {
        const name = new URL(req.url ?? '/', 'http://emulator').searchParams.get('name');
        if (name && !(name in FAULTS)) throw new Error(`unknown fault '${name}'`);
        faults.clear((name ?? undefined) as FaultName | undefined);
      } else if (req.method !== 'GET') {
        return reply(405, { message: 'Use GET, PUT or DELETE.' });
      }
      reply(200, { active: faults.list(), known: FAULTS });
    } catch (err) {
      reply(400, { message: (err as Error).message });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: baseUrl,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          persistence?.flush();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

function sendError(res: ServerResponse, err: ServiceError, requestId: string): void {
  const json = JSON.stringify(err.body());
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    'x-amzn-ErrorType': err.type,
    'x-amzn-RequestId': requestId,
    ...err.headers,
  });
  res.end(json);
}

/** STS (a query-protocol service) names the same authentication failures differently. */
const STS_ERROR_CODES: Record<string, string> = {
  InvalidSignatureException: 'SignatureDoesNotMatch',
  UnrecognizedClientException: 'InvalidClientTokenId',
  MissingAuthenticationTokenException: 'MissingAuthenticationToken',
  IncompleteSignatureException: 'IncompleteSignature',
};

/** An STS request is a form POST to "/"; its errors must be XML so STS clients can read them. */
function isStsRequest(req: IncomingMessage): boolean {
  return (
    req.method === 'POST' &&
    (req.url === '/' || req.url === '') &&
    String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
  );
}

function buildInput(op: Operation, params: URLSearchParams, req: IncomingMessage, body: Buffer): Record<string, unknown> {
  let input: Record<string, unknown> = {};
  if (op.rawBody) {
    input[op.rawBody] = body;
  } else if (body.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw validationError('The request body is not valid JSON. Send a JSON object.', 'CANNOT_PARSE');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw validationError('The request body must be a JSON object.', 'CANNOT_PARSE');
    }
    const problem = jsonShapeProblem(parsed, CONTROL_JSON);
    if (problem) throw validationError(`The request body cannot be handled: ${problem}.`, 'CANNOT_PARSE');
    input = parsed as Record<string, unknown>;
  }
  for (const [member, name] of Object.entries(op.query ?? {})) {
    const value = params.get(name);
    if (value !== null) input[member] = value;
  }
  for (const [member, name] of Object.entries(op.headers ?? {})) {
    const value = req.headers[name];
    if (typeof value === 'string') input[member] = value;
  }
  return input;
}

/** Path and query of a request target, without the cost of a full WHATWG URL parse. */
function splitUrl(target: string): { pathname: string; searchParams: URLSearchParams } {
  const q = target.indexOf('?');
  return q < 0
    ? { pathname: target, searchParams: new URLSearchParams() }
    : { pathname: target.slice(0, q), searchParams: new URLSearchParams(target.slice(q + 1)) };
}

function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of params) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
