/**
 * The ten package-group operations. Semantics (pattern syntax, most specific group wins, the
 * root group `/*`, origin controls and their inheritance) live in packages/groups.ts; these
 * handlers validate, find and describe, as the API reference documents each operation.
 */
import { z } from 'zod';
import { conflict, notFound, validationError } from '../core/errors.ts';
import { defineOperation, type RequestContext } from '../core/operation.ts';
import { pageInput, pageOf, pageQuery } from '../core/pagination.ts';
import { enforceQuota } from '../core/quotas.ts';
import { enumOf, shapes, str, TagList } from '../core/shapes.ts';
import type { DomainRecord, PackageGroupRecord, PackageGroupRestrictionType } from '../core/store.ts';
import {
  associatedGroup,
  compareSpecificity,
  effectiveRestriction,
  groupsOf,
  matches,
  newGroup,
  parentOf,
  parsePattern,
  RESTRICTION_TYPES,
  ROOT_PATTERN,
} from '../packages/groups.ts';
import { requireDomain } from './resources.ts';

// Shapes of the API model (PackageGroupPattern, PackageGroupContactInfo, ...).
const PackageGroupPattern = str({ min: 2, max: 520, pattern: '[^\\p{C}]+' });
const PackageGroupPatternPrefix = str({ min: 0, max: 520, pattern: '[^\\p{C}]+' });
const ContactInfo = str({ min: 0, max: 1000, pattern: '\\P{C}*' });
const Description = str({ min: 0, max: 1000, pattern: '\\P{C}*' });
const RestrictionType = enumOf(['EXTERNAL_UPSTREAM', 'INTERNAL_UPSTREAM', 'PUBLISH']);
const RestrictionMode = enumOf(['ALLOW', 'ALLOW_SPECIFIC_REPOSITORIES', 'BLOCK', 'INHERIT']);
const AllowedRepositoryList = z
  .array(z.object({ repositoryName: shapes.RepositoryName.optional(), originRestrictionType: RestrictionType.optional() }))
  .max(100, 'Member must have length less than or equal to 100');

const domainLocation = { domain: 'domain', domainOwner: 'domain-owner' };
const groupLocation = { ...domainLocation, packageGroup: 'package-group' };
const domainId = { domain: shapes.DomainName, domainOwner: shapes.AccountId.optional() };
const groupId = { ...domainId, packageGroup: PackageGroupPattern };

function requireGroup(domain: DomainRecord, pattern: string): PackageGroupRecord {
  const group = groupsOf(domain).find((g) => g.pattern === pattern);
  if (!group) {
    throw notFound(
      'package',
      pattern,
      `Package group not found. Package group '${pattern}' in domain '${domain.name}' owned by account '${domain.owner}' does not exist.`,
    );
  }
  return group;
}

/** The domain and the package group an operation names. */
function requireNamedGroup(ctx: RequestContext, input: { domain: string; domainOwner?: string | undefined; packageGroup: string }) {
  const domain = requireDomain(ctx, input.domain, input.domainOwner);
  return { domain, group: requireGroup(domain, input.packageGroup) };
}

const reference = (g: PackageGroupRecord) => ({ arn: g.arn, pattern: g.pattern });

export function describeGroup(domain: DomainRecord, g: PackageGroupRecord) {
  const parent = parentOf(domain, g);
  const restrictions = Object.fromEntries(
    RESTRICTION_TYPES.map((type) => {
      const effective = effectiveRestriction(domain, g, type);
      return [
        type,
        {
          mode: g.restrictions[type],
          effectiveMode: effective.mode,
          ...(g.restrictions[type] === 'INHERIT' ? { inheritedFrom: reference(effective.from) } : {}),
          repositoriesCount: g.allowedRepositories[type].length,
        },
      ];
    }),
  );
  return {
    arn: g.arn,
    pattern: g.pattern,
    domainName: domain.name,
    domainOwner: domain.owner,
    createdTime: g.createdTime,
    ...(g.contactInfo !== undefined ? { contactInfo: g.contactInfo } : {}),
    ...(g.description !== undefined ? { description: g.description } : {}),
    originConfiguration: { restrictions },
    ...(parent ? { parent: reference(parent) } : {}),
  };
}

/** Patterns are compared as written; the root is always `/*`. */
const byPattern = (a: PackageGroupRecord, b: PackageGroupRecord) => a.pattern.localeCompare(b.pattern);

export const createPackageGroup = defineOperation({
  name: 'CreatePackageGroup',
  method: 'POST',
  path: '/v1/package-group',
  query: domainLocation,
  input: z.object({
    ...domainId,
    packageGroup: PackageGroupPattern,
    contactInfo: ContactInfo.optional(),
    description: Description.optional(),
    tags: TagList.optional(),
  }),
  handler(input, ctx) {
    const domain = requireDomain(ctx, input.domain, input.domainOwner);
    parsePattern(input.packageGroup);
    const groups = groupsOf(domain);
    if (groups.some((g) => g.pattern === input.packageGroup)) {
      throw conflict('package', input.packageGroup, `Package group '${input.packageGroup}' already exists in domain '${domain.name}'.`);
    }
    enforceQuota(
      ctx.settings.quotas,
      'packageGroupsPerDomain',
      groups.length,
      'package',
      input.packageGroup,
      `Domain ${domain.name} cannot have more package groups`,
    );
    const group = newGroup(domain, input.packageGroup, {
      ...(input.contactInfo !== undefined ? { contactInfo: input.contactInfo } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      tags: input.tags ?? [],
    });
    groups.push(group);
    return { packageGroup: describeGroup(domain, group) };
  },
});

export const deletePackageGroup = defineOperation({
  name: 'DeletePackageGroup',
  method: 'DELETE',
  path: '/v1/package-group',
  query: groupLocation,
  input: z.object(groupId),
  handler(input, ctx) {
    const { domain, group } = requireNamedGroup(ctx, input);
    if (group.pattern === ROOT_PATTERN) {
      throw validationError(`The root package group '${ROOT_PATTERN}' of a domain cannot be deleted.`);
    }
    // Describe before deleting: the answer shows the group as it was, with its parent.
    const described = describeGroup(domain, group);
    domain.packageGroups = groupsOf(domain).filter((g) => g !== group);
    return { packageGroup: described };
  },
});

export const describePackageGroup = defineOperation({
  name: 'DescribePackageGroup',
  method: 'GET',
  path: '/v1/package-group',
  query: groupLocation,
  input: z.object(groupId),
  handler(input, ctx) {
    const { domain, group } = requireNamedGroup(ctx, input);
    return { packageGroup: describeGroup(domain, group) };
  },
});

function checkPackageNamespace(format: string, namespace: string | undefined): void {
  if (format === 'npm' && namespace?.startsWith('@')) {
    throw validationError(`The namespace of an npm package is its scope without the '@': pass '${namespace.slice(1)}'.`);
  }
}

export const getAssociatedPackageGroup = defineOperation({
  name: 'GetAssociatedPackageGroup',
  method: 'GET',
  path: '/v1/get-associated-package-group',
  query: { ...domainLocation, format: 'format', namespace: 'namespace', package: 'package' },
  input: z.object({
    ...domainId,
    format: shapes.PackageFormat,
    namespace: shapes.PackageNamespace.optional(),
    package: shapes.PackageName,
  }),
  handler(input, ctx) {
    const domain = requireDomain(ctx, input.domain, input.domainOwner);
    checkPackageNamespace(input.format, input.namespace);
    const { group, associationType } = associatedGroup(domain, {
      format: input.format,
      ...(input.namespace !== undefined ? { namespace: input.namespace } : {}),
      name: input.package,
    });
    return { packageGroup: describeGroup(domain, group), associationType };
  },
});

export const listAllowedRepositoriesForGroup = defineOperation({
  name: 'ListAllowedRepositoriesForGroup',
  method: 'GET',
  path: '/v1/package-group-allowed-repositories',
  query: { ...groupLocation, originRestrictionType: 'originRestrictionType', ...pageQuery },
  input: z.object({ ...groupId, originRestrictionType: RestrictionType, ...pageInput }),
  handler(input, ctx) {
    const { group } = requireNamedGroup(ctx, input);
    return pageOf('allowedRepositories', [...group.allowedRepositories[input.originRestrictionType]].sort(), input);
  },
});

export const listAssociatedPackages = defineOperation({
  name: 'ListAssociatedPackages',
  method: 'GET',
  path: '/v1/list-associated-packages',
  query: { ...groupLocation, ...pageQuery, preview: 'preview' },
  input: z.object({
    ...groupId,
    ...pageInput,
    preview: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
  }),
  handler(input, ctx) {
    const domain = requireDomain(ctx, input.domain, input.domainOwner);
    // preview: the packages that would be associated with a group of this pattern, created or not.
    const existing = groupsOf(domain).find((g) => g.pattern === input.packageGroup);
    const group = existing ?? (input.preview ? newGroup(domain, input.packageGroup) : requireGroup(domain, input.packageGroup));
    const parsed = parsePattern(group.pattern);
    const packages = new Map<string, { format: string; namespace?: string; package: string; associationType: 'STRONG' | 'WEAK' }>();
    for (const repository of domain.repositories.values()) {
      for (const pkg of repository.packages.values()) {
        const id = { format: pkg.format, ...(pkg.namespace !== undefined ? { namespace: pkg.namespace } : {}), name: pkg.name };
        if (!matches(parsed, id)) continue;
        const current = associatedGroup(domain, id);
        // The package belongs here when no more specific group (other than this one) claims it.
        const winner = existing ? current.group === group : compareSpecificity(parsed, parsePattern(current.group.pattern)) >= 0;
        if (!winner) continue;
        const associationType = parsed.level === 3 && parsed.match === 'exact' ? 'STRONG' : 'WEAK';
        packages.set(`${pkg.format}:${pkg.namespace ?? ''}:${pkg.name}`, {
          format: pkg.format,
          ...(pkg.namespace !== undefined ? { namespace: pkg.namespace } : {}),
          package: pkg.name,
          associationType,
        });
      }
    }
    const all = [...packages.values()].sort(
      (a, b) =>
        a.format.localeCompare(b.format) || (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.package.localeCompare(b.package),
    );
    return pageOf('packages', all, input);
  },
});

export const listPackageGroups = defineOperation({
  name: 'ListPackageGroups',
  method: 'POST',
  path: '/v1/package-groups',
  query: { ...domainLocation, ...pageQuery, prefix: 'prefix' },
  input: z.object({ ...domainId, ...pageInput, prefix: PackageGroupPatternPrefix.optional() }),
  handler(input, ctx) {
    const domain = requireDomain(ctx, input.domain, input.domainOwner);
    const all = groupsOf(domain)
      .filter((g) => g.pattern.startsWith(input.prefix ?? ''))
      .sort(byPattern);
    return pageOf('packageGroups', all, input, { map: (g) => describeGroup(domain, g) });
  },
});

export const listSubPackageGroups = defineOperation({
  name: 'ListSubPackageGroups',
  method: 'POST',
  path: '/v1/package-groups/sub-groups',
  query: { ...groupLocation, ...pageQuery },
  input: z.object({ ...groupId, ...pageInput }),
  handler(input, ctx) {
    const { domain, group } = requireNamedGroup(ctx, input);
    const children = groupsOf(domain)
      .filter((g) => parentOf(domain, g) === group)
      .sort(byPattern);
    return pageOf('packageGroups', children, input, { map: (g) => describeGroup(domain, g) });
  },
});

export const updatePackageGroup = defineOperation({
  name: 'UpdatePackageGroup',
  method: 'PUT',
  path: '/v1/package-group',
  query: domainLocation,
  input: z.object({
    ...domainId,
    packageGroup: PackageGroupPattern,
    contactInfo: ContactInfo.optional(),
    description: Description.optional(),
  }),
  handler(input, ctx) {
    const { domain, group } = requireNamedGroup(ctx, input);
    if (input.contactInfo !== undefined) group.contactInfo = input.contactInfo;
    if (input.description !== undefined) group.description = input.description;
    return { packageGroup: describeGroup(domain, group) };
  },
});

export const updatePackageGroupOriginConfiguration = defineOperation({
  name: 'UpdatePackageGroupOriginConfiguration',
  method: 'PUT',
  path: '/v1/package-group-origin-configuration',
  query: groupLocation,
  input: z.object({
    ...groupId,
    restrictions: z.partialRecord(RestrictionType, RestrictionMode).optional(),
    addAllowedRepositories: AllowedRepositoryList.optional(),
    removeAllowedRepositories: AllowedRepositoryList.optional(),
  }),
  handler(input, ctx) {
    const { domain, group } = requireNamedGroup(ctx, input);
    const restrictions = input.restrictions ?? {};
    if (group.pattern === ROOT_PATTERN) {
      const inherit = Object.entries(restrictions).find(([, mode]) => mode === 'INHERIT');
      if (inherit)
        throw validationError(
          `The root package group '${ROOT_PATTERN}' has no parent to inherit ${inherit[0]} from: pass ALLOW, BLOCK or ALLOW_SPECIFIC_REPOSITORIES.`,
        );
    }
    const updates = (list: typeof input.addAllowedRepositories) =>
      (list ?? []).map((entry) => {
        if (!entry.repositoryName || !entry.originRestrictionType) {
          throw validationError('Each allowed repository needs repositoryName and originRestrictionType.');
        }
        if (!domain.repositories.has(entry.repositoryName)) {
          throw notFound(
            'repository',
            entry.repositoryName,
            `Repository not found. Repository '${entry.repositoryName}' in domain '${domain.name}' owned by account '${domain.owner}' does not exist.`,
          );
        }
        return { name: entry.repositoryName, type: entry.originRestrictionType as PackageGroupRestrictionType };
      });
    // Validate everything before changing anything.
    const added = updates(input.addAllowedRepositories);
    const removed = updates(input.removeAllowedRepositories);
    for (const [type, mode] of Object.entries(restrictions)) group.restrictions[type as PackageGroupRestrictionType] = mode!;
    const report: Record<string, { ADDED?: string[]; REMOVED?: string[] }> = {};
    const note = (type: string, how: 'ADDED' | 'REMOVED', name: string) => ((report[type] ??= {})[how] ??= []).push(name);
    for (const { name, type } of added) {
      if (!group.allowedRepositories[type].includes(name)) group.allowedRepositories[type].push(name);
      note(type, 'ADDED', name);
    }
    for (const { name, type } of removed) {
      group.allowedRepositories[type] = group.allowedRepositories[type].filter((n) => n !== name);
      note(type, 'REMOVED', name);
    }
    return { packageGroup: describeGroup(domain, group), allowedRepositoryUpdates: report };
  },
});
