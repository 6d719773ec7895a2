/** Tagging by ARN: domains and repositories of the caller's account in the signed region. */
import { z } from 'zod';
import { notFound, quotaExceeded, validationError } from '../core/errors.ts';
import { defineOperation, type RequestContext } from '../core/operation.ts';
import { shapes, TagKeyList, TagList } from '../core/shapes.ts';
import { mergeTags, type Tag } from '../core/store.ts';

const MAX_TAGS = 50;
const ARN = /^arn:aws:codeartifact:([a-z0-9-]+):(\d{12}):(domain|repository)\/([^/]+)(?:\/([^/]+))?$/;

function resolve(ctx: RequestContext, arn: string): { tags: Tag[]; kind: 'domain' | 'repository' } {
  const m = ARN.exec(arn);
  if (!m) {
    throw validationError(
      `'${arn}' is not a CodeArtifact resource ARN. Use arn:aws:codeartifact:<region>:<account>:domain/<domain> or .../repository/<domain>/<repository>.`,
    );
  }
  const [, region, owner, kind, domainName, repoName] = m as unknown as [string, string, string, string, string, string?];
  const type = kind === 'domain' ? 'domain' : 'repository';
  const missing = () => notFound(type, arn, `Resource not found: ${arn}`);
  if ((kind === 'domain') !== (repoName === undefined)) throw missing();
  const domain = ctx.store.region(region).domain(owner, domainName);
  if (!domain || region !== ctx.region) throw missing();
  const resource = kind === 'domain' ? domain : domain.repositories.get(repoName!);
  if (!resource) throw missing();
  return {
    get tags() {
      return resource.tags;
    },
    set tags(v) {
      resource.tags = v;
    },
    kind: type,
  };
}

const arnLocation = { resourceArn: 'resourceArn' };

export const listTagsForResource = defineOperation({
  name: 'ListTagsForResource',
  method: 'POST',
  path: '/v1/tags',
  query: arnLocation,
  input: z.object({ resourceArn: shapes.Arn }),
  handler(input, ctx) {
    return { tags: resolve(ctx, input.resourceArn).tags.map((t) => ({ ...t })) };
  },
});

export const tagResource = defineOperation({
  name: 'TagResource',
  method: 'POST',
  path: '/v1/tag',
  query: arnLocation,
  input: z.object({ resourceArn: shapes.Arn, tags: TagList }),
  handler(input, ctx) {
    const resource = resolve(ctx, input.resourceArn);
    const merged = mergeTags(resource.tags, input.tags);
    if (merged.length > MAX_TAGS) {
      throw quotaExceeded(
        resource.kind,
        input.resourceArn,
        `A resource can have at most ${MAX_TAGS} tags; this would make ${merged.length}.`,
      );
    }
    resource.tags = merged;
    return {};
  },
});

export const untagResource = defineOperation({
  name: 'UntagResource',
  method: 'POST',
  path: '/v1/untag',
  query: arnLocation,
  input: z.object({ resourceArn: shapes.Arn, tagKeys: TagKeyList }),
  handler(input, ctx) {
    const resource = resolve(ctx, input.resourceArn);
    const remove = new Set(input.tagKeys);
    resource.tags = resource.tags.filter((t) => !remove.has(t.key));
    return {};
  },
});
