/** CopyPackageVersions: versions from one repository (and, if asked, its upstreams) into another. */
import { z } from 'zod';
import { validationError } from '../core/errors.ts';
import { defineOperation, type RequestContext } from '../core/operation.ts';
import { bool, shapes } from '../core/shapes.ts';
import type { DomainRecord, PackageRecord, PackageVersionRecord, RepositoryRecord } from '../core/store.ts';
import { ensurePackage, searchOrder, type PackageId } from '../packages/graph.ts';
import { checkNamespace, idOf, isListed, isVisible, keyOf, packageNotFound, RevisionMap, VersionList } from './package-lookup.ts';
import { batch, checkState, notFoundError } from './package-versions.ts';
import { requireRepository } from './resources.ts';

const sameContent = (a: PackageVersionRecord, b: PackageVersionRecord) =>
  a.revision === b.revision ||
  (JSON.stringify(a.assets.map((x) => [x.name, x.hashes['SHA-512']])) ===
    JSON.stringify(b.assets.map((x) => [x.name, x.hashes['SHA-512']])) &&
    JSON.stringify(a.manifest) === JSON.stringify(b.manifest));

const cloneVersion = (v: PackageVersionRecord): PackageVersionRecord => structuredClone(v);

/** Where each version to copy is: the source repository, then (includeFromUpstream) its upstreams. */
function copySources(ctx: RequestContext, domain: DomainRecord, source: RepositoryRecord, id: PackageId, includeFromUpstream: boolean) {
  const repos = includeFromUpstream ? searchOrder(domain, source, id) : [source];
  const packages = repos.map((r) => r.packages.get(keyOf(id))).filter((p): p is PackageRecord => p !== undefined && isListed(ctx, p));
  const find = (version: string) => {
    for (const pkg of packages) {
      const record = pkg.versions.get(version);
      if (record && isVisible(ctx, record)) return { pkg, record };
    }
    return undefined;
  };
  return { packages, find };
}

export const copyPackageVersions = defineOperation({
  name: 'CopyPackageVersions',
  method: 'POST',
  path: '/v1/package/versions/copy',
  query: {
    domain: 'domain',
    domainOwner: 'domain-owner',
    sourceRepository: 'source-repository',
    destinationRepository: 'destination-repository',
    format: 'format',
    namespace: 'namespace',
    package: 'package',
  },
  input: z.object({
    domain: shapes.DomainName,
    domainOwner: shapes.AccountId.optional(),
    sourceRepository: shapes.RepositoryName,
    destinationRepository: shapes.RepositoryName,
    format: shapes.PackageFormat,
    namespace: shapes.PackageNamespace.optional(),
    package: shapes.PackageName,
    versions: VersionList.optional(),
    versionRevisions: RevisionMap.optional(),
    allowOverwrite: bool.optional(),
    includeFromUpstream: bool.optional(),
  }),
  handler(input, ctx) {
    if ((input.versions === undefined) === (input.versionRevisions === undefined)) {
      throw validationError('Pass exactly one of versions and versionRevisions.');
    }
    if (input.sourceRepository === input.destinationRepository) {
      throw validationError(`The source and destination repositories are both ${input.sourceRepository}; copy between two repositories.`);
    }
    const { domain, repository: source } = requireRepository(ctx, input.domain, input.domainOwner, input.sourceRepository);
    const { repository: destination } = requireRepository(ctx, input.domain, input.domainOwner, input.destinationRepository);
    checkNamespace(input.format, input.namespace);
    const id = idOf(input);
    const sources = copySources(ctx, domain, source, id, input.includeFromUpstream ?? false);
    if (sources.packages.length === 0) throw packageNotFound(id, source);
    const versions = input.versions ?? Object.keys(input.versionRevisions!);
    const existing = (v: string) => destination.packages.get(keyOf(id))?.versions.get(v);
    return batch(
      versions,
      (v) => {
        const found = sources.find(v);
        if (!found) return notFoundError(v);
        const state = checkState(ctx, found.pkg, v, input.versionRevisions, undefined);
        if (state) return state;
        if (found.record.status === 'Disposed') {
          return { errorCode: 'NOT_ALLOWED', errorMessage: `Version ${v} is Disposed and has no assets to copy` };
        }
        const there = existing(v);
        if (there && !sameContent(there, found.record) && !input.allowOverwrite) {
          return { errorCode: 'ALREADY_EXISTS', errorMessage: `Version ${v} already exists` };
        }
        return undefined;
      },
      (v) => {
        const { pkg: from, record } = sources.find(v)!;
        const there = existing(v);
        if (there && sameContent(there, record)) return undefined;
        const to = ensurePackage(destination, id, 'published');
        to.versions.set(v, cloneVersion(record));
        for (const [tag, tagged] of Object.entries(from.distTags)) if (tagged === v) to.distTags[tag] = v;
        return { revision: record.revision, status: record.status };
      },
    );
  },
});
