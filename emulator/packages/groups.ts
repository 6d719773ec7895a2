/**
 * Package groups, as the CodeArtifact User Guide describes them ("Package group definition
 * syntax and matching behavior", "Package group origin controls"):
 *
 * - A pattern is a package path (`/format/namespace/name`) cut short and ended by a suffix:
 *   `$` matches the full coordinate, `~` a prefix, `*` every value of the next component.
 *   Allowed shapes: `/*`, `/npm/*`, `/maven/com.anycompany~`, `/npm/space/*`,
 *   `/npm/space/anycompany-ui~`, `/maven/org.apache.logging.log4j/log4j-core$`. Formats
 *   without namespaces (pypi, nuget, ruby, cargo) and unscoped npm packages have an empty
 *   namespace section: `/pypi//requests$`.
 * - A package is associated with the most specific group whose pattern it matches (exact
 *   before prefix before wildcard; a longer prefix before a shorter one); strongly when the
 *   pattern names it exactly (`$`), weakly otherwise.
 * - Every domain has the root group `/*`, created with it, which cannot be deleted.
 * - Origin controls per restriction type (PUBLISH, EXTERNAL_UPSTREAM, INTERNAL_UPSTREAM):
 *   ALLOW, BLOCK, ALLOW_SPECIFIC_REPOSITORIES (with an allowed repository list) or INHERIT
 *   (from the nearest ancestor whose mode is not INHERIT). The root group cannot inherit.
 */
import { validationError } from '../core/errors.ts';
import {
  epochSeconds,
  type DomainRecord,
  type PackageGroupRecord,
  type PackageGroupRestrictionMode,
  type PackageGroupRestrictionType,
  type RepositoryRecord,
} from '../core/store.ts';
import type { PackageId } from './graph.ts';

export const ROOT_PATTERN = '/*';
export const RESTRICTION_TYPES: readonly PackageGroupRestrictionType[] = ['EXTERNAL_UPSTREAM', 'INTERNAL_UPSTREAM', 'PUBLISH'];
const FORMATS = new Set(['npm', 'pypi', 'maven', 'nuget', 'generic', 'ruby', 'swift', 'cargo']);
const NO_NAMESPACE = new Set(['pypi', 'nuget', 'ruby', 'cargo']);
const NAMESPACE_REQUIRED = new Set(['maven', 'generic', 'swift']);

/** A parsed pattern: how deep it goes and how it matches at that depth. */
export type ParsedPattern =
  | { level: 0 }
  | { level: 1; format: string }
  | { level: 2; format: string; namespace: string; match: 'prefix' | 'exact' }
  | { level: 3; format: string; namespace: string; name: string; match: 'prefix' | 'exact' };

const COMPONENT = /^[^/\s~$*]*$/;

/** Parses and validates a pattern; throws AWS's ValidationException when it is not one. */
export function parsePattern(pattern: string): ParsedPattern {
  const invalid = (why: string) =>
    validationError(
      `Invalid package group pattern '${pattern}': ${why} See "Package group definition syntax" in the CodeArtifact User Guide.`,
    );
  if (!pattern.startsWith('/')) throw invalid('a pattern starts with /.');
  if (pattern === ROOT_PATTERN) return { level: 0 };
  const parts = pattern.slice(1).split('/');
  const format = parts[0]!;
  if (!FORMATS.has(format)) throw invalid(`'${format}' is not a package format (${[...FORMATS].join(', ')}).`);
  const component = (value: string, what: string) => {
    if (!COMPONENT.test(value)) throw invalid(`the ${what} '${value}' contains a character patterns do not allow.`);
    return value;
  };
  const checkNamespace = (namespace: string, withName: boolean) => {
    if (namespace !== '' && NO_NAMESPACE.has(format))
      throw invalid(`${format} packages have no namespace: leave the namespace section empty.`);
    if (namespace === '' && withName && NAMESPACE_REQUIRED.has(format))
      throw invalid(`${format} packages always have a namespace: include it before the name.`);
  };
  if (parts.length === 2) {
    const last = parts[1]!;
    if (last === '*') return { level: 1, format };
    if (last.endsWith('~') && last.length > 1) {
      const namespace = component(last.slice(0, -1), 'namespace');
      checkNamespace(namespace, false);
      return { level: 2, format, namespace, match: 'prefix' };
    }
    throw invalid('after the format comes *, or a namespace prefix ended by ~.');
  }
  if (parts.length === 3) {
    const namespace = component(parts[1]!, 'namespace');
    const last = parts[2]!;
    if (last === '*') {
      if (namespace === '') throw invalid('a namespace wildcard (/format/namespace/*) needs a namespace.');
      checkNamespace(namespace, false);
      return { level: 2, format, namespace, match: 'exact' };
    }
    const suffix = last.at(-1);
    if ((suffix === '~' || suffix === '$') && last.length > 1) {
      checkNamespace(namespace, true);
      return { level: 3, format, namespace, name: component(last.slice(0, -1), 'name'), match: suffix === '$' ? 'exact' : 'prefix' };
    }
    throw invalid('a name is ended by $ (exact) or ~ (prefix).');
  }
  throw invalid('a pattern has at most format, namespace and name.');
}

/** Whether a package (format, namespace, name) matches a pattern. */
export function matches(p: ParsedPattern, id: PackageId): boolean {
  if (p.level === 0) return true;
  if (p.format !== id.format) return false;
  if (p.level === 1) return true;
  const namespace = id.namespace ?? '';
  if (p.level === 2) return p.match === 'exact' ? namespace === p.namespace : namespace.startsWith(p.namespace);
  if (namespace !== p.namespace) return false;
  return p.match === 'exact' ? id.name === p.name : id.name.startsWith(p.name);
}

/** Higher is more specific: depth, then exact before prefix, then a longer prefix. */
function specificity(p: ParsedPattern): [number, number, number] {
  if (p.level === 0 || p.level === 1) return [p.level, 1, 0];
  const length = p.level === 2 ? p.namespace.length : p.name.length;
  return [p.level, p.match === 'exact' ? 1 : 0, length];
}

export function compareSpecificity(a: ParsedPattern, b: ParsedPattern): number {
  const [x, y] = [specificity(a), specificity(b)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** Whether every package that matches `inner` also matches `outer`, `outer` being another pattern. */
function contains(outer: ParsedPattern, inner: ParsedPattern): boolean {
  if (outer.level === 0) return inner.level !== 0;
  if (inner.level === 0 || inner.level === 1 || outer.format !== inner.format) return false;
  if (outer.level === 1) return true;
  if (outer.level === 2) {
    if (outer.match === 'exact') return inner.level === 3 && inner.namespace === outer.namespace;
    if (inner.level === 2 && inner.match === 'prefix' && inner.namespace === outer.namespace) return false;
    return inner.namespace.startsWith(outer.namespace);
  }
  if (inner.level !== 3 || inner.namespace !== outer.namespace || outer.match === 'exact') return false;
  if (inner.match === 'prefix' && inner.name === outer.name) return false;
  return inner.name.startsWith(outer.name);
}

export function groupsOf(domain: DomainRecord): PackageGroupRecord[] {
  if (!domain.packageGroups || !domain.packageGroups.some((g) => g.pattern === ROOT_PATTERN)) {
    // Snapshots from before package groups existed: the root group is created on first use.
    domain.packageGroups = [rootGroup(domain), ...(domain.packageGroups ?? [])];
  }
  return domain.packageGroups;
}

export function packageGroupArn(domain: DomainRecord, pattern: string): string {
  const region = domain.arn.split(':')[3];
  return `arn:aws:codeartifact:${region}:${domain.owner}:package-group/${domain.name}${encodeURI(pattern).replace(/\$/g, '%24')}`;
}

export function newGroup(domain: DomainRecord, pattern: string, fields: Partial<PackageGroupRecord> = {}): PackageGroupRecord {
  const mode: PackageGroupRestrictionMode = pattern === ROOT_PATTERN ? 'ALLOW' : 'INHERIT';
  return {
    pattern,
    arn: packageGroupArn(domain, pattern),
    createdTime: epochSeconds(),
    tags: [],
    restrictions: { EXTERNAL_UPSTREAM: mode, INTERNAL_UPSTREAM: mode, PUBLISH: mode },
    allowedRepositories: { EXTERNAL_UPSTREAM: [], INTERNAL_UPSTREAM: [], PUBLISH: [] },
    ...fields,
  };
}

export const rootGroup = (domain: DomainRecord) => newGroup(domain, ROOT_PATTERN);

/** The group a package is associated with (the most specific match), and how strongly. */
export function associatedGroup(domain: DomainRecord, id: PackageId): { group: PackageGroupRecord; associationType: 'STRONG' | 'WEAK' } {
  let best: { group: PackageGroupRecord; parsed: ParsedPattern } | undefined;
  for (const group of groupsOf(domain)) {
    const parsed = parsePattern(group.pattern);
    if (!matches(parsed, id)) continue;
    if (!best || compareSpecificity(parsed, best.parsed) > 0) best = { group, parsed };
  }
  const { group, parsed } = best!;
  return { group, associationType: parsed.level === 3 && parsed.match === 'exact' ? 'STRONG' : 'WEAK' };
}

/** A group's parent: the most specific other group that contains its pattern (root has none). */
export function parentOf(domain: DomainRecord, group: PackageGroupRecord): PackageGroupRecord | undefined {
  if (group.pattern === ROOT_PATTERN) return undefined;
  const inner = parsePattern(group.pattern);
  let best: { group: PackageGroupRecord; parsed: ParsedPattern } | undefined;
  for (const candidate of groupsOf(domain)) {
    if (candidate === group) continue;
    const outer = parsePattern(candidate.pattern);
    if (!contains(outer, inner)) continue;
    if (!best || compareSpecificity(outer, best.parsed) > 0) best = { group: candidate, parsed: outer };
  }
  return best?.group;
}

/** The mode in force for one restriction type, and the group it comes from. */
export function effectiveRestriction(
  domain: DomainRecord,
  group: PackageGroupRecord,
  type: PackageGroupRestrictionType,
): { mode: Exclude<PackageGroupRestrictionMode, 'INHERIT'>; from: PackageGroupRecord } {
  let at: PackageGroupRecord | undefined = group;
  while (at) {
    const mode = at.restrictions[type];
    if (mode !== 'INHERIT') return { mode, from: at };
    at = parentOf(domain, at);
  }
  return { mode: 'ALLOW', from: group };
}

/**
 * Whether the package's group lets versions enter `repository` this way: ALLOW, BLOCK, or
 * ALLOW_SPECIFIC_REPOSITORIES with the repository on that type's allowed list.
 */
export function groupAllows(domain: DomainRecord, repository: RepositoryRecord, id: PackageId, type: PackageGroupRestrictionType): boolean {
  const { group } = associatedGroup(domain, id);
  const { mode, from } = effectiveRestriction(domain, group, type);
  if (mode === 'ALLOW') return true;
  if (mode === 'BLOCK') return false;
  return from.allowedRepositories[type].includes(repository.name);
}

/** The package path the user guide uses: /format/namespace/name. */
export const packagePath = (id: PackageId) => `/${id.format}/${id.namespace ?? ''}/${id.name}`;
