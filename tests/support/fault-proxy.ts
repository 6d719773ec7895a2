/**
 * A fault-injecting HTTP proxy between the harness and a CodeArtifact target (use it with the
 * `endpoint` target: CONFORMANCE_ENDPOINT_URL=<proxy url>). It forwards every request as is
 * (the Host header too, so SigV4 signatures still verify), and rewrites the target's own URL
 * in answers to its own, so that the npm data plane (the repository endpoint the control
 * plane hands out, tarball URLs in packuments) goes through it as well.
 *
 * What it does to answers is a list of rules: match an operation (or route) and a client,
 * then rewrite the JSON, the status, drop the answer or delay it. Rules may keep state, to
 * play AWS-like behaviours (a deleted domain still listed for a while, a 409 on the first
 * delete, a 403 on TagResource, tarball URLs with an explicit default port).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Who sent a request: the aws CLI, the harness's SDK client, or a package manager. */
export type Client = 'cli' | 'sdk' | 'npm' | 'other';

export interface ProxiedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** The CodeArtifact operation (rest-json route), `npm:packument`, `npm:tarball`, `sts:GetCallerIdentity`, or `unknown`. */
  operation: string;
  client: Client;
  query: URLSearchParams;
  body: string;
  /** The region the request was signed for (from its SigV4 credential scope). */
  region: string | undefined;
}

export interface ProxiedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export interface FaultAction {
  /** Answer with this status instead (with `json` or the original body). */
  status?: number;
  /** Rewrite the raw answer (e.g. a tarball's bytes). */
  raw?(body: Buffer): Buffer;
  /** Rewrite the JSON answer; return the new value. */
  json?(body: any, request: ProxiedRequest, state: Map<string, unknown>): unknown;
  /** Answer headers to set (e.g. x-amzn-ErrorType with an error status). */
  headers?: Record<string, string>;
  /** Close the connection without an answer. */
  drop?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Do not forward the request at all (the target never sees it): answer with status/json alone. */
  shortCircuit?: boolean;
}

export interface FaultRule {
  name: string;
  /** Operation names (see ProxiedRequest.operation); absent: every request. */
  operation?: string | string[];
  client?: Client | Client[];
  /** Further condition on the request (e.g. the repository named in the query). */
  when?(request: ProxiedRequest, state: Map<string, unknown>): boolean;
  /** Apply to the first N matching requests only. */
  times?: number;
  action: FaultAction;
}

export interface FaultProxy {
  url: string;
  /** How many requests each rule changed. */
  hits: Map<string, number>;
  /** Every request seen, by operation and client. */
  seen: { operation: string; client: Client; status: number }[];
  /** The rules' shared state (cleared by setRules). */
  state: Map<string, unknown>;
  setRules(rules: FaultRule[]): void;
  close(): Promise<void>;
}

/** The tutorial's CodeArtifact operations by method and path (rest-json routes of API 2018-09-22). */
const ROUTES: [string, string, string][] = [
  ['POST', '/v1/domain', 'CreateDomain'],
  ['GET', '/v1/domain', 'DescribeDomain'],
  ['DELETE', '/v1/domain', 'DeleteDomain'],
  ['POST', '/v1/domains', 'ListDomains'],
  ['POST', '/v1/repository', 'CreateRepository'],
  ['GET', '/v1/repository', 'DescribeRepository'],
  ['PUT', '/v1/repository', 'UpdateRepository'],
  ['DELETE', '/v1/repository', 'DeleteRepository'],
  ['POST', '/v1/repositories', 'ListRepositories'],
  ['POST', '/v1/domain/repositories', 'ListRepositoriesInDomain'],
  ['POST', '/v1/repository/external-connection', 'AssociateExternalConnection'],
  ['DELETE', '/v1/repository/external-connection', 'DisassociateExternalConnection'],
  ['GET', '/v1/repository/endpoint', 'GetRepositoryEndpoint'],
  ['POST', '/v1/authorization-token', 'GetAuthorizationToken'],
  ['POST', '/v1/packages', 'ListPackages'],
  ['POST', '/v1/package/versions', 'ListPackageVersions'],
  ['POST', '/v1/tag', 'TagResource'],
  ['POST', '/v1/untag', 'UntagResource'],
  ['POST', '/v1/tags', 'ListTagsForResource'],
];

export function operationOf(method: string, url: string, body: string): string {
  const path = url.split('?')[0]!;
  const route = ROUTES.find(([m, p]) => m === method && p === path);
  if (route) return route[2];
  if (/\/npm\/[^/]+\/.+\/-\/[^/]+\.tgz$/.test(path)) return 'npm:tarball';
  if (/\/npm\/[^/]+\/[^-].*/.test(path)) return 'npm:packument';
  if (method === 'POST' && path === '/' && /Action=GetCallerIdentity/.test(body)) return 'sts:GetCallerIdentity';
  return 'unknown';
}

export function clientOf(headers: IncomingHttpHeaders): Client {
  const ua = String(headers['user-agent'] ?? '');
  if (/^aws-cli\//.test(ua)) return 'cli';
  if (/aws-sdk-js/.test(ua)) return 'sdk';
  if (/^(npm|pnpm|yarn)\//.test(ua)) return 'npm';
  return 'other';
}

const listOf = <T>(v: T | T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface ProxyListen {
  /** Default 127.0.0.1; any 127.x.y.z works on Linux, which lets a proxy have the default port to itself. */
  host?: string;
  /** Default 0 (a free port). 80 makes the proxy's URL `http://<host>` with the default port implied, as AWS's https URLs are. */
  port?: number;
}

export async function startFaultProxy(targetUrl: string, rules: FaultRule[] = [], listen: ProxyListen = {}): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  let current = rules;
  const hits = new Map<string, number>();
  const seen: FaultProxy['seen'] = [];
  const state = new Map<string, unknown>();
  let selfOrigin = '';

  const forward = (req: IncomingMessage, body: Buffer): Promise<ProxiedResponse> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers };
      // An identity body, so that rewriting it needs no decompression.
      delete headers['accept-encoding'];
      const out = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (res) => {
        readBody(res).then(
          (b) => resolve({ status: res.statusCode ?? 502, headers: res.headers as ProxiedResponse['headers'], body: b }),
          reject,
        );
      });
      out.on('error', reject);
      out.end(body);
    });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const method = req.method ?? 'GET';
      const url = req.url ?? '/';
      const request: ProxiedRequest = {
        method,
        url,
        operation: operationOf(method, url, body.toString('utf8')),
        client: clientOf(req.headers),
        query: new URL(url, 'http://x').searchParams,
        body: body.toString('utf8'),
        region: /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1],
      };
      const rule = current.find((r) => {
        if (r.operation && !listOf(r.operation)!.includes(request.operation)) return false;
        if (r.client && !listOf(r.client)!.includes(request.client)) return false;
        if (r.times !== undefined && (hits.get(r.name) ?? 0) >= r.times) return false;
        return r.when ? r.when(request, state) : true;
      });
      if (rule) hits.set(rule.name, (hits.get(rule.name) ?? 0) + 1);
      const action = rule?.action;
      if (action?.delayMs) await new Promise((r) => setTimeout(r, action.delayMs));
      if (action?.drop) {
        seen.push({ operation: request.operation, client: request.client, status: 0 });
        req.socket.destroy();
        return;
      }
      let answer: ProxiedResponse = action?.shortCircuit
        ? { status: action.status ?? 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') }
        : await forward(req, body);
      // The target's own URL becomes the proxy's, so that the data plane comes through here too.
      let text = answer.body.toString('utf8');
      const isText = /json|text/.test(String(answer.headers['content-type'] ?? ''));
      if (isText) text = text.split(target.origin).join(selfOrigin);
      if (action?.json && isText) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        if (parsed !== undefined) text = JSON.stringify(action.json(parsed, request, state));
      }
      const headers = { ...answer.headers, ...action?.headers };
      delete headers['content-length'];
      delete headers['transfer-encoding'];
      delete headers['content-encoding'];
      const out = action?.raw ? action.raw(isText ? Buffer.from(text) : answer.body) : isText ? Buffer.from(text) : answer.body;
      answer = { status: action?.status ?? answer.status, headers, body: out };
      seen.push({ operation: request.operation, client: request.client, status: answer.status });
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(out.length) });
      res.end(out);
    })().catch((err: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `fault proxy: ${err.message}` }));
    });
  });
  const host = listen.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // As a URL spells it: a default port (80) is left out.
  selfOrigin = new URL(`http://${host}:${(server.address() as AddressInfo).port}`).origin;
  return {
    url: selfOrigin,
    hits,
    seen,
    state,
    setRules(rules) {
      current = rules;
      hits.clear();
      state.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
