/**
 * SigV4 verification. We never compute HMACs by hand: the request is re-signed with
 * @smithy/signature-v4 (the signer the AWS SDK itself uses), restricted to the headers the
 * client says it signed, and the two signatures are compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { authErrors } from './errors.ts';

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

class Sha256 extends Hash {
  constructor(secret?: unknown) {
    super('sha256', secret as never);
  }
}

export class SigV4Verifier {
  private readonly signers = new Map<string, SignatureV4>();

  constructor(credentials: Credential[], private readonly now: () => number = Date.now) {
    for (const c of credentials) {
      // One signer per key: it caches derived signing keys per day, region and service.
      this.signers.set(
        c.accessKeyId,
        new SignatureV4({
          credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
          region: 'us-east-1',
          service: 'codeartifact',
          sha256: Sha256,
          applyChecksum: false,
        }),
      );
    }
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
    const signer = this.signers.get(accessKeyId!);
    if (!signer) throw authErrors.unknownKey();

    const amzDate = header(req.headers, 'x-amz-date');
    if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
      throw authErrors.incomplete('Authorization header requires existence of either a \'X-Amz-Date\' or a \'Date\' header.');
    }
    if (amzDate.slice(0, 8) !== shortDate) {
      throw authErrors.badSignature();
    }
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const skew = Math.abs(this.now() - signingDate.getTime());
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
    const request = new HttpRequest({
      method: req.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: req.path,
      query: req.query,
      headers,
      body: req.body,
    });
    const signed = await signer.sign(request, {
      signingDate,
      signingRegion: region,
      signingService: service,
      signableHeaders: new Set(signedHeaders),
    });
    const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? signed.headers.Authorization))?.[1];
    if (!expected || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature!.toLowerCase()))) {
      throw authErrors.badSignature();
    }
    return { accessKeyId: accessKeyId!, region: region!, service: service! };
  }
}

function header(headers: IncomingSignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
