/**
 * Secrets never leave memory: every string the harness records passes through here first.
 * Known secrets (tokens issued during the run, secret keys) are replaced wherever they occur;
 * token-shaped values in npm config lines and Authorization headers are masked even when
 * nobody registered them.
 */
const PATTERNS: RegExp[] = [
  /(_authToken\s*=\s*)[^\s"']+/g,
  /(_auth\s*=\s*)[^\s"']+/g,
  /(authorization:\s*(?:bearer|basic)\s+)[^\s"']+/gi,
  /("authorizationToken"\s*:\s*")[^"]+/g,
  /(aws_secret_access_key\s*=\s*)\S+/gi,
  /(AWS_SECRET_ACCESS_KEY=)\S+/g,
  /(AWS_SESSION_TOKEN=)\S+/g,
  // CodeArtifact tokens (AWS's and the emulator's) are base64url JSON: they start with "eyJ".
  /()\beyJ[A-Za-z0-9_-]{20,}(?:\.[A-Za-z0-9_\-=]+)*/g,
];

export const MASK = '***';

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    // Short values ("test") would mask ordinary words; only long secrets are replaced verbatim.
    if (secret && secret.length >= 8) out = out.split(secret).join(MASK);
  }
  for (const re of PATTERNS) out = out.replace(re, `$1${MASK}`);
  return out;
}
