/**
 * Refusals the npm endpoint owes AWS parity, kept apart from the registry protocol:
 * - a token whose domain was deleted (also when a domain of that name was created again);
 * - a repository whose upstream graph dangles (an upstream was deleted under it);
 * - a publish the package's group forbids (PUBLISH), or of a version that already exists in a
 *   reachable upstream or through the external connection (user guide, "Publishing and
 *   upstream repositories": "If a package version exists in an upstream repository or is
 *   available from an external connection, publishing it to the downstream repository fails
 *   with a 409 conflict").
 */
import type { Services } from '../core/operation.ts';
import type { TokenClaims } from '../core/tokens.ts';
import type { DomainRecord, RepositoryRecord } from '../core/store.ts';
import { resolvePackage, type PackageId } from '../packages/graph.ts';
import { groupAllows } from '../packages/groups.ts';

/** Why a well-formed, unexpired token no longer opens its domain, if it does not. */
export function revokedToken(services: Services, claims: TokenClaims): string | undefined {
  const domain = services.store.region(claims.region).domain(claims.owner, claims.domain);
  if (!domain)
    return `The authorization token is for domain ${claims.domain}, which no longer exists. Get a new token with aws codeartifact login --tool npm.`;
  if ((claims.did ?? null) !== (domain.incarnation ?? null)) {
    return `The authorization token is for an earlier domain named ${claims.domain}, which was deleted. Get a new token with aws codeartifact login --tool npm.`;
  }
  return undefined;
}

/** AWS's message when a repository in the graph lists an upstream that was deleted. */
export function danglingGraph(domain: DomainRecord, start: RepositoryRecord): { status: number; message: string } | undefined {
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const repo = queue.shift()!;
    if (seen.has(repo.name)) continue;
    seen.add(repo.name);
    if (repo.danglingUpstreams?.length) {
      // The first sentence is AWS's (issue 14 quotes it); the status and the rest are ours: no
      // public transcript of this answer gives them.
      return {
        status: 404,
        message: `A repository referenced in your upstream graph no longer exists. Repository ${repo.name} lists ${repo.danglingUpstreams.join(', ')} as upstream; call UpdateRepository on ${repo.name} to update its upstreams.`,
      };
    }
    for (const name of repo.upstreams) {
      const next = domain.repositories.get(name);
      if (next) queue.push(next);
    }
  }
  return undefined;
}

/** Why publishing this version to `repository` is refused, if it is. */
export async function publishRefusal(
  services: Services,
  domain: DomainRecord,
  repository: RepositoryRecord,
  id: PackageId,
  version: string,
): Promise<{ status: number; message: string } | undefined> {
  const name = id.namespace ? `@${id.namespace}/${id.name}` : id.name;
  if (!groupAllows(domain, repository, id, 'PUBLISH')) {
    return {
      status: 403,
      message: `Publishing ${name} to ${repository.name} is blocked by the origin configuration of its package group (PUBLISH).`,
    };
  }
  const pkg = repository.packages.get(`${id.format}:${id.namespace ?? ''}:${id.name}`);
  // Only where upstreams are allowed for the package can an upstream version clash.
  if (!pkg || pkg.originConfiguration.restrictions.upstream !== 'ALLOW') return undefined;
  const resolved = await resolvePackage(services, domain, repository, id);
  const source = resolved.versions.get(version);
  if (!source || (source.stored && source.repository === repository)) return undefined;
  const where = source.external
    ? `through the external connection ${source.external.connection} of ${source.repository.name}`
    : `in upstream repository ${source.repository.name}`;
  return {
    status: 409,
    message: `${name}@${version} already exists ${where}; a version that exists upstream cannot be published to ${repository.name}.`,
  };
}
