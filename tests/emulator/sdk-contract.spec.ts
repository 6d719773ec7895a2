/**
 * The emulator's contract through the AWS SDK for JavaScript v3: every implemented
 * CodeArtifact operation (and STS GetCallerIdentity) answers with the members, types and
 * semantics the CodeArtifact API reference (2018-09-22) documents.
 *
 * Every test creates its own uniquely named domains and removes them (repositories first,
 * then the domain) in the `cleanup` fixture's teardown, which runs even when the test fails.
 */
import {
  AssociateExternalConnectionCommand,
  CodeartifactClient,
  CreateDomainCommand,
  CreateRepositoryCommand,
  DeleteDomainCommand,
  DeleteDomainPermissionsPolicyCommand,
  DeleteRepositoryCommand,
  DeleteRepositoryPermissionsPolicyCommand,
  DescribeDomainCommand,
  DescribeRepositoryCommand,
  DisassociateExternalConnectionCommand,
  GetAuthorizationTokenCommand,
  GetDomainPermissionsPolicyCommand,
  GetRepositoryEndpointCommand,
  GetRepositoryPermissionsPolicyCommand,
  ListDomainsCommand,
  ListRepositoriesCommand,
  ListRepositoriesInDomainCommand,
  ListTagsForResourceCommand,
  PutDomainPermissionsPolicyCommand,
  PutRepositoryPermissionsPolicyCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateRepositoryCommand,
  paginateListDomains,
  paginateListRepositories,
  paginateListRepositoriesInDomain,
  type DomainDescription,
  type RepositoryDescription,
  type RepositorySummary,
  type Tag,
} from '@aws-sdk/client-codeartifact';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ACCOUNT, REGION, expect, sdkClient, test as base, uniqueName } from './fixtures.ts';

// ---------------------------------------------------------------------------------------------
// Local fixtures: clean-up of everything a test creates, clients for other regions, and a
// recorder of the raw JSON the emulator sent (to check wire types the SDK hides).
// ---------------------------------------------------------------------------------------------

/** Keeps the body of the last HTTP response a client received, before the SDK parses it. */
interface WireRecorder {
  /** The last response body parsed as JSON. */
  last(): Record<string, any>;
}

function recordWire(client: CodeartifactClient): WireRecorder {
  let body = '';
  client.middlewareStack.addRelativeTo(
    (next: any) => async (args: any) => {
      const out = await next(args);
      const response = out.response as { body: AsyncIterable<Uint8Array> | Uint8Array };
      const chunks: Buffer[] = [];
      if (response.body instanceof Uint8Array) chunks.push(Buffer.from(response.body));
      else for await (const chunk of response.body) chunks.push(Buffer.from(chunk));
      const buffer = Buffer.concat(chunks);
      body = buffer.toString('utf8');
      response.body = new Uint8Array(buffer);
      return out;
    },
    { relation: 'after', toMiddleware: 'deserializerMiddleware', name: 'wireRecorder', override: true },
  );
  return { last: () => JSON.parse(body) as Record<string, any> };
}

const test = base.extend<{
  clientFor: (region: string) => CodeartifactClient;
  wire: WireRecorder;
}>({
  // Destroyed by the clean-up, after the domains the test made with them.
  clientFor: async ({ emulator, cleanup }, use) => {
    await use((region: string) => sdkClient(cleanup, emulator.url, region));
  },
  wire: async ({ codeartifact }, use) => {
    await use(recordWire(codeartifact));
  },
});

// ---------------------------------------------------------------------------------------------
// Shared expectations
// ---------------------------------------------------------------------------------------------

const domainArn = (domain: string, region = REGION) => `arn:aws:codeartifact:${region}:${ACCOUNT}:domain/${domain}`;
const repositoryArn = (domain: string, repository: string, region = REGION) =>
  `arn:aws:codeartifact:${region}:${ACCOUNT}:repository/${domain}/${repository}`;

/** A Date within a minute of now (the emulator and the tests share one clock). */
function expectRecentDate(value: unknown): void {
  expect(value).toBeInstanceOf(Date);
  const ms = (value as Date).getTime();
  expect(Number.isNaN(ms)).toBe(false);
  expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
}

/** Epoch seconds on the wire: a JSON number, not an ISO string. */
function expectEpochSeconds(value: unknown): void {
  expect(typeof value).toBe('number');
  expect(Math.abs((value as number) * 1000 - Date.now())).toBeLessThan(60_000);
}

function expectDomainDescription(d: DomainDescription | undefined, name: string, repositoryCount: number, region = REGION) {
  expect(d).toBeDefined();
  expect(d!.name).toBe(name);
  expect(d!.owner).toBe(ACCOUNT);
  expect(d!.arn).toBe(domainArn(name, region));
  expect(d!.status).toBe('Active');
  expectRecentDate(d!.createdTime);
  expect(d!.encryptionKey).toMatch(new RegExp(`^arn:aws:kms:${region}:${ACCOUNT}:key/\\S+$`));
  expect(d!.repositoryCount).toBe(repositoryCount);
  expect(typeof d!.assetSizeBytes).toBe('number');
  expect(d!.assetSizeBytes).toBeGreaterThanOrEqual(0);
  expect(d!.s3BucketArn).toMatch(/^arn:aws:s3:::\S+$/);
}

function expectRepositoryDescription(
  r: RepositoryDescription | undefined,
  expected: { domain: string; name: string; description?: string; upstreams?: string[]; region?: string },
) {
  expect(r).toBeDefined();
  expect(r!.name).toBe(expected.name);
  expect(r!.domainName).toBe(expected.domain);
  expect(r!.domainOwner).toBe(ACCOUNT);
  expect(r!.administratorAccount).toBe(ACCOUNT);
  expect(r!.arn).toBe(repositoryArn(expected.domain, expected.name, expected.region));
  expect(r!.description).toBe(expected.description);
  expect(Array.isArray(r!.upstreams)).toBe(true);
  expect(r!.upstreams).toEqual((expected.upstreams ?? []).map((repositoryName) => ({ repositoryName })));
  expect(Array.isArray(r!.externalConnections)).toBe(true);
  expectRecentDate(r!.createdTime);
}

function expectRepositorySummary(r: RepositorySummary | undefined, domain: string, name: string) {
  expect(r).toBeDefined();
  expect(r!.name).toBe(name);
  expect(r!.domainName).toBe(domain);
  expect(r!.domainOwner).toBe(ACCOUNT);
  expect(r!.administratorAccount).toBe(ACCOUNT);
  expect(r!.arn).toBe(repositoryArn(domain, name));
  expectRecentDate(r!.createdTime);
}

const tagsOf = (tags: Tag[] | undefined) =>
  Object.fromEntries((tags ?? []).map((t) => [t.key, t.value])) as Record<string, string | undefined>;

const POLICY = (principal: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${principal}:root` }, Action: 'codeartifact:*', Resource: '*' }],
  });

// ---------------------------------------------------------------------------------------------
// Domains
// ---------------------------------------------------------------------------------------------

test.describe('domains', () => {
  test('CreateDomain returns a full DomainDescription with createdTime as epoch seconds', async ({ codeartifact, cleanup, wire }) => {
    const domain = cleanup.track(codeartifact, uniqueName('cd'));
    const out = await codeartifact.send(new CreateDomainCommand({ domain }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expectDomainDescription(out.domain, domain, 0);
    expect(out.domain!.assetSizeBytes).toBe(0);

    const onWire = wire.last().domain;
    expectEpochSeconds(onWire.createdTime);
    expect(typeof onWire.repositoryCount).toBe('number');
    expect(typeof onWire.assetSizeBytes).toBe('number');
    expect(out.domain!.createdTime!.getTime()).toBe(Math.round(onWire.createdTime * 1000));
  });

  test('CreateDomain accepts a customer KMS key and echoes it', async ({ codeartifact, cleanup }) => {
    const domain = cleanup.track(codeartifact, uniqueName('kms'));
    const encryptionKey = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const out = await codeartifact.send(new CreateDomainCommand({ domain, encryptionKey }));
    expect(out.domain?.encryptionKey).toBe(encryptionKey);
    const described = await codeartifact.send(new DescribeDomainCommand({ domain }));
    expect(described.domain?.encryptionKey).toBe(encryptionKey);
  });

  test('DescribeDomain reports repositoryCount as repositories come and go', async ({ codeartifact, cleanup, wire }) => {
    const domain = cleanup.track(codeartifact, uniqueName('dd'));
    const created = await codeartifact.send(new CreateDomainCommand({ domain }));

    const empty = await codeartifact.send(new DescribeDomainCommand({ domain }));
    expectDomainDescription(empty.domain, domain, 0);
    expect(empty.domain!.createdTime!.getTime()).toBe(created.domain!.createdTime!.getTime());
    expect(empty.domain!.encryptionKey).toBe(created.domain!.encryptionKey);
    expectEpochSeconds(wire.last().domain.createdTime);

    await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'one' }));
    await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'two' }));
    const two = await codeartifact.send(new DescribeDomainCommand({ domain, domainOwner: ACCOUNT }));
    expectDomainDescription(two.domain, domain, 2);
    expect(Number.isInteger(wire.last().domain.repositoryCount)).toBe(true);

    await codeartifact.send(new DeleteRepositoryCommand({ domain, repository: 'one' }));
    const one = await codeartifact.send(new DescribeDomainCommand({ domain }));
    expectDomainDescription(one.domain, domain, 1);
  });

  test('ListDomains returns DomainSummary entries', async ({ codeartifact, cleanup, wire }) => {
    const domain = cleanup.track(codeartifact, uniqueName('ld'));
    const created = await codeartifact.send(new CreateDomainCommand({ domain }));
    const found = [];
    for await (const page of paginateListDomains({ client: codeartifact }, {})) {
      expect(Array.isArray(page.domains)).toBe(true);
      found.push(...(page.domains ?? []).filter((d) => d.name === domain));
    }
    expect(found).toHaveLength(1);
    const summary = found[0]!;
    expect(summary.owner).toBe(ACCOUNT);
    expect(summary.arn).toBe(domainArn(domain));
    expect(summary.status).toBe('Active');
    expect(summary.encryptionKey).toBe(created.domain!.encryptionKey);
    expectRecentDate(summary.createdTime);

    const page = await codeartifact.send(new ListDomainsCommand({ maxResults: 1000 }));
    const onWire = (wire.last().domains as Record<string, unknown>[]).find((d) => d.name === domain);
    expect(onWire).toBeDefined();
    expectEpochSeconds(onWire!.createdTime);
    // A summary is not a description: no repository count or asset size.
    expect(onWire).not.toHaveProperty('repositoryCount');
    expect(page.domains?.some((d) => d.name === domain)).toBe(true);
  });

  test('DeleteDomain returns the deleted domain and it is gone afterwards', async ({ codeartifact, cleanup }) => {
    const domain = cleanup.track(codeartifact, uniqueName('del'));
    await codeartifact.send(new CreateDomainCommand({ domain }));
    const deleted = await codeartifact.send(new DeleteDomainCommand({ domain, domainOwner: ACCOUNT }));
    expect(deleted.domain?.name).toBe(domain);
    expect(deleted.domain?.arn).toBe(domainArn(domain));
    expect(deleted.domain?.owner).toBe(ACCOUNT);
    expect(['Deleted', 'Active']).toContain(deleted.domain?.status);
    expectRecentDate(deleted.domain?.createdTime);

    const err = await codeartifact.send(new DescribeDomainCommand({ domain })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    const listed = [];
    for await (const page of paginateListDomains({ client: codeartifact }, {})) listed.push(...(page.domains ?? []));
    expect(listed.map((d) => d.name)).not.toContain(domain);
  });
});

// ---------------------------------------------------------------------------------------------
// Repositories
// ---------------------------------------------------------------------------------------------

test.describe('repositories', () => {
  test('CreateRepository returns a RepositoryDescription with empty upstreams and externalConnections arrays', async ({
    codeartifact,
    cleanup,
    wire,
  }) => {
    const domain = cleanup.track(codeartifact, uniqueName('cr'));
    await codeartifact.send(new CreateDomainCommand({ domain }));
    const out = await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'my-repo' }));
    expectRepositoryDescription(out.repository, { domain, name: 'my-repo' });
    expect(out.repository!.externalConnections).toEqual([]);

    const onWire = wire.last().repository;
    expect(onWire.upstreams).toEqual([]);
    expect(onWire.externalConnections).toEqual([]);
    expectEpochSeconds(onWire.createdTime);
  });

  test('CreateRepository with description and upstreams keeps the upstream order', async ({ codeartifact, cleanup }) => {
    const domain = cleanup.track(codeartifact, uniqueName('cru'));
    await codeartifact.send(new CreateDomainCommand({ domain }));
    await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'up-b' }));
    await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'up-a' }));
    const out = await codeartifact.send(
      new CreateRepositoryCommand({
        domain,
        domainOwner: ACCOUNT,
        repository: 'Mixed.Case_repo-1',
        description: 'Team repository (ünïcode ok)',
        upstreams: [{ repositoryName: 'up-b' }, { repositoryName: 'up-a' }],
      }),
    );
    const expected = { domain, name: 'Mixed.Case_repo-1', description: 'Team repository (ünïcode ok)', upstreams: ['up-b', 'up-a'] };
    expectRepositoryDescription(out.repository, expected);
    const described = await codeartifact.send(new DescribeRepositoryCommand({ domain, repository: 'Mixed.Case_repo-1' }));
    expectRepositoryDescription(described.repository, expected);
    expect(described.repository!.createdTime!.getTime()).toBe(out.repository!.createdTime!.getTime());
  });

  test('DescribeRepository always sends upstreams and externalConnections', async ({ codeartifact, cleanup, wire }) => {
    const domain = cleanup.track(codeartifact, uniqueName('dr'));
    await codeartifact.send(new CreateDomainCommand({ domain }));
    await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'plain', description: 'd' }));
    const out = await codeartifact.send(new DescribeRepositoryCommand({ domain, domainOwner: ACCOUNT, repository: 'plain' }));
    expectRepositoryDescription(out.repository, { domain, name: 'plain', description: 'd' });
    const onWire = wire.last().repository;
    expect(Array.isArray(onWire.upstreams)).toBe(true);
    expect(Array.isArray(onWire.externalConnections)).toBe(true);
    expect(typeof onWire.description).toBe('string');
    expectEpochSeconds(onWire.createdTime);
  });

  test('UpdateRepository replaces upstreams, leaves them alone when omitted, and updates the description', async ({
    codeartifact,
    cleanup,
  }) => {
    const domain = cleanup.track(codeartifact, uniqueName('ur'));
    await codeartifact.send(new CreateDomainCommand({ domain }));
    for (const repository of ['u1', 'u2', 'u3']) await codeartifact.send(new CreateRepositoryCommand({ domain, repository }));
    await codeartifact.send(
      new CreateRepositoryCommand({ domain, repository: 'main', description: 'first', upstreams: [{ repositoryName: 'u1' }] }),
    );

    // upstreams given: the list is replaced, not appended to; the description stays.
    const replaced = await codeartifact.send(
      new UpdateRepositoryCommand({ domain, repository: 'main', upstreams: [{ repositoryName: 'u3' }, { repositoryName: 'u2' }] }),
    );
    expectRepositoryDescription(replaced.repository, { domain, name: 'main', description: 'first', upstreams: ['u3', 'u2'] });

    // upstreams left out: unchanged; description updated.
    const described = await codeartifact.send(new UpdateRepositoryCommand({ domain, repository: 'main', description: 'second' }));
    expectRepositoryDescription(described.repository, { domain, name: 'main', description: 'second', upstreams: ['u3', 'u2'] });

    // what DescribeRepository sees agrees with the update's answer.
    const now = await codeartifact.send(new DescribeRepositoryCommand({ domain, repository: 'main' }));
    expectRepositoryDescription(now.repository, { domain, name: 'main', description: 'second', upstreams: ['u3', 'u2'] });

    // an empty list removes every upstream.
    const cleared = await codeartifact.send(new UpdateRepositoryCommand({ domain, repository: 'main', upstreams: [] }));
    expectRepositoryDescription(cleared.repository, { domain, name: 'main', description: 'second', upstreams: [] });

    // neither member: nothing changes.
    const untouched = await codeartifact.send(new UpdateRepositoryCommand({ domain, domainOwner: ACCOUNT, repository: 'main' }));
    expectRepositoryDescription(untouched.repository, { domain, name: 'main', description: 'second', upstreams: [] });
  });

  test('DeleteRepository returns the deleted repository and it is gone afterwards', async ({ codeartifact, cleanup }) => {
    const domain = cleanup.track(codeartifact, uniqueName('delr'));
    await codeartifact.send(new CreateDomainCommand({ domain }));
    await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'up' }));
    await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'down', upstreams: [{ repositoryName: 'up' }] }));

    const deleted = await codeartifact.send(new DeleteRepositoryCommand({ domain, domainOwner: ACCOUNT, repository: 'down' }));
    expectRepositoryDescription(deleted.repository, { domain, name: 'down', upstreams: ['up'] });
    const err = await codeartifact.send(new DescribeRepositoryCommand({ domain, repository: 'down' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);

    // with no downstream left, the upstream can go too.
    await codeartifact.send(new DeleteRepositoryCommand({ domain, repository: 'up' }));
    const d = await codeartifact.send(new DescribeDomainCommand({ domain }));
    expect(d.domain?.repositoryCount).toBe(0);
  });

  test('ListRepositoriesInDomain returns RepositorySummary entries and filters by prefix and administrator', async ({
    codeartifact,
    cleanup,
    wire,
  }) => {
    const domain = cleanup.track(codeartifact, uniqueName('lrd'));
    await codeartifact.send(new CreateDomainCommand({ domain }));
    await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'alpha-1', description: 'A' }));
    await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'alpha-2' }));
    await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'beta-1' }));

    const all = await codeartifact.send(new ListRepositoriesInDomainCommand({ domain }));
    expect(all.repositories?.map((r) => r.name).sort()).toEqual(['alpha-1', 'alpha-2', 'beta-1']);
    expect(all.nextToken).toBeUndefined();
    for (const r of all.repositories!) expectRepositorySummary(r, domain, r.name!);
    expect(all.repositories!.find((r) => r.name === 'alpha-1')!.description).toBe('A');
    const onWire = (wire.last().repositories as Record<string, unknown>[])[0]!;
    expectEpochSeconds(onWire.createdTime);
    // a summary is not a description: no upstream or connection lists.
    expect(onWire).not.toHaveProperty('upstreams');

    const alpha = await codeartifact.send(new ListRepositoriesInDomainCommand({ domain, repositoryPrefix: 'alpha' }));
    expect(alpha.repositories?.map((r) => r.name).sort()).toEqual(['alpha-1', 'alpha-2']);

    const mine = await codeartifact.send(
      new ListRepositoriesInDomainCommand({ domain, domainOwner: ACCOUNT, administratorAccount: ACCOUNT }),
    );
    expect(mine.repositories).toHaveLength(3);
    const others = await codeartifact.send(new ListRepositoriesInDomainCommand({ domain, administratorAccount: '111122223333' }));
    expect(others.repositories).toEqual([]);
  });

  test('ListRepositories lists repositories of every domain and filters by prefix', async ({ codeartifact, cleanup }) => {
    const d1 = cleanup.track(codeartifact, uniqueName('lr'));
    const d2 = cleanup.track(codeartifact, uniqueName('lr'));
    const prefix = uniqueName('p');
    for (const domain of [d1, d2]) {
      await codeartifact.send(new CreateDomainCommand({ domain }));
      await codeartifact.send(new CreateRepositoryCommand({ domain, repository: `${prefix}-x` }));
    }
    const out = await codeartifact.send(new ListRepositoriesCommand({ repositoryPrefix: prefix }));
    expect(out.repositories?.map((r) => `${r.domainName}/${r.name}`).sort()).toEqual([`${d1}/${prefix}-x`, `${d2}/${prefix}-x`].sort());
    for (const r of out.repositories!) expectRepositorySummary(r, r.domainName!, `${prefix}-x`);
  });
});

// ---------------------------------------------------------------------------------------------
// External connections
// ---------------------------------------------------------------------------------------------

test.describe('external connections', () => {
  const connections: [string, string][] = [
    ['public:npmjs', 'npm'],
    ['public:pypi', 'pypi'],
    ['public:maven-central', 'maven'],
    ['public:nuget-org', 'nuget'],
    ['public:ruby-gems-org', 'ruby'],
    ['public:crates-io', 'cargo'],
  ];
  for (const [externalConnection, packageFormat] of connections) {
    test(`Associate/DisassociateExternalConnection ${externalConnection} (format ${packageFormat})`, async ({
      codeartifact,
      cleanup,
      wire,
    }) => {
      const domain = cleanup.track(codeartifact, uniqueName('ec'));
      await codeartifact.send(new CreateDomainCommand({ domain }));
      await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'store', description: 'keep' }));

      // AWS prints AVAILABLE in every transcript; the model's enum says Available. AWS wins.
      const info = { externalConnectionName: externalConnection, packageFormat, status: 'AVAILABLE' };
      const associated = await codeartifact.send(
        new AssociateExternalConnectionCommand({ domain, domainOwner: ACCOUNT, repository: 'store', externalConnection }),
      );
      expectRepositoryDescription(associated.repository, { domain, name: 'store', description: 'keep' });
      expect(associated.repository!.externalConnections).toEqual([info]);
      expect(wire.last().repository.externalConnections).toEqual([info]);

      const described = await codeartifact.send(new DescribeRepositoryCommand({ domain, repository: 'store' }));
      expect(described.repository!.externalConnections).toEqual([info]);

      const disassociated = await codeartifact.send(
        new DisassociateExternalConnectionCommand({ domain, repository: 'store', externalConnection }),
      );
      expectRepositoryDescription(disassociated.repository, { domain, name: 'store', description: 'keep' });
      expect(disassociated.repository!.externalConnections).toEqual([]);
      expect(wire.last().repository.externalConnections).toEqual([]);

      const after = await codeartifact.send(new DescribeRepositoryCommand({ domain, repository: 'store' }));
      expect(after.repository!.externalConnections).toEqual([]);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Authorization tokens and endpoints
// ---------------------------------------------------------------------------------------------

test.describe('access', () => {
  const HOUR = 3600_000;

  test('GetAuthorizationToken defaults to about 12 hours, expiration as epoch seconds', async ({ codeartifact, cleanup, wire }) => {
    const domain = cleanup.track(codeartifact, uniqueName('tok'));
    await codeartifact.send(new CreateDomainCommand({ domain }));
    const before = Date.now();
    const out = await codeartifact.send(new GetAuthorizationTokenCommand({ domain }));
    expect(typeof out.authorizationToken).toBe('string');
    expect(out.authorizationToken!.length).toBeGreaterThan(20);
    expect(out.expiration).toBeInstanceOf(Date);
    const ms = out.expiration!.getTime() - before;
    expect(ms).toBeGreaterThan(12 * HOUR - 60_000);
    expect(ms).toBeLessThan(12 * HOUR + 60_000);
    const onWire = wire.last();
    expect(typeof onWire.expiration).toBe('number');
    expect(onWire.authorizationToken).toBe(out.authorizationToken);

    // every call issues a fresh token
    const again = await codeartifact.send(new GetAuthorizationTokenCommand({ domain, domainOwner: ACCOUNT }));
    expect(again.authorizationToken).not.toBe(out.authorizationToken);
  });

  for (const [durationSeconds, expectedMs] of [
    [900, 900_000],
    [43200, 12 * HOUR],
    [3600, HOUR],
  ] as const) {
    test(`GetAuthorizationToken honours durationSeconds ${durationSeconds}`, async ({ codeartifact, cleanup }) => {
      const domain = cleanup.track(codeartifact, uniqueName('tokd'));
      await codeartifact.send(new CreateDomainCommand({ domain }));
      const before = Date.now();
      const out = await codeartifact.send(new GetAuthorizationTokenCommand({ domain, durationSeconds }));
      expect(out.authorizationToken).toBeTruthy();
      const ms = out.expiration!.getTime() - before;
      expect(ms).toBeGreaterThan(expectedMs - 60_000);
      expect(ms).toBeLessThan(expectedMs + 60_000);
    });
  }

  test('GetAuthorizationToken allows durationSeconds 0 (the credentials lifetime, at most 12 hours)', async ({ codeartifact, cleanup }) => {
    const domain = cleanup.track(codeartifact, uniqueName('tok0'));
    await codeartifact.send(new CreateDomainCommand({ domain }));
    const out = await codeartifact.send(new GetAuthorizationTokenCommand({ domain, durationSeconds: 0 }));
    expect(out.authorizationToken).toBeTruthy();
    expect(out.expiration).toBeInstanceOf(Date);
    const ms = out.expiration!.getTime() - Date.now();
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThanOrEqual(12 * HOUR + 60_000);
  });

  test('GetRepositoryEndpoint answers a URL on the emulator ending in /<format>/<repo>/', async ({ codeartifact, cleanup, emulator }) => {
    const domain = cleanup.track(codeartifact, uniqueName('ep'));
    await codeartifact.send(new CreateDomainCommand({ domain }));
    await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'my-repo' }));

    const npm = await codeartifact.send(new GetRepositoryEndpointCommand({ domain, repository: 'my-repo', format: 'npm' }));
    expect(typeof npm.repositoryEndpoint).toBe('string');
    expect(npm.repositoryEndpoint!.startsWith(emulator.url)).toBe(true);
    expect(npm.repositoryEndpoint!.endsWith('/npm/my-repo/')).toBe(true);
    expect(new URL(npm.repositoryEndpoint!).origin).toBe(new URL(emulator.url).origin);

    for (const format of ['pypi', 'maven'] as const) {
      const out = await codeartifact.send(
        new GetRepositoryEndpointCommand({ domain, domainOwner: ACCOUNT, repository: 'my-repo', format, endpointType: 'ipv4' }),
      );
      expect(out.repositoryEndpoint!.startsWith(emulator.url)).toBe(true);
      expect(out.repositoryEndpoint!.endsWith(`/${format}/my-repo/`)).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------------------------

test.describe('tags', () => {
  test('tags given at creation are listed for the domain and repository ARNs', async ({ codeartifact, cleanup }) => {
    const domain = cleanup.track(codeartifact, uniqueName('tg'));
    const created = await codeartifact.send(
      new CreateDomainCommand({
        domain,
        tags: [
          { key: 'team', value: 'platform' },
          { key: 'env', value: '' },
        ],
      }),
    );
    const repo = await codeartifact.send(
      new CreateRepositoryCommand({ domain, repository: 'tagged', tags: [{ key: 'cost-center', value: '42' }] }),
    );
    const domainTags = await codeartifact.send(new ListTagsForResourceCommand({ resourceArn: created.domain!.arn! }));
    expect(tagsOf(domainTags.tags)).toEqual({ team: 'platform', env: '' });
    const repoTags = await codeartifact.send(new ListTagsForResourceCommand({ resourceArn: repo.repository!.arn! }));
    expect(repoTags.tags).toEqual([{ key: 'cost-center', value: '42' }]);
  });

  for (const kind of ['domain', 'repository'] as const) {
    test(`TagResource merges, UntagResource removes, ListTagsForResource lists (${kind} ARN)`, async ({ codeartifact, cleanup, wire }) => {
      const domain = cleanup.track(codeartifact, uniqueName('tm'));
      await codeartifact.send(new CreateDomainCommand({ domain }));
      await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'r1' }));
      const resourceArn = kind === 'domain' ? domainArn(domain) : repositoryArn(domain, 'r1');

      const none = await codeartifact.send(new ListTagsForResourceCommand({ resourceArn }));
      expect(none.tags).toEqual([]);
      expect(wire.last().tags).toEqual([]);

      const tagged = await codeartifact.send(
        new TagResourceCommand({
          resourceArn,
          tags: [
            { key: 'a', value: '1' },
            { key: 'b', value: '2' },
          ],
        }),
      );
      expect(tagged.$metadata.httpStatusCode).toBe(200);
      // merge: 'b' overwritten, 'c' added, 'a' kept
      await codeartifact.send(
        new TagResourceCommand({
          resourceArn,
          tags: [
            { key: 'b', value: 'two' },
            { key: 'c', value: '3' },
          ],
        }),
      );
      const merged = await codeartifact.send(new ListTagsForResourceCommand({ resourceArn }));
      expect(tagsOf(merged.tags)).toEqual({ a: '1', b: 'two', c: '3' });
      expect(merged.tags).toHaveLength(3);

      const untagged = await codeartifact.send(new UntagResourceCommand({ resourceArn, tagKeys: ['a', 'c', 'not-there'] }));
      expect(untagged.$metadata.httpStatusCode).toBe(200);
      const left = await codeartifact.send(new ListTagsForResourceCommand({ resourceArn }));
      expect(left.tags).toEqual([{ key: 'b', value: 'two' }]);

      // tagging one resource leaves the other alone
      const otherArn = kind === 'domain' ? repositoryArn(domain, 'r1') : domainArn(domain);
      const other = await codeartifact.send(new ListTagsForResourceCommand({ resourceArn: otherArn }));
      expect(other.tags).toEqual([]);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Permissions policies
// ---------------------------------------------------------------------------------------------

test.describe('permissions policies', () => {
  test('domain policy: put, get, put with revision, delete with revision', async ({ codeartifact, cleanup }) => {
    const domain = cleanup.track(codeartifact, uniqueName('dp'));
    await codeartifact.send(new CreateDomainCommand({ domain }));

    const first = await codeartifact.send(new PutDomainPermissionsPolicyCommand({ domain, policyDocument: POLICY('111122223333') }));
    expect(first.policy?.resourceArn).toBe(domainArn(domain));
    expect(typeof first.policy?.revision).toBe('string');
    expect(first.policy!.revision!.length).toBeGreaterThan(0);
    expect(JSON.parse(first.policy!.document!)).toEqual(JSON.parse(POLICY('111122223333')));

    const got = await codeartifact.send(new GetDomainPermissionsPolicyCommand({ domain, domainOwner: ACCOUNT }));
    expect(got.policy).toEqual(first.policy);

    const second = await codeartifact.send(
      new PutDomainPermissionsPolicyCommand({
        domain,
        domainOwner: ACCOUNT,
        policyRevision: first.policy!.revision!,
        policyDocument: POLICY('444455556666'),
      }),
    );
    expect(second.policy?.resourceArn).toBe(domainArn(domain));
    expect(second.policy?.revision).not.toBe(first.policy!.revision);
    expect(JSON.parse(second.policy!.document!)).toEqual(JSON.parse(POLICY('444455556666')));
    const got2 = await codeartifact.send(new GetDomainPermissionsPolicyCommand({ domain }));
    expect(got2.policy).toEqual(second.policy);

    const deleted = await codeartifact.send(new DeleteDomainPermissionsPolicyCommand({ domain, policyRevision: second.policy!.revision! }));
    expect(deleted.policy).toEqual(second.policy);
    const err = await codeartifact.send(new GetDomainPermissionsPolicyCommand({ domain })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);

    // delete without a revision also works
    await codeartifact.send(new PutDomainPermissionsPolicyCommand({ domain, policyDocument: POLICY('111122223333') }));
    const deletedAgain = await codeartifact.send(new DeleteDomainPermissionsPolicyCommand({ domain }));
    expect(deletedAgain.policy?.resourceArn).toBe(domainArn(domain));
  });

  test('repository policy: put, get, put with revision, delete with revision', async ({ codeartifact, cleanup }) => {
    const domain = cleanup.track(codeartifact, uniqueName('rp'));
    await codeartifact.send(new CreateDomainCommand({ domain }));
    await codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'guarded' }));
    const arn = repositoryArn(domain, 'guarded');

    const first = await codeartifact.send(
      new PutRepositoryPermissionsPolicyCommand({ domain, repository: 'guarded', policyDocument: POLICY('111122223333') }),
    );
    expect(first.policy?.resourceArn).toBe(arn);
    expect(typeof first.policy?.revision).toBe('string');
    expect(JSON.parse(first.policy!.document!)).toEqual(JSON.parse(POLICY('111122223333')));

    const got = await codeartifact.send(new GetRepositoryPermissionsPolicyCommand({ domain, domainOwner: ACCOUNT, repository: 'guarded' }));
    expect(got.policy).toEqual(first.policy);

    const second = await codeartifact.send(
      new PutRepositoryPermissionsPolicyCommand({
        domain,
        repository: 'guarded',
        policyRevision: first.policy!.revision!,
        policyDocument: POLICY('444455556666'),
      }),
    );
    expect(second.policy?.revision).not.toBe(first.policy!.revision);
    expect(second.policy?.resourceArn).toBe(arn);

    // the domain has no policy of its own
    const domainErr = await codeartifact.send(new GetDomainPermissionsPolicyCommand({ domain })).catch((e: unknown) => e);
    expect(domainErr).toBeInstanceOf(ResourceNotFoundException);

    const deleted = await codeartifact.send(
      new DeleteRepositoryPermissionsPolicyCommand({ domain, repository: 'guarded', policyRevision: second.policy!.revision! }),
    );
    expect(deleted.policy).toEqual(second.policy);
    const err = await codeartifact
      .send(new GetRepositoryPermissionsPolicyCommand({ domain, repository: 'guarded' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
  });
});

// ---------------------------------------------------------------------------------------------
// Pagination. Each test works in a region of its own (the region comes from the signature),
// so the walk sees exactly what the test created.
// ---------------------------------------------------------------------------------------------

/** Walks every page by hand with maxResults 1 and returns the pages. */
async function walk<T>(fetchPage: (nextToken: string | undefined) => Promise<{ items: T[] | undefined; nextToken?: string }>) {
  const pages: T[][] = [];
  let nextToken: string | undefined;
  const tokens = new Set<string>();
  do {
    const page = await fetchPage(nextToken);
    expect(Array.isArray(page.items)).toBe(true);
    pages.push(page.items!);
    nextToken = page.nextToken;
    if (nextToken !== undefined) {
      expect(typeof nextToken).toBe('string');
      expect(tokens.has(nextToken), 'a nextToken repeats: the walk would loop').toBe(false);
      tokens.add(nextToken);
    }
    expect(pages.length).toBeLessThan(100);
  } while (nextToken !== undefined);
  return pages;
}

function expectEachOnce(seen: string[], expected: string[]) {
  expect(new Set(seen).size, `duplicates in ${seen.join(', ')}`).toBe(seen.length);
  expect([...seen].sort()).toEqual([...expected].sort());
}

test.describe('pagination', () => {
  test('ListDomains with maxResults 1 walks every page and sees each domain once', async ({ clientFor, cleanup }) => {
    const client = clientFor('ap-southeast-1');
    const names = [1, 2, 3, 4, 5].map(() => cleanup.track(client, uniqueName('pg')));
    for (const domain of names) await client.send(new CreateDomainCommand({ domain }));

    const pages = await walk(async (nextToken) => {
      const out = await client.send(new ListDomainsCommand({ maxResults: 1, nextToken }));
      return { items: out.domains, nextToken: out.nextToken };
    });
    for (const page of pages) expect(page.length).toBeLessThanOrEqual(1);
    expect(pages.at(-1)!.length).toBe(1);
    expectEachOnce(
      pages.flat().map((d) => d.name!),
      names,
    );
    expect(pages).toHaveLength(names.length);

    // the SDK's paginator agrees
    const viaPaginator: string[] = [];
    for await (const page of paginateListDomains({ client, pageSize: 2 }, {})) {
      expect(page.domains!.length).toBeLessThanOrEqual(2);
      viaPaginator.push(...page.domains!.map((d) => d.name!));
    }
    expectEachOnce(viaPaginator, names);
  });

  test('ListRepositories with maxResults 1 walks every page and sees each repository once', async ({ clientFor, cleanup }) => {
    const client = clientFor('ap-southeast-2');
    const expected: string[] = [];
    for (let i = 0; i < 2; i++) {
      const domain = cleanup.track(client, uniqueName('pgr'));
      await client.send(new CreateDomainCommand({ domain }));
      for (const repository of ['r-a', 'r-b', 'r-c']) {
        await client.send(new CreateRepositoryCommand({ domain, repository }));
        expected.push(`${domain}/${repository}`);
      }
    }
    const pages = await walk(async (nextToken) => {
      const out = await client.send(new ListRepositoriesCommand({ maxResults: 1, nextToken }));
      return { items: out.repositories, nextToken: out.nextToken };
    });
    for (const page of pages) expect(page.length).toBeLessThanOrEqual(1);
    expectEachOnce(
      pages.flat().map((r) => `${r.domainName}/${r.name}`),
      expected,
    );

    // with a prefix, through the SDK's paginator
    const viaPaginator: string[] = [];
    for await (const page of paginateListRepositories({ client, pageSize: 1 }, { repositoryPrefix: 'r-b' })) {
      viaPaginator.push(...page.repositories!.map((r) => `${r.domainName}/${r.name}`));
    }
    expectEachOnce(
      viaPaginator,
      expected.filter((n) => n.endsWith('/r-b')),
    );
  });

  test('ListRepositoriesInDomain with maxResults 1 walks every page and sees each repository once', async ({ codeartifact, cleanup }) => {
    const domain = cleanup.track(codeartifact, uniqueName('pgd'));
    await codeartifact.send(new CreateDomainCommand({ domain }));
    const names = ['n1', 'n2', 'n3', 'n4'];
    for (const repository of names) await codeartifact.send(new CreateRepositoryCommand({ domain, repository }));

    const pages = await walk(async (nextToken) => {
      const out = await codeartifact.send(new ListRepositoriesInDomainCommand({ domain, maxResults: 1, nextToken }));
      return { items: out.repositories, nextToken: out.nextToken };
    });
    for (const page of pages) expect(page.length).toBeLessThanOrEqual(1);
    expect(pages).toHaveLength(names.length);
    expectEachOnce(
      pages.flat().map((r) => r.name!),
      names,
    );

    const viaPaginator: string[] = [];
    for await (const page of paginateListRepositoriesInDomain({ client: codeartifact, pageSize: 3 }, { domain })) {
      viaPaginator.push(...page.repositories!.map((r) => r.name!));
    }
    expectEachOnce(viaPaginator, names);
  });
});

// ---------------------------------------------------------------------------------------------
// Regions and identity
// ---------------------------------------------------------------------------------------------

test.describe('region and identity', () => {
  test('the region comes from the signature: eu-west-1 sees its own domains and ARNs', async ({ codeartifact, clientFor, cleanup }) => {
    const eu = clientFor('eu-west-1');
    const usDomain = cleanup.track(codeartifact, uniqueName('us'));
    const euDomain = cleanup.track(eu, uniqueName('eu'));
    const shared = uniqueName('both');
    cleanup.track(codeartifact, shared);
    cleanup.track(eu, shared);

    await codeartifact.send(new CreateDomainCommand({ domain: usDomain }));
    const euCreated = await eu.send(new CreateDomainCommand({ domain: euDomain }));
    expectDomainDescription(euCreated.domain, euDomain, 0, 'eu-west-1');
    expect(euCreated.domain!.arn).toBe(`arn:aws:codeartifact:eu-west-1:${ACCOUNT}:domain/${euDomain}`);

    // domain names are regional: the same name exists independently in both regions
    const usShared = await codeartifact.send(new CreateDomainCommand({ domain: shared }));
    const euShared = await eu.send(new CreateDomainCommand({ domain: shared }));
    expect(usShared.domain!.arn).toBe(domainArn(shared));
    expect(euShared.domain!.arn).toBe(domainArn(shared, 'eu-west-1'));

    const list = async (client: CodeartifactClient) => {
      const names: string[] = [];
      for await (const page of paginateListDomains({ client }, {})) names.push(...page.domains!.map((d) => d.name!));
      return names;
    };
    const euNames = await list(eu);
    expect(euNames).toContain(euDomain);
    expect(euNames).toContain(shared);
    expect(euNames).not.toContain(usDomain);
    const usNames = await list(codeartifact);
    expect(usNames).toContain(usDomain);
    expect(usNames).not.toContain(euDomain);

    const crossRegion = await eu.send(new DescribeDomainCommand({ domain: usDomain })).catch((e: unknown) => e);
    expect(crossRegion).toBeInstanceOf(ResourceNotFoundException);

    const repo = await eu.send(new CreateRepositoryCommand({ domain: euDomain, repository: 'eu-repo' }));
    expectRepositoryDescription(repo.repository, { domain: euDomain, name: 'eu-repo', region: 'eu-west-1' });
    const euRepos = await eu.send(new ListRepositoriesInDomainCommand({ domain: euDomain }));
    expect(euRepos.repositories?.[0]?.arn).toBe(repositoryArn(euDomain, 'eu-repo', 'eu-west-1'));
    const usView = await codeartifact.send(new DescribeDomainCommand({ domain: shared }));
    expect(usView.domain?.repositoryCount).toBe(0);

    const token = await eu.send(new GetAuthorizationTokenCommand({ domain: euDomain }));
    expect(token.authorizationToken).toBeTruthy();
  });

  test('STS GetCallerIdentity answers the emulator account', async ({ sts }) => {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.$metadata.httpStatusCode).toBe(200);
    expect(identity.Account).toBe(ACCOUNT);
    expect(identity.Account).toMatch(/^\d{12}$/);
    expect(identity.Arn).toMatch(new RegExp(`^arn:aws:(iam|sts)::${ACCOUNT}:\\S+$`));
    expect(typeof identity.UserId).toBe('string');
    expect(identity.UserId!.length).toBeGreaterThan(0);
    expect(typeof identity.$metadata.requestId).toBe('string');
  });
});
