/**
 * Raw HTTP to the emulator for the robustness tests and the fuzz suite: requests SigV4-signed
 * with @smithy/signature-v4 (as the SDK signs them) or deliberately not, sent with undici over
 * one keep-alive pool, answers read whole. Only ever to a local emulator.
 */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Agent, request as undiciRequest } from 'undici';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface WireRequest {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** false: no Authorization header; 'wrong': signed with a wrong secret. */
  sign?: boolean | 'wrong';
}

export interface WireAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  ms: number;
}

export function assertLocal(baseUrl: string): void {
  const host = new URL(baseUrl).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
    throw new Error(`Refusing to send test traffic to ${host}: only a local emulator (127.0.0.1) is allowed.`);
  }
}

const signers = new Map<string, SignatureV4>();
function signer(secret: string): SignatureV4 {
  let s = signers.get(secret);
  if (!s) {
    s = new SignatureV4({
      credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: secret },
      region: REGION,
      service: 'codeartifact',
      sha256: Hash.bind(null, 'sha256'),
      applyChecksum: true,
    });
    signers.set(secret, s);
  }
  return s;
}

/** The string with lone surrogates replaced by U+FFFD, as UTF-8 encoding does. */
export const wellFormed = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

export class Wire {
  readonly agent: Agent;
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 30_000,
  ) {
    assertLocal(baseUrl);
    this.agent = new Agent({ connections: 16, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  }

  /** The query string exactly as sent (and signed). */
  static queryString(query: Record<string, string> = {}): string {
    return Object.entries(query)
      .map(([k, v]) => `${encodeURIComponent(wellFormed(k))}=${encodeURIComponent(wellFormed(v))}`)
      .join('&');
  }

  async send(request: WireRequest): Promise<WireAnswer> {
    // A URL cannot carry a lone surrogate: send (and sign) what a client would, U+FFFD.
    const r = request.query
      ? { ...request, query: Object.fromEntries(Object.entries(request.query).map(([k, v]) => [wellFormed(k), wellFormed(String(v))])) }
      : request;
    const url = new URL(this.baseUrl);
    const headers: Record<string, string> = { host: url.host, ...r.headers };
    if (r.body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    if (r.sign !== false) {
      const unsigned = new HttpRequest({
        method: r.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: r.path,
        query: r.query ?? {},
        headers,
        ...(r.body !== undefined ? { body: r.body } : {}),
      });
      const signed = await signer(r.sign === 'wrong' ? 'not-the-secret' : CREDENTIALS.secretAccessKey).sign(unsigned);
      Object.assign(headers, signed.headers);
    }
    const qs = Wire.queryString(r.query);
    const started = performance.now();
    const res = await undiciRequest(`${url.origin}${r.path}${qs ? `?${qs}` : ''}`, {
      method: r.method as 'GET',
      headers,
      body: r.body ?? null,
      dispatcher: this.agent,
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, body, ms: performance.now() - started };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

export const json = (answer: WireAnswer): Record<string, unknown> => {
  try {
    return JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/** The npm endpoint of a repository, as GetRepositoryEndpoint names it (path only). */
export const npmPath = (domain: string, repository: string) => `/${domain}-${ACCOUNT}/${REGION}/npm/${repository}/`;
