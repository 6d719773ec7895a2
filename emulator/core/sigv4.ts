/**
 * SigV4 verification. We never compute HMACs by hand: the canonical request, string to sign
 * and signing key come from @smithy/signature-v4 (the signer the AWS SDK itself uses),
 * restricted to the headers the client says it signed; the signature is compared in constant
 * time. Derived signing keys are cached per key, day, region and service, as AWS does.
 */
import { timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { createScope, getCanonicalHeaders, getPayloadHash, getSigningKey, SignatureV4Base } from '@smithy/signature-v4';
import { authErrors, ServiceError } from './errors.ts';
import { isAwsRegion } from './regions.ts';

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface VerifiedCaller {
  accessKeyId: string;
  region: string;
  service: string;
}

export interface IncomingSignedRequest {
  method: string;
  /** Decoded path, without the query string. */
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;\-_.]+),\s*Signature=([0-9a-f]{64})\s*$/i;

/** AWS allows this much clock difference between client and service. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_CACHED_KEYS = 256;

class Sha256 extends Hash {
  constructor(secret?: unknown) {
    super('sha256', secret as never);
  }
}

/** The library's canonicalisation, opened up for verifying instead of signing. */
class CanonicalSigner extends SignatureV4Base {
  /** Most calls are bodiless GETs; the library's hash of the empty body is computed once. */
  private emptyPayloadHash: Promise<string> | undefined;

  constructor() {
    super({ service: 'codeartifact', region: 'us-east-1', credentials: { accessKeyId: '', secretAccessKey: '' }, sha256: Sha256 });
  }

  async stringToSign(
    request: { method: string; path: string; query: Record<string, string | string[]>; headers: Record<string, string> },
    signableHeaders: Set<string>,
    longDate: string,
    scope: string,
  ): Promise<string> {
    const canonicalHeaders = getCanonicalHeaders(request as never, undefined, signableHeaders);
    // Hash the body actually received: a client-declared x-amz-content-sha256 must match it,
    // or a body changed after signing would pass.
    const { 'x-amz-content-sha256': declared, ...rest } = request.headers;
    const body = (request as { body?: Buffer }).body;
    const payloadHash =
      body === undefined || body.length === 0
        ? await (this.emptyPayloadHash ??= getPayloadHash({ headers: {}, body: Buffer.alloc(0) } as never, Sha256))
        : await getPayloadHash({ ...request, headers: rest } as never, Sha256);
    if (declared !== undefined && declared !== payloadHash) throw authErrors.badSignature();
    return this.createStringToSign(
      longDate,
      scope,
      this.createCanonicalRequest(request as never, canonicalHeaders, payloadHash),
      'AWS4-HMAC-SHA256',
    );
  }
}

export class SigV4Verifier {
  private readonly secrets = new Map<string, Credential>();
  private readonly keys = new Map<string, Promise<Uint8Array>>();
  private readonly canonical = new CanonicalSigner();

  constructor(
    credentials: Credential[],
    private readonly now: () => number = Date.now,
  ) {
    for (const c of credentials) this.secrets.set(c.accessKeyId, c);
  }

  private signingKey(credential: Credential, shortDate: string, region: string, service: string): Promise<Uint8Array> {
    const id = `${credential.accessKeyId}/${shortDate}/${region}/${service}`;
    let key = this.keys.get(id);
    if (!key) {
      if (this.keys.size >= MAX_CACHED_KEYS) this.keys.clear();
      key = getSigningKey(Sha256, credential, shortDate, region, service);
      this.keys.set(id, key);
    }
    return key;
  }

  async verify(req: IncomingSignedRequest): Promise<VerifiedCaller> {
    const authorization = header(req.headers, 'authorization');
    if (!authorization) throw authErrors.missing();
    const m = AUTH_PATTERN.exec(authorization);
    if (!m) {
      throw authErrors.incomplete(
        `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters in AWS4-HMAC-SHA256 form. Authorization=${authorization.split(/\s/)[0] ?? ''}`,
      );
    }
    const [, accessKeyId, shortDate, region, service, signedHeaderList, signature] = m as unknown as string[];
    const credential = this.secrets.get(accessKeyId!);
    if (!credential) throw authErrors.unknownKey();
    if (!isAwsRegion(region!)) {
      // AWS's answer to a scope naming no region it has.
      throw new ServiceError('InvalidSignatureException', 403, `Credential should be scoped to a valid region, not '${region}'. `);
    }

    const amzDate = header(req.headers, 'x-amz-date');
    if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
      throw authErrors.incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    }
    if (amzDate.slice(0, 8) !== shortDate) throw authErrors.badSignature();
    const signedAt = Date.UTC(
      Number(amzDate.slice(0, 4)),
      Number(amzDate.slice(4, 6)) - 1,
      Number(amzDate.slice(6, 8)),
      Number(amzDate.slice(9, 11)),
      Number(amzDate.slice(11, 13)),
      Number(amzDate.slice(13, 15)),
    );
    const skew = Math.abs(this.now() - signedAt);
    if (!Number.isFinite(skew) || skew > MAX_SKEW_MS) {
      throw authErrors.expired(`${amzDate} is not within 15 minutes of the service's clock.`);
    }

    const signedHeaders = signedHeaderList!.toLowerCase().split(';');
    if (!signedHeaders.includes('host')) {
      throw authErrors.incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = req.headers[name];
      if (value === undefined) throw authErrors.badSignature();
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const stringToSign = await this.canonical.stringToSign(
      { method: req.method, path: req.path, query: req.query, headers, body: req.body } as never,
      new Set(signedHeaders),
      amzDate,
      createScope(shortDate!, region!, service!),
    );
    const hmac = new Sha256(await this.signingKey(credential, shortDate!, region!, service!));
    hmac.update(stringToSign);
    const expected = Buffer.from(await hmac.digest()).toString('hex');
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature!.toLowerCase()))) {
      throw authErrors.badSignature();
    }
    return { accessKeyId: accessKeyId!, region: region!, service: service! };
  }
}

function header(headers: IncomingSignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
