/** What a package manager needs to reach a repository: a token and the endpoint URL. */
import { z } from 'zod';
import { validationError } from '../core/errors.ts';
import { defineOperation } from '../core/operation.ts';
import { shapes } from '../core/shapes.ts';
import { requireDomain, requireRepository } from './resources.ts';

export const DEFAULT_TOKEN_SECONDS = 12 * 60 * 60;
const MIN_TOKEN_SECONDS = 15 * 60;

export const getAuthorizationToken = defineOperation({
  name: 'GetAuthorizationToken',
  method: 'POST',
  path: '/v1/authorization-token',
  query: { domain: 'domain', domainOwner: 'domain-owner', durationSeconds: 'duration' },
  input: z.object({
    domain: shapes.DomainName,
    domainOwner: shapes.AccountId.optional(),
    durationSeconds: shapes.AuthorizationTokenDurationSeconds.optional(),
  }),
  handler(input, ctx) {
    const d = requireDomain(ctx, input.domain, input.domainOwner);
    const duration = input.durationSeconds;
    if (duration !== undefined && duration !== 0 && duration < MIN_TOKEN_SECONDS) {
      throw validationError(
        `durationSeconds ${duration} is out of range: pass 0 (as long as the caller's credentials last) or a value from ${MIN_TOKEN_SECONDS} to 43200.`,
      );
    }
    // 0 means "as long as the caller's session"; the emulator's static keys never expire, so 12 h.
    const seconds = duration === undefined || duration === 0 ? DEFAULT_TOKEN_SECONDS : duration;
    const expMs = Math.floor(Date.now() / 1000) * 1000 + seconds * 1000;
    const authorizationToken = ctx.tokens.issue({
      domain: d.name,
      owner: d.owner,
      region: ctx.region,
      ...(d.incarnation ? { did: d.incarnation } : {}),
      exp: expMs,
    });
    return { authorizationToken, expiration: expMs / 1000 };
  },
});

/** Path prefix of a repository's package endpoints; the data plane parses the same shape. */
export function repositoryEndpointPath(domain: string, owner: string, region: string, format: string, repository: string) {
  return `/${domain}-${owner}/${region}/${format}/${repository}/`;
}

export const getRepositoryEndpoint = defineOperation({
  name: 'GetRepositoryEndpoint',
  method: 'GET',
  path: '/v1/repository/endpoint',
  query: {
    domain: 'domain',
    domainOwner: 'domain-owner',
    repository: 'repository',
    format: 'format',
    endpointType: 'endpointType',
  },
  input: z.object({
    domain: shapes.DomainName,
    domainOwner: shapes.AccountId.optional(),
    repository: shapes.RepositoryName,
    format: shapes.PackageFormat,
    endpointType: shapes.EndpointType.optional(),
  }),
  handler(input, ctx) {
    const { domain, repository } = requireRepository(ctx, input.domain, input.domainOwner, input.repository);
    const path = repositoryEndpointPath(domain.name, domain.owner, ctx.region, input.format, repository.name);
    return { repositoryEndpoint: `${ctx.settings.baseUrl()}${path}` };
  },
});
