/**
 * The emulator's HTTP pipeline: read the request, verify its SigV4 signature, route it by
 * method + path to one operation of the table, build and validate the input from the query
 * string, headers and JSON body, run the handler and render the result or a modeled error.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceError, validationError } from './core/errors.ts';
import { RawResponse, type EmulatorSettings, type Operation, type RequestContext } from './core/operation.ts';
import { parseInput } from './core/shapes.ts';
import { SigV4Verifier, type Credential } from './core/sigv4.ts';
import { Store } from './core/store.ts';
import { TokenIssuer } from './core/tokens.ts';
import { operations, unimplemented } from './operations.ts';
import { answerSts, errorXml } from './sts.ts';

export interface EmulatorOptions {
  host?: string;
  port?: number;
  accountId?: string;
  credentials?: Credential[];
  /** Where to report unexpected failures; defaults to stderr. */
  log?: (line: string) => void;
}

export interface RunningEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_ACCOUNT_ID = '000000000000';
export const DEFAULT_CREDENTIALS: Credential[] = [{ accessKeyId: 'test', secretAccessKey: 'test' }];
const MAX_BODY_BYTES = 64 * 1024 * 1024;

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
  const tokens = new TokenIssuer();
  let baseUrl = '';
  const settings: EmulatorSettings = { accountId, baseUrl: () => baseUrl };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`emulator: unexpected failure on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent) sendError(res, new ServiceError('InternalServerException', 500, 'Internal failure in the emulator.'), randomUUID());
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://emulator');
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
        const name = unimplemented[key];
        throw validationError(
          name
            ? `The emulator does not implement ${name} yet.`
            : `No CodeArtifact operation is routed at ${req.method} ${url.pathname}. Check the method and path against the CodeArtifact API reference.`,
          'UNKNOWN_OPERATION',
        );
      }
      const ctx: RequestContext = {
        region: caller.region,
        account: accountId,
        state: store.region(caller.region),
        store,
        tokens,
        settings,
        requestId,
      };
      const input = parseInput(op.input, buildInput(op, url.searchParams, req, body));
      const result = await op.handler(input, ctx);
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
      if (isStsRequest(req)) {
        res.writeHead(err.status, { 'content-type': 'text/xml', 'x-amzn-RequestId': requestId });
        res.end(errorXml(err.type, err.message, requestId));
        return;
      }
      sendError(res, err, requestId);
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
        server.close(() => resolve());
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

/** An STS request is a form POST to "/"; its errors must be XML so STS clients can read them. */
function isStsRequest(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.url === '/' || req.url === '') &&
    String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
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

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw validationError(`The request body is larger than ${MAX_BODY_BYTES} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
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
