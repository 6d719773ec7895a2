/**
 * CodeArtifact authorization tokens. To clients they are opaque strings; here they are
 * HMAC-sealed claims (domain, owner, region, expiry), so any token can be checked without a
 * lookup table and a token for one domain is worthless for another.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  domain: string;
  owner: string;
  region: string;
  /** The domain's incarnation: a token dies with its domain, even if the name comes back. */
  did?: string;
  /** Expiry, epoch milliseconds. */
  exp: number;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'expired' };

export class TokenIssuer {
  constructor(private readonly secret: Buffer = randomBytes(32)) {}

  issue(claims: TokenClaims): string {
    const payload = Buffer.from(JSON.stringify({ v: 1, ...claims, n: randomBytes(9).toString('base64url') })).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  check(token: string, now = Date.now()): TokenCheck {
    const dot = token.indexOf('.');
    if (dot <= 0) return { ok: false, reason: 'malformed' };
    const payload = token.slice(0, dot);
    const mac = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.mac(payload));
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return { ok: false, reason: 'malformed' };
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (typeof claims.exp !== 'number' || claims.exp <= now) return { ok: false, reason: 'expired' };
    return { ok: true, claims };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
