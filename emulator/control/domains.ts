import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { conflict, validationError } from '../core/errors.ts';
import { defineOperation } from '../core/operation.ts';
import { pageInput, pageOf } from '../core/pagination.ts';
import { enforceQuota } from '../core/quotas.ts';
import { rootGroup } from '../packages/groups.ts';
import { shapes, TagList } from '../core/shapes.ts';
import { epochSeconds, RegionState, type DomainRecord } from '../core/store.ts';
import { defaultEncryptionKey, describeDomain, domainArn, requireDomain, summarizeDomain } from './resources.ts';

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/\S+$/;

export const createDomain = defineOperation({
  name: 'CreateDomain',
  method: 'POST',
  path: '/v1/domain',
  query: { domain: 'domain' },
  input: z.object({
    domain: shapes.DomainName,
    encryptionKey: shapes.Arn.optional(),
    tags: TagList.optional(),
  }),
  handler(input, ctx) {
    if (ctx.state.domain(ctx.account, input.domain)) {
      throw conflict('domain', input.domain, `Domain already exists. Domain name: ${input.domain}`);
    }
    if (input.encryptionKey !== undefined && !KMS_KEY_ARN.test(input.encryptionKey)) {
      throw validationError(
        `The encryption key '${input.encryptionKey}' is not a KMS key ARN. Pass an ARN of the form arn:aws:kms:<region>:<account>:key/<id>.`,
        'ENCRYPTION_KEY_ERROR',
      );
    }
    const owned = [...ctx.state.domains.values()].filter((d) => d.owner === ctx.account).length;
    enforceQuota(
      ctx.settings.quotas,
      'domainsPerAccount',
      owned,
      'domain',
      input.domain,
      `Account ${ctx.account} cannot have more domains in ${ctx.region}`,
    );
    const record: DomainRecord = {
      name: input.domain,
      owner: ctx.account,
      region: ctx.region,
      arn: domainArn(ctx.region, ctx.account, input.domain),
      encryptionKey: input.encryptionKey ?? defaultEncryptionKey(ctx.region, ctx.account),
      s3BucketArn: `arn:aws:s3:::assets-${ctx.account}-${ctx.region}`,
      createdTime: epochSeconds(),
      tags: input.tags ?? [],
      repositories: new Map(),
      incarnation: randomUUID(),
    };
    // Every domain has the root package group /*, created with it (user guide, "Package groups").
    record.packageGroups = [rootGroup(record)];
    ctx.state.domains.set(RegionState.key(ctx.account, input.domain), record);
    return { domain: describeDomain(record) };
  },
});

export const describeDomainOp = defineOperation({
  name: 'DescribeDomain',
  method: 'GET',
  path: '/v1/domain',
  query: { domain: 'domain', domainOwner: 'domain-owner' },
  input: z.object({ domain: shapes.DomainName, domainOwner: shapes.AccountId.optional() }),
  handler(input, ctx) {
    return { domain: describeDomain(requireDomain(ctx, input.domain, input.domainOwner)) };
  },
});

export const listDomains = defineOperation({
  name: 'ListDomains',
  method: 'POST',
  path: '/v1/domains',
  input: z.object(pageInput),
  handler(input, ctx) {
    const all = [...ctx.state.domains.values()].sort((a, b) => a.name.localeCompare(b.name));
    return pageOf('domains', all, input, { map: summarizeDomain });
  },
});

export const deleteDomain = defineOperation({
  name: 'DeleteDomain',
  method: 'DELETE',
  path: '/v1/domain',
  query: { domain: 'domain', domainOwner: 'domain-owner' },
  input: z.object({ domain: shapes.DomainName, domainOwner: shapes.AccountId.optional() }),
  handler(input, ctx) {
    const d = ctx.state.domain(input.domainOwner ?? ctx.account, input.domain);
    // AWS answers a delete of a missing domain with an empty success, not a 404.
    if (!d) return {};
    if (d.repositories.size > 0) {
      // AWS's wording and status, as AWS answered CloudFormation
      // (aws-cloudformation-resource-providers-codeartifact pull request 63).
      throw conflict('domain', d.name, 'Domain must contain 0 repositories before deletion');
    }
    ctx.state.domains.delete(RegionState.key(d.owner, d.name));
    return { domain: { ...describeDomain(d), status: 'Deleted' } };
  },
});
