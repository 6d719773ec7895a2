/**
 * Where the emulator used to differ from AWS, and now behaves as AWS documents (issue 14).
 * Each test names its source: the API reference, a user-guide page, or an AWS answer quoted in
 * a public transcript. Each starts its own emulator (and fixture registry behind
 * public:npmjs), talks to it only through the SDK, plain HTTP on the npm endpoint, or the aws
 * CLIs v1 and v2, and stops it afterwards.
 */
import { npmTarball } from './npm-tarball.ts';
import { createHash } from 'node:crypto';
import {
  type CodeartifactClient,
  CreateDomainCommand,
  CreatePackageGroupCommand,
  CreateRepositoryCommand,
  DeleteDomainCommand,
  DeleteRepositoryCommand,
  DescribeDomainCommand,
  DescribePackageCommand,
  DescribeRepositoryCommand,
  GetAuthorizationTokenCommand,
  GetPackageVersionAssetCommand,
  ListDomainsCommand,
  ListPackageVersionAssetsCommand,
  PublishPackageVersionCommand,
  PutPackageOriginConfigurationCommand,
  UpdateRepositoryCommand,
} from '@aws-sdk/client-codeartifact';
import { awsFor, cliError, cliOk, installedClis } from './aws-cli.ts';
import { expect, rejection, sdkClient, test } from './fixtures.ts';
import { ACCOUNT, authorizationToken, makeDomain, repositoryEndpoint, startStack } from './npm-helpers.ts';

// ---- the npm endpoint, over plain HTTP ---------------------------------------------------------

interface Endpoint {
  url: string;
  token: string;
}

async function endpointOf(ca: CodeartifactClient, domain: string, repository: string, token?: string): Promise<Endpoint> {
  return { url: await repositoryEndpoint(ca, domain, repository), token: token ?? (await authorizationToken(ca, domain)) };
}

function npmGet(e: Endpoint, path: string, auth = `Bearer ${e.token}`): Promise<Response> {
  return fetch(`${e.url}${path}`, { headers: { authorization: auth } });
}

/** What `npm publish` sends: the packument with one version and its tarball attached. */
function npmPublish(e: Endpoint, name: string, version: string, bytes: Buffer = npmTarball({ name, version })): Promise<Response> {
  const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  const file = `${name.replace(/^@[^/]+\//, '')}-${version}.tgz`;
  return fetch(`${e.url}${name.replace('/', '%2f')}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${e.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      _id: name,
      name,
      'dist-tags': { latest: version },
      versions: { [version]: { name, version, dist: { integrity } } },
      _attachments: { [file]: { content_type: 'application/octet-stream', data: bytes.toString('base64'), length: bytes.length } },
    }),
  });
}

async function npmError(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error;
}

async function removeAll(ca: CodeartifactClient, domain: string, repositories: string[]): Promise<void> {
  for (const repository of repositories)
    await ca.send(new UpdateRepositoryCommand({ domain, repository, upstreams: [] })).catch(() => undefined);
  for (const repository of repositories) await ca.send(new DeleteRepositoryCommand({ domain, repository })).catch(() => undefined);
  await ca.send(new DeleteDomainCommand({ domain }));
}

// ---- DeleteRepository of an upstream ----------------------------------------------------------

test.describe('DeleteRepository of an upstream (issue 14: AWS deletes it, the downstream graph dangles)', () => {
  test('the downstream endpoint answers "A repository referenced in your upstream graph no longer exists" until UpdateRepository; a new repository of that name is not re-linked', async ({
    cleanup,
  }) => {
    const { ca } = await startStack(cleanup);
    const domain = await makeDomain(ca, [['base'], ['app', ['base']]]);
    const base = await endpointOf(ca, domain, 'base');
    const app = await endpointOf(ca, domain, 'app', base.token);
    expect((await npmPublish(base, 'parity-lib', '1.0.0')).status).toBe(200);
    expect((await npmGet(app, 'parity-lib')).status, 'found through the upstream').toBe(200);

    const deleted = await ca.send(new DeleteRepositoryCommand({ domain, repository: 'base' }));
    expect(deleted.repository?.name).toBe('base');

    const dangling = await npmGet(app, 'parity-lib');
    expect(dangling.status).toBe(404);
    expect(await npmError(dangling)).toMatch(/^A repository referenced in your upstream graph no longer exists\./);
    expect((await npmGet(app, '-/ping')).status, 'every route of the repository is refused').toBe(404);

    // A new repository of the same name is another repository: the graph still dangles.
    await ca.send(new CreateRepositoryCommand({ domain, repository: 'base' }));
    const again = await endpointOf(ca, domain, 'base', base.token);
    expect((await npmPublish(again, 'parity-lib', '2.0.0')).status).toBe(200);
    expect(await npmError(await npmGet(app, 'parity-lib'))).toMatch(/^A repository referenced in your upstream graph no longer exists\./);

    // UpdateRepository on the downstream mends it, without linking the new base.
    const updated = await ca.send(new UpdateRepositoryCommand({ domain, repository: 'app', description: 'mended' }));
    expect(updated.repository?.upstreams).toEqual([]);
    const mended = await npmGet(app, 'parity-lib');
    expect(mended.status).toBe(404);
    expect(await npmError(mended)).toMatch(/parity-lib is not in repository app/);
    expect((await npmGet(app, '-/ping')).status).toBe(200);
    await removeAll(ca, domain, ['app', 'base']);
  });

  for (const cli of installedClis()) {
    test(`aws CLI ${cli.name}: delete-repository of another repository's upstream succeeds`, async ({ cleanup }) => {
      test.setTimeout(240_000); // the aws CLIs take seconds per call on a shared machine
      const { ca, emulator } = await startStack(cleanup, { fixture: false });
      const domain = await makeDomain(ca, [['base'], ['app', ['base']]]);
      const { aws, dispose } = await awsFor(cli, emulator.url);
      cleanup.add(dispose);
      const out = cliOk(await aws(['delete-repository', '--domain', domain, '--repository', 'base']));
      expect(out.repository.name).toBe('base');
      const app = await ca.send(new DescribeRepositoryCommand({ domain, repository: 'app' }));
      expect(app.repository?.upstreams, 'the downstream still names it until it is updated').toEqual([{ repositoryName: 'base' }]);
    });
  }
});

// ---- Publishing a version that exists upstream ------------------------------------------------

test('user guide "Publishing and upstream repositories": with publish=ALLOW, upstream=ALLOW, a version that exists upstream or through the external connection is refused with 409; one that exists nowhere is published', async ({
  cleanup,
}) => {
  const { ca } = await startStack(cleanup);
  const domain = await makeDomain(ca, [['store'], ['app', ['store']]], ['store']);
  const store = await endpointOf(ca, domain, 'store');
  const app = await endpointOf(ca, domain, 'app', store.token);
  expect((await npmPublish(store, 'inhouse', '1.0.0')).status).toBe(200);

  // A package first published is publish=ALLOW, upstream=BLOCK: upstream versions do not clash.
  expect((await npmPublish(app, 'inhouse', '1.0.0')).status, 'upstream=BLOCK: nothing upstream is reachable').toBe(200);

  for (const pkg of ['lodash', 'inhouse-two']) {
    await ca.send(
      new PutPackageOriginConfigurationCommand({
        domain,
        repository: 'app',
        format: 'npm',
        package: pkg,
        restrictions: { publish: 'ALLOW', upstream: 'ALLOW' },
      }),
    );
  }
  expect((await npmPublish(store, 'inhouse-two', '1.0.0')).status).toBe(200);

  const external = await npmPublish(app, 'lodash', '4.17.21');
  expect(external.status, 'lodash 4.17.21 is available through public:npmjs').toBe(409);
  expect(await npmError(external)).toMatch(/lodash@4\.17\.21 already exists through the external connection public:npmjs of store/);

  const internal = await npmPublish(app, 'inhouse-two', '1.0.0');
  expect(internal.status, 'inhouse-two 1.0.0 is in the upstream store').toBe(409);
  expect(await npmError(internal)).toMatch(/already exists in upstream repository store/);

  expect((await npmPublish(app, 'lodash', '99.0.0')).status, 'a version that exists nowhere upstream').toBe(200);
  expect((await npmPublish(app, 'inhouse-two', '1.0.1')).status).toBe(200);
});

// ---- npm asset names ---------------------------------------------------------------------------

test('user guide "Download package version assets": an npm version has one asset, package.tgz', async ({ cleanup }) => {
  const { ca } = await startStack(cleanup, { fixture: false });
  const domain = await makeDomain(ca, [['app']]);
  const app = await endpointOf(ca, domain, 'app');
  const bytes = npmTarball({ name: '@parity/asset-demo', version: '1.0.0' });
  expect((await npmPublish(app, '@parity/asset-demo', '1.0.0', bytes)).status).toBe(200);
  const id = { domain, repository: 'app', format: 'npm' as const, namespace: 'parity', package: 'asset-demo', packageVersion: '1.0.0' };
  const assets = await ca.send(new ListPackageVersionAssetsCommand(id));
  expect(assets.assets?.map((a) => [a.name, a.size])).toEqual([['package.tgz', bytes.length]]);
  const asset = await ca.send(new GetPackageVersionAssetCommand({ ...id, asset: 'package.tgz' }));
  expect(asset.assetName).toBe('package.tgz');
  expect(Buffer.from(await asset.asset!.transformToByteArray())).toEqual(bytes);
  // The tarball URL npm uses keeps npm's own file name.
  expect((await npmGet(app, '@parity/asset-demo/-/asset-demo-1.0.0.tgz')).status).toBe(200);
});

// ---- error wording -----------------------------------------------------------------------------

test('common errors are worded as AWS words them (sources in emulator/control/resources.ts, domains.ts, repositories.ts)', async ({
  cleanup,
}) => {
  const { ca } = await startStack(cleanup, { fixture: false });
  const domain = await makeDomain(ca, [['app']]);
  const missingDomain = await rejection(ca.send(new DescribeDomainCommand({ domain: 'no-such-domain' })));
  expect(missingDomain.name).toBe('ResourceNotFoundException');
  // aws/aws-cdk issue 19792
  expect(missingDomain.message).toBe(`Domain not found. Domain 'no-such-domain' owned by account '${ACCOUNT}' does not exist`);
  // a public cross-account CodeArtifact script's transcript (kyhau/aws-tools)
  const missingRepo = await rejection(ca.send(new DescribeRepositoryCommand({ domain, repository: 'ghost' })));
  expect(missingRepo.message).toBe(
    `Repository not found. Repository 'ghost' in domain '${domain}' owned by account '${ACCOUNT}' does not exist.`,
  );
  // aws-cloudformation-resource-providers-codeartifact pull request 63: 409 and this message
  const busy = await rejection(ca.send(new DeleteDomainCommand({ domain })));
  expect([busy.name, busy.$metadata?.httpStatusCode, busy.message]).toEqual([
    'ConflictException',
    409,
    'Domain must contain 0 repositories before deletion',
  ]);
  // awsdocs/aws-cloudformation-user-guide pull request 1127: 400 and this message
  const missingPackage = await rejection(
    ca.send(new DescribePackageCommand({ domain, repository: 'app', format: 'npm', package: 'nothing-here' })),
  );
  expect(missingPackage.message).toMatch(/^Package not found\. Package 'nothing-here' with format 'npm' in repository 'app'/);
});

for (const cli of installedClis()) {
  test(`aws CLI ${cli.name}: AWS's wording and statuses as the CLI prints them; status AVAILABLE; package.tgz`, async ({ cleanup }) => {
    test.setTimeout(240_000); // the aws CLIs take seconds per call on a shared machine
    const { ca, emulator } = await startStack(cleanup, { fixture: false });
    const { aws, dispose } = await awsFor(cli, emulator.url);
    cleanup.add(dispose);
    const domain = await makeDomain(ca, [['npm-store'], ['app']]);
    expect(cliError(cli, await aws(['describe-domain', '--domain', 'no-such-domain']), 'ResourceNotFoundException', 'DescribeDomain')).toBe(
      `Domain not found. Domain 'no-such-domain' owned by account '${ACCOUNT}' does not exist`,
    );
    expect(cliError(cli, await aws(['delete-domain', '--domain', domain]), 'ConflictException', 'DeleteDomain')).toBe(
      'Domain must contain 0 repositories before deletion',
    );
    const connected = cliOk(
      await aws([
        'associate-external-connection',
        '--domain',
        domain,
        '--repository',
        'npm-store',
        '--external-connection',
        'public:npmjs',
      ]),
    );
    // The tutorial's sample output (AWS's transcript) prints AVAILABLE; the model's enum says Available.
    expect(connected.repository.externalConnections).toEqual([
      { externalConnectionName: 'public:npmjs', packageFormat: 'npm', status: 'AVAILABLE' },
    ]);
    expect(
      cliError(
        cli,
        await aws([
          'associate-external-connection',
          '--domain',
          domain,
          '--repository',
          'npm-store',
          '--external-connection',
          'public:pypi',
        ]),
        'ValidationException',
        'AssociateExternalConnection',
      ),
    ).toBe('ExternalConnections for repositories are currently limited to 1');
    const app = await endpointOf(ca, domain, 'app');
    expect((await npmPublish(app, 'cli-asset', '1.0.0')).status).toBe(200);
    const assets = cliOk(
      await aws([
        'list-package-version-assets',
        '--domain',
        domain,
        '--repository',
        'app',
        '--format',
        'npm',
        '--package',
        'cli-asset',
        '--package-version',
        '1.0.0',
      ]),
    );
    expect(assets.assets.map((a: { name: string }) => a.name)).toEqual(['package.tgz']);
  });
}

// ---- quotas -----------------------------------------------------------------------------------

test('user guide "Quotas in AWS CodeArtifact": 10 domains per account and region by default, then 402 ServiceQuotaExceededException', async ({
  cleanup,
}) => {
  const { ca, emulator } = await startStack(cleanup, { fixture: false });
  const names = Array.from({ length: 10 }, (_, i) => `quota-${i}`);
  for (const domain of names) await ca.send(new CreateDomainCommand({ domain }));
  const over = await rejection(ca.send(new CreateDomainCommand({ domain: 'quota-10' })));
  expect([over.name, over.$metadata?.httpStatusCode]).toEqual(['ServiceQuotaExceededException', 402]);
  expect(over.message).toMatch(/quota is 10/);
  expect((await ca.send(new ListDomainsCommand({}))).domains).toHaveLength(10);
  // The quota is per region.
  const eu = sdkClient(cleanup, emulator.url, 'eu-west-1');
  await eu.send(new CreateDomainCommand({ domain: 'quota-10' }));
  // Deleting one makes room again.
  await ca.send(new DeleteDomainCommand({ domain: 'quota-0' }));
  await ca.send(new CreateDomainCommand({ domain: 'quota-10' }));
});

test('--quota changes a default: domains, repositories per domain, package groups per domain (402 each)', async ({ cleanup }) => {
  test.setTimeout(240_000); // the aws CLIs take seconds per call on a shared machine
  const { ca, emulator } = await startStack(cleanup, {
    fixture: false,
    args: [
      '--quota',
      'domainsPerAccount=1',
      '--quota',
      'repositoriesPerDomain=2',
      '--quota',
      'packageGroupsPerDomain=2',
      '--quota',
      'assetsPerPackageVersion=1',
    ],
  });
  await ca.send(new CreateDomainCommand({ domain: 'only-one' }));
  const domains = await rejection(ca.send(new CreateDomainCommand({ domain: 'second' })));
  expect([domains.name, domains.message]).toEqual([
    'ServiceQuotaExceededException',
    expect.stringMatching(/quota is 1 .*domainsPerAccount/),
  ]);
  await ca.send(new CreateRepositoryCommand({ domain: 'only-one', repository: 'r1' }));
  await ca.send(new CreateRepositoryCommand({ domain: 'only-one', repository: 'r2' }));
  const repos = await rejection(ca.send(new CreateRepositoryCommand({ domain: 'only-one', repository: 'r3' })));
  expect([repos.name, (repos as unknown as { resourceType?: string }).resourceType]).toEqual([
    'ServiceQuotaExceededException',
    'repository',
  ]);
  // The root group /* counts: one more group fills a quota of 2.
  await ca.send(new CreatePackageGroupCommand({ domain: 'only-one', packageGroup: '/npm/*' }));
  const groups = await rejection(ca.send(new CreatePackageGroupCommand({ domain: 'only-one', packageGroup: '/pypi/*' })));
  expect(groups.name).toBe('ServiceQuotaExceededException');
  // Assets per package version (150 on AWS, not adjustable there): an unfinished generic version takes no more.
  const asset = (assetName: string) => {
    const assetContent = Buffer.from(assetName);
    return ca.send(
      new PublishPackageVersionCommand({
        domain: 'only-one',
        repository: 'r1',
        format: 'generic',
        namespace: 'tools',
        package: 'kit',
        packageVersion: '1.0.0',
        assetName,
        assetContent,
        assetSHA256: createHash('sha256').update(assetContent).digest('hex'),
        unfinished: true,
      }),
    );
  };
  await asset('one.bin');
  const assets = await rejection(asset('two.bin'));
  expect([assets.name, (assets as unknown as { resourceType?: string }).resourceType]).toEqual([
    'ServiceQuotaExceededException',
    'package-version',
  ]);

  for (const cli of installedClis()) {
    const { aws, dispose } = await awsFor(cli, emulator.url);
    cleanup.add(dispose);
    cliError(cli, await aws(['create-domain', '--domain', `over-${cli.name}`]), 'ServiceQuotaExceededException', 'CreateDomain');
  }
});

// ---- DescribeDomain assetSizeBytes ------------------------------------------------------------

test('API reference DescribeDomain: assetSizeBytes counts the stored assets, each blob once per domain; repositoryCount', async ({
  cleanup,
}) => {
  const { ca } = await startStack(cleanup);
  const domain = await makeDomain(ca, [['store'], ['app', ['store']]], ['store']);
  const describeDomain = async () => (await ca.send(new DescribeDomainCommand({ domain }))).domain!;
  expect([(await describeDomain()).assetSizeBytes, (await describeDomain()).repositoryCount]).toEqual([0, 2]);
  const app = await endpointOf(ca, domain, 'app');
  const bytes = npmTarball({ name: 'sized', version: '1.0.0' }, { 'data.bin': 'x'.repeat(1234) });
  expect((await npmPublish(app, 'sized', '1.0.0', bytes)).status).toBe(200);
  expect((await describeDomain()).assetSizeBytes).toBe(bytes.length);
  // lodash through app: kept in app and in store (the connection's owner), stored once.
  const tarball = await npmGet(app, 'lodash/-/lodash-4.17.21.tgz');
  expect(tarball.status).toBe(200);
  const lodashBytes = Buffer.from(await tarball.arrayBuffer()).length;
  expect((await describeDomain()).assetSizeBytes).toBe(bytes.length + lodashBytes);
});

// ---- tokens and signatures --------------------------------------------------------------------

test('a token stops working when its domain is deleted, also after a domain of that name is created again; "Bearer <token> junk" is refused', async ({
  cleanup,
}) => {
  const { ca } = await startStack(cleanup, { fixture: false });
  const domain = await makeDomain(ca, [['app']]);
  const app = await endpointOf(ca, domain, 'app');
  expect((await npmGet(app, '-/ping')).status).toBe(200);
  const junk = await npmGet(app, '-/ping', `Bearer ${app.token} junk`);
  expect(junk.status).toBe(401);
  expect(junk.headers.get('www-authenticate')).toContain(`realm="${domain}/app"`);

  await removeAll(ca, domain, ['app']);
  await ca.send(new CreateDomainCommand({ domain }));
  await ca.send(new CreateRepositoryCommand({ domain, repository: 'app' }));
  const old = await npmGet(app, '-/ping');
  expect(old.status, 'the old token opened the deleted domain only').toBe(401);
  expect(await npmError(old)).toMatch(/earlier domain named .* which was deleted/);
  const { authorizationToken: fresh } = await ca.send(new GetAuthorizationTokenCommand({ domain }));
  expect((await npmGet({ ...app, token: fresh! }, '-/ping')).status).toBe(200);
});

test('the region in a SigV4 credential scope must be a real AWS region: "Credential should be scoped to a valid region"', async ({
  cleanup,
}) => {
  test.setTimeout(240_000); // the aws CLIs take seconds per call on a shared machine
  const { emulator } = await startStack(cleanup, { fixture: false });
  const moon = sdkClient(cleanup, emulator.url, 'moon-east-1');
  const err = await rejection(moon.send(new ListDomainsCommand({})));
  expect([err.name, err.$metadata?.httpStatusCode]).toEqual(['InvalidSignatureException', 403]);
  expect(err.message).toContain("Credential should be scoped to a valid region, not 'moon-east-1'");
  // A real region works with the same keys.
  expect((await sdkClient(cleanup, emulator.url).send(new ListDomainsCommand({}))).domains).toEqual([]);
  for (const cli of installedClis()) {
    const { aws, dispose } = await awsFor(cli, emulator.url);
    cleanup.add(dispose);
    expect(cliError(cli, await aws(['list-domains'], { region: 'moon-east-1' }), 'InvalidSignatureException', 'ListDomains')).toContain(
      "not 'moon-east-1'",
    );
  }
});
