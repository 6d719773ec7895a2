/**
 * The ten package-group operations, with the semantics the CodeArtifact User Guide documents
 * ("Package groups in CodeArtifact", "Package group definition syntax and matching behavior",
 * "Package group origin controls"), and their effect on the npm endpoint. Each test starts its
 * own emulator (and fixture registry behind public:npmjs) and talks to it through the SDK,
 * plain HTTP on the npm endpoint, or aws CLI v1 (v2 2.9.19 predates the package-group
 * commands: its model has none of them).
 */
import { npmTarball } from './npm-tarball.ts';
import { createHash } from 'node:crypto';
import {
  type CodeartifactClient,
  CreatePackageGroupCommand,
  DeletePackageGroupCommand,
  DeleteRepositoryCommand,
  DescribePackageGroupCommand,
  GetAssociatedPackageGroupCommand,
  ListAllowedRepositoriesForGroupCommand,
  ListAssociatedPackagesCommand,
  ListPackageGroupsCommand,
  ListSubPackageGroupsCommand,
  PublishPackageVersionCommand,
  UpdatePackageGroupCommand,
  UpdatePackageGroupOriginConfigurationCommand,
  type PackageFormat,
} from '@aws-sdk/client-codeartifact';
import { awsFor, cliOk, installedClis } from './aws-cli.ts';
import { ACCOUNT, REGION, expect, rejection, test } from './fixtures.ts';
import { authorizationToken, makeDomain, repositoryEndpoint, startStack } from './npm-helpers.ts';

const groupArn = (domain: string, pattern: string) =>
  `arn:aws:codeartifact:${REGION}:${ACCOUNT}:package-group/${domain}${encodeURI(pattern).replace(/\$/g, '%24')}`;

const create = (ca: CodeartifactClient, domain: string, packageGroup: string) =>
  ca.send(new CreatePackageGroupCommand({ domain, packageGroup }));
const associated = async (ca: CodeartifactClient, domain: string, format: PackageFormat, pkg: string, namespace?: string) => {
  const out = await ca.send(new GetAssociatedPackageGroupCommand({ domain, format, package: pkg, ...(namespace ? { namespace } : {}) }));
  return [out.packageGroup?.pattern, out.associationType];
};
const subGroups = async (ca: CodeartifactClient, domain: string, packageGroup: string) =>
  ((await ca.send(new ListSubPackageGroupsCommand({ domain, packageGroup }))).packageGroups ?? []).map((g) => g.pattern);

/** npm publish over HTTP, as npm sends it. */
async function npmPublish(endpoint: string, token: string, name: string, version: string): Promise<Response> {
  const bytes = npmTarball({ name, version });
  return fetch(`${endpoint}${name.replace('/', '%2f')}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      versions: { [version]: { name, version, dist: { integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}` } } },
      'dist-tags': { latest: version },
      _attachments: { [`${version}.tgz`]: { data: bytes.toString('base64'), length: bytes.length } },
    }),
  });
}

test('CreateDomain creates the root group /*: ALLOW everywhere, no parent; ListPackageGroups and DescribePackageGroup show it', async ({
  cleanup,
}) => {
  const { ca } = await startStack(cleanup, { fixture: false });
  const domain = await makeDomain(ca, []);
  const { packageGroup: root } = await ca.send(new DescribePackageGroupCommand({ domain, packageGroup: '/*' }));
  expect(root).toEqual({
    arn: groupArn(domain, '/*'),
    pattern: '/*',
    domainName: domain,
    domainOwner: ACCOUNT,
    createdTime: expect.any(Date),
    originConfiguration: {
      restrictions: Object.fromEntries(
        ['EXTERNAL_UPSTREAM', 'INTERNAL_UPSTREAM', 'PUBLISH'].map((t) => [
          t,
          { mode: 'ALLOW', effectiveMode: 'ALLOW', repositoriesCount: 0 },
        ]),
      ),
    },
  });
  const listed = await ca.send(new ListPackageGroupsCommand({ domain }));
  expect(listed.packageGroups?.map((g) => g.pattern)).toEqual(['/*']);
  const gone = await rejection(ca.send(new DeletePackageGroupCommand({ domain, packageGroup: '/*' })));
  expect(gone.name, 'the root group cannot be deleted').toBe('ValidationException');
});

test('CreatePackageGroup: the documented pattern shapes are accepted, anything else is a ValidationException; a second one is a ConflictException', async ({
  cleanup,
}) => {
  const { ca } = await startStack(cleanup, { fixture: false });
  const domain = await makeDomain(ca, []);
  // The user guide's examples of each allowed combination, plus an empty-namespace one.
  const valid = [
    '/npm/*',
    '/maven/com.anycompany~',
    '/npm/space/*',
    '/npm/space/anycompany-ui~',
    '/maven/org.apache.logging.log4j/log4j-core$',
    '/pypi//requests$',
    '/npm//lodash$',
  ];
  for (const pattern of valid) {
    const { packageGroup } = await create(ca, domain, pattern);
    expect(packageGroup?.pattern).toBe(pattern);
    expect(packageGroup?.arn).toBe(groupArn(domain, pattern));
  }
  const invalid = [
    'npm/*',
    '/npm',
    '/nope/*',
    '/npm/space/name',
    '/pypi/ns/requests$',
    '/maven//log4j-core$',
    '/npm/a/b/c$',
    '/npm//*',
    '/npm/*/x$',
  ];
  for (const pattern of invalid) {
    const err = await rejection(create(ca, domain, pattern));
    expect([pattern, err.name, err.$metadata?.httpStatusCode]).toEqual([pattern, 'ValidationException', 400]);
  }
  const twice = await rejection(create(ca, domain, '/npm/*'));
  expect([twice.name, twice.$metadata?.httpStatusCode]).toEqual(['ConflictException', 409]);
  const nowhere = await rejection(ca.send(new CreatePackageGroupCommand({ domain: 'no-such-domain', packageGroup: '/npm/*' })));
  expect(nowhere.name).toBe('ResourceNotFoundException');
  const listed = await ca.send(new ListPackageGroupsCommand({ domain, prefix: '/npm/' }));
  expect(listed.packageGroups?.map((g) => g.pattern).sort()).toEqual(
    ['/npm/*', '/npm//lodash$', '/npm/space/*', '/npm/space/anycompany-ui~'].sort(),
  );
});

test('the most specific group wins (exact, then prefix, then wildcard); parents and sub-groups follow; deleting a group hands its packages to its parent', async ({
  cleanup,
}) => {
  const { ca } = await startStack(cleanup, { fixture: false });
  const domain = await makeDomain(ca, []);
  for (const pattern of ['/npm/*', '/npm/space/*', '/npm/space/ui~', '/npm/space/ui-kit$']) await create(ca, domain, pattern);
  expect(await associated(ca, domain, 'npm', 'ui-kit', 'space')).toEqual(['/npm/space/ui-kit$', 'STRONG']);
  expect(await associated(ca, domain, 'npm', 'ui-button', 'space')).toEqual(['/npm/space/ui~', 'WEAK']);
  expect(await associated(ca, domain, 'npm', 'other', 'space')).toEqual(['/npm/space/*', 'WEAK']);
  expect(await associated(ca, domain, 'npm', 'lodash')).toEqual(['/npm/*', 'WEAK']);
  expect(await associated(ca, domain, 'pypi', 'requests')).toEqual(['/*', 'WEAK']);

  const { packageGroup: ui } = await ca.send(new DescribePackageGroupCommand({ domain, packageGroup: '/npm/space/ui~' }));
  expect(ui?.parent).toEqual({ arn: groupArn(domain, '/npm/space/*'), pattern: '/npm/space/*' });
  expect(await subGroups(ca, domain, '/*')).toEqual(['/npm/*']);
  expect(await subGroups(ca, domain, '/npm/*')).toEqual(['/npm/space/*']);
  expect(await subGroups(ca, domain, '/npm/space/ui~')).toEqual(['/npm/space/ui-kit$']);

  const deleted = await ca.send(new DeletePackageGroupCommand({ domain, packageGroup: '/npm/space/*' }));
  expect(deleted.packageGroup?.pattern).toBe('/npm/space/*');
  expect(await associated(ca, domain, 'npm', 'other', 'space')).toEqual(['/npm/*', 'WEAK']);
  expect(await subGroups(ca, domain, '/npm/*')).toEqual(['/npm/space/ui~']);
  const missing = await rejection(ca.send(new DescribePackageGroupCommand({ domain, packageGroup: '/npm/space/*' })));
  expect([missing.name, missing.$metadata?.httpStatusCode]).toEqual(['ResourceNotFoundException', 404]);
});

test('UpdatePackageGroup changes contact info and description', async ({ cleanup }) => {
  const { ca } = await startStack(cleanup, { fixture: false });
  const domain = await makeDomain(ca, []);
  await ca.send(
    new CreatePackageGroupCommand({ domain, packageGroup: '/npm/space/*', contactInfo: 'team@example.com', description: 'first' }),
  );
  const { packageGroup } = await ca.send(new UpdatePackageGroupCommand({ domain, packageGroup: '/npm/space/*', description: 'second' }));
  expect([packageGroup?.contactInfo, packageGroup?.description]).toEqual(['team@example.com', 'second']);
  const listed = await ca.send(new ListPackageGroupsCommand({ domain, prefix: '/npm' }));
  expect(listed.packageGroups?.[0]?.description).toBe('second');
});

test('UpdatePackageGroupOriginConfiguration: modes, INHERIT from the nearest ancestor, allowed repository lists; ListAllowedRepositoriesForGroup', async ({
  cleanup,
}) => {
  const { ca } = await startStack(cleanup, { fixture: false });
  const domain = await makeDomain(ca, [['app'], ['other']]);
  await create(ca, domain, '/npm/*');
  await create(ca, domain, '/npm/space/*');
  await ca.send(
    new UpdatePackageGroupOriginConfigurationCommand({ domain, packageGroup: '/npm/*', restrictions: { EXTERNAL_UPSTREAM: 'BLOCK' } }),
  );
  const { packageGroup: space } = await ca.send(new DescribePackageGroupCommand({ domain, packageGroup: '/npm/space/*' }));
  expect(space?.originConfiguration?.restrictions?.EXTERNAL_UPSTREAM).toEqual({
    mode: 'INHERIT',
    effectiveMode: 'BLOCK',
    inheritedFrom: { arn: groupArn(domain, '/npm/*'), pattern: '/npm/*' },
    repositoriesCount: 0,
  });
  expect(space?.originConfiguration?.restrictions?.PUBLISH?.inheritedFrom?.pattern).toBe('/*');

  const updated = await ca.send(
    new UpdatePackageGroupOriginConfigurationCommand({
      domain,
      packageGroup: '/npm/space/*',
      restrictions: { PUBLISH: 'ALLOW_SPECIFIC_REPOSITORIES' },
      addAllowedRepositories: [
        { repositoryName: 'app', originRestrictionType: 'PUBLISH' },
        { repositoryName: 'other', originRestrictionType: 'PUBLISH' },
      ],
    }),
  );
  expect(updated.allowedRepositoryUpdates).toEqual({ PUBLISH: { ADDED: ['app', 'other'] } });
  expect(updated.packageGroup?.originConfiguration?.restrictions?.PUBLISH).toEqual({
    mode: 'ALLOW_SPECIFIC_REPOSITORIES',
    effectiveMode: 'ALLOW_SPECIFIC_REPOSITORIES',
    repositoriesCount: 2,
  });
  const allowed = await ca.send(
    new ListAllowedRepositoriesForGroupCommand({ domain, packageGroup: '/npm/space/*', originRestrictionType: 'PUBLISH' }),
  );
  expect(allowed.allowedRepositories).toEqual(['app', 'other']);
  const page = await ca.send(
    new ListAllowedRepositoriesForGroupCommand({ domain, packageGroup: '/npm/space/*', originRestrictionType: 'PUBLISH', maxResults: 1 }),
  );
  expect([page.allowedRepositories, typeof page.nextToken]).toEqual([['app'], 'string']);
  const removed = await ca.send(
    new UpdatePackageGroupOriginConfigurationCommand({
      domain,
      packageGroup: '/npm/space/*',
      removeAllowedRepositories: [{ repositoryName: 'other', originRestrictionType: 'PUBLISH' }],
    }),
  );
  expect(removed.allowedRepositoryUpdates).toEqual({ PUBLISH: { REMOVED: ['other'] } });
  expect(
    (
      await ca.send(
        new ListAllowedRepositoriesForGroupCommand({ domain, packageGroup: '/npm/space/*', originRestrictionType: 'EXTERNAL_UPSTREAM' }),
      )
    ).allowedRepositories,
  ).toEqual([]);
  // A deleted repository leaves the lists: a new repository of that name is another repository.
  await ca.send(new DeleteRepositoryCommand({ domain, repository: 'app' }));
  expect(
    (await ca.send(new ListAllowedRepositoriesForGroupCommand({ domain, packageGroup: '/npm/space/*', originRestrictionType: 'PUBLISH' })))
      .allowedRepositories,
  ).toEqual([]);

  const rootInherit = await rejection(
    ca.send(new UpdatePackageGroupOriginConfigurationCommand({ domain, packageGroup: '/*', restrictions: { PUBLISH: 'INHERIT' } })),
  );
  expect(rootInherit.name).toBe('ValidationException');
  const ghost = await rejection(
    ca.send(
      new UpdatePackageGroupOriginConfigurationCommand({
        domain,
        packageGroup: '/npm/*',
        addAllowedRepositories: [{ repositoryName: 'ghost', originRestrictionType: 'PUBLISH' }],
      }),
    ),
  );
  expect(ghost.name).toBe('ResourceNotFoundException');
});

test('ListAssociatedPackages: the packages whose most specific group is this one, STRONG or WEAK; preview for a pattern not created', async ({
  cleanup,
}) => {
  const { ca } = await startStack(cleanup, { fixture: false });
  const domain = await makeDomain(ca, [['app']]);
  const endpoint = await repositoryEndpoint(ca, domain, 'app');
  const token = await authorizationToken(ca, domain);
  for (const name of ['@space/ui-kit', '@space/other', 'plain'])
    expect((await npmPublish(endpoint, token, name, '1.0.0')).status).toBe(200);
  await create(ca, domain, '/npm/space/*');
  await create(ca, domain, '/npm/space/ui-kit$');
  const list = async (packageGroup: string, preview?: boolean) =>
    (await ca.send(new ListAssociatedPackagesCommand({ domain, packageGroup, ...(preview ? { preview } : {}) }))).packages;
  expect(await list('/npm/space/*')).toEqual([{ format: 'npm', namespace: 'space', package: 'other', associationType: 'WEAK' }]);
  expect(await list('/npm/space/ui-kit$')).toEqual([{ format: 'npm', namespace: 'space', package: 'ui-kit', associationType: 'STRONG' }]);
  expect(await list('/*')).toEqual([{ format: 'npm', package: 'plain', associationType: 'WEAK' }]);
  expect(await list('/npm/space/o~', true)).toEqual([{ format: 'npm', namespace: 'space', package: 'other', associationType: 'WEAK' }]);
  expect((await rejection(list('/npm/space/o~'))).name, 'without preview the group must exist').toBe('ResourceNotFoundException');
});

test('npm endpoint: a package whose group blocks EXTERNAL_UPSTREAM is not fetched from public:npmjs; ALLOW_SPECIFIC_REPOSITORIES lets the listed repository fetch it', async ({
  cleanup,
}) => {
  const { ca, registry } = await startStack(cleanup);
  const domain = await makeDomain(ca, [['npm-store'], ['app', ['npm-store']]], ['npm-store']);
  const endpoint = await repositoryEndpoint(ca, domain, 'app');
  const token = await authorizationToken(ca, domain);
  const get = (path: string) => fetch(`${endpoint}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await create(ca, domain, '/npm//lodash$');
  await ca.send(
    new UpdatePackageGroupOriginConfigurationCommand({
      domain,
      packageGroup: '/npm//lodash$',
      restrictions: { EXTERNAL_UPSTREAM: 'BLOCK' },
    }),
  );

  expect((await get('lodash')).status).toBe(404);
  expect(
    registry!.requests.filter((r) => r.path.includes('lodash')),
    'public:npmjs was not asked',
  ).toEqual([]);
  expect((await get('fixture-app-dep-a')).status, 'packages of other groups still come in').toBe(200);

  await ca.send(
    new UpdatePackageGroupOriginConfigurationCommand({
      domain,
      packageGroup: '/npm//lodash$',
      restrictions: { EXTERNAL_UPSTREAM: 'ALLOW_SPECIFIC_REPOSITORIES' },
      addAllowedRepositories: [{ repositoryName: 'npm-store', originRestrictionType: 'EXTERNAL_UPSTREAM' }],
    }),
  );
  expect((await get('lodash')).status).toBe(200);
});

test('npm endpoint: INTERNAL_UPSTREAM=BLOCK keeps a repository from taking the package from its upstream repositories', async ({
  cleanup,
}) => {
  const { ca } = await startStack(cleanup, { fixture: false });
  const domain = await makeDomain(ca, [['base'], ['app', ['base']]]);
  const token = await authorizationToken(ca, domain);
  const base = await repositoryEndpoint(ca, domain, 'base');
  const app = await repositoryEndpoint(ca, domain, 'app');
  expect((await npmPublish(base, token, 'inner-lib', '1.0.0')).status).toBe(200);
  const get = (endpoint: string) => fetch(`${endpoint}inner-lib`, { headers: { authorization: `Bearer ${token}` } });
  expect((await get(app)).status).toBe(200);
  await create(ca, domain, '/npm//inner~');
  await ca.send(
    new UpdatePackageGroupOriginConfigurationCommand({
      domain,
      packageGroup: '/npm//inner~',
      restrictions: { INTERNAL_UPSTREAM: 'BLOCK' },
    }),
  );
  expect((await get(app)).status).toBe(404);
  expect((await get(base)).status, 'the repository that has it still serves it').toBe(200);
  await ca.send(
    new UpdatePackageGroupOriginConfigurationCommand({
      domain,
      packageGroup: '/npm//inner~',
      restrictions: { INTERNAL_UPSTREAM: 'ALLOW_SPECIFIC_REPOSITORIES' },
      addAllowedRepositories: [{ repositoryName: 'app', originRestrictionType: 'INTERNAL_UPSTREAM' }],
    }),
  );
  expect((await get(app)).status).toBe(200);
});

test("PUBLISH=BLOCK refuses npm publish (403) and PublishPackageVersion (AccessDeniedException), for the group's packages only", async ({
  cleanup,
}) => {
  const { ca } = await startStack(cleanup, { fixture: false });
  const domain = await makeDomain(ca, [['app']]);
  const endpoint = await repositoryEndpoint(ca, domain, 'app');
  const token = await authorizationToken(ca, domain);
  for (const pattern of ['/npm/space/*', '/generic/*']) {
    await create(ca, domain, pattern);
    await ca.send(new UpdatePackageGroupOriginConfigurationCommand({ domain, packageGroup: pattern, restrictions: { PUBLISH: 'BLOCK' } }));
  }
  const blocked = await npmPublish(endpoint, token, '@space/lib', '1.0.0');
  expect(blocked.status).toBe(403);
  expect(((await blocked.json()) as { error: string }).error).toMatch(/package group \(PUBLISH\)/);
  expect((await npmPublish(endpoint, token, '@elsewhere/lib', '1.0.0')).status).toBe(200);
  const bytes = Buffer.from('generic asset');
  const err = await rejection(
    ca.send(
      new PublishPackageVersionCommand({
        domain,
        repository: 'app',
        format: 'generic',
        namespace: 'tools',
        package: 'thing',
        packageVersion: '1.0.0',
        assetName: 'thing.bin',
        assetContent: bytes,
        assetSHA256: createHash('sha256').update(bytes).digest('hex'),
      }),
    ),
  );
  expect([err.name, err.$metadata?.httpStatusCode]).toEqual(['AccessDeniedException', 403]);
});

for (const cli of installedClis().filter((c) => c.packageGroups)) {
  test(`aws CLI ${cli.name}: create-package-group, get-associated-package-group, list-sub-package-groups, update-package-group-origin-configuration`, async ({
    cleanup,
  }) => {
    test.setTimeout(240_000); // the aws CLIs take seconds per call on a shared machine
    const { ca, emulator } = await startStack(cleanup, { fixture: false });
    const domain = await makeDomain(ca, [['app']]);
    const { aws, dispose } = await awsFor(cli, emulator.url);
    cleanup.add(dispose);
    const created = cliOk(
      await aws(['create-package-group', '--domain', domain, '--package-group', '/npm/space/*', '--contact-info', 'team@example.com']),
    );
    expect(created.packageGroup).toMatchObject({ pattern: '/npm/space/*', contactInfo: 'team@example.com', parent: { pattern: '/*' } });
    const assoc = cliOk(
      await aws(['get-associated-package-group', '--domain', domain, '--format', 'npm', '--namespace', 'space', '--package', 'ui']),
    );
    expect([assoc.packageGroup.pattern, assoc.associationType]).toEqual(['/npm/space/*', 'WEAK']);
    expect(
      cliOk(await aws(['list-sub-package-groups', '--domain', domain, '--package-group', '/*'])).packageGroups.map(
        (g: { pattern: string }) => g.pattern,
      ),
    ).toEqual(['/npm/space/*']);
    const origin = cliOk(
      await aws([
        'update-package-group-origin-configuration',
        '--domain',
        domain,
        '--package-group',
        '/npm/space/*',
        '--restrictions',
        'EXTERNAL_UPSTREAM=BLOCK',
      ]),
    );
    expect(origin.packageGroup.originConfiguration.restrictions.EXTERNAL_UPSTREAM).toMatchObject({ mode: 'BLOCK', effectiveMode: 'BLOCK' });
  });
}
