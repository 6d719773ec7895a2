/**
 * Where a package came from, judged on parsed URLs rather than on text: CodeArtifact's
 * packuments have been reported to carry an explicit default port (`https://host:443/...`),
 * which npm, pnpm and yarn copy into their lockfiles, while GetRepositoryEndpoint answers
 * without one. `new URL()` drops a scheme's default port, lower-cases scheme and host and
 * resolves dot segments, so both spellings compare equal.
 */

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** The path as a folder: a repository endpoint `/npm/my-repo` and `/npm/my-repo/` are one place. */
function asFolder(pathname: string): string {
  return pathname.endsWith('/') ? pathname : `${pathname}/`;
}

/**
 * Is `url` at or below `prefix` (a registry endpoint)? Same scheme, same host, same port once
 * default ports are dropped, and a path inside the prefix's path. Query and fragment (yarn 1's
 * `#sha1`) do not count. A string that is not a URL is under nothing.
 */
export function isUnder(url: string, prefix: string): boolean {
  const u = parse(url);
  const p = parse(prefix);
  if (!u || !p) return false;
  if (u.protocol !== p.protocol || u.host !== p.host) return false;
  return asFolder(u.pathname).startsWith(asFolder(p.pathname));
}

/** Do two registry URLs name the same registry (scheme, host, default port and trailing slash aside)? */
export function sameRegistry(a: string, b: string): boolean {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return false;
  return x.protocol === y.protocol && x.host === y.host && asFolder(x.pathname) === asFolder(y.pathname);
}
