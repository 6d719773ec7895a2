/**
 * Bad requests against the emulator: each one gets its modeled 4xx error (HTTP status,
 * `x-amzn-ErrorType`, a JSON body with a useful `message` and the modeled members), none
 * gets a 5xx, and the emulator keeps serving afterwards.
 *
 * Most cases go through the AWS SDK (which does not check the model's constraints, so the
 * server must). The cases the SDK cannot produce (broken bodies, unknown routes, missing or
 * wrong signatures) are built by hand below: signed with @smithy/signature-v4 and sent with
 * undici.
 */
import {
  AssociateExternalConnectionCommand,
  CodeartifactServiceException,
  CreateDomainCommand,
  CreateRepositoryCommand,
  DeleteDomainCommand,
  DeleteRepositoryPermissionsPolicyCommand,
  DescribeDomainCommand,
  DescribeRepositoryCommand,
  DisassociateExternalConnectionCommand,
  GetAuthorizationTokenCommand,
  GetDomainPermissionsPolicyCommand,
  GetRepositoryEndpointCommand,
  ListDomainsCommand,
  ListRepositoriesCommand,
  ListRepositoriesInDomainCommand,
  ListTagsForResourceCommand,
  PutDomainPermissionsPolicyCommand,
  PutRepositoryPermissionsPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateRepositoryCommand,
  type CreateDomainCommandInput,
  type GetRepositoryEndpointCommandInput,
  type PutDomainPermissionsPolicyCommandInput,
  type TagResourceCommandInput,
} from '@aws-sdk/client-codeartifact';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { request } from 'undici';
import { codeartifactClient } from '../../helpers/run/sdk.ts';
import { ACCOUNT, ANSWERS_AS_GIVEN, CREDENTIALS, REGION, expect, test as base, uniqueName } from './fixtures.ts';

// ---------------------------------------------------------------------------------------------
// A fresh domain for a test (the clean-up fixture removes it afterwards, repositories first).
// ---------------------------------------------------------------------------------------------

const test = base.extend<{ domainWith: (...repositories: string[]) => Promise<string> }>({
  /** Creates a fresh domain (cleaned up afterwards) holding the given repositories. */
  domainWith: async ({ codeartifact, cleanup }, use) => {
    await use(async (...repositories: string[]) => {
      const domain = cleanup.track(codeartifact, uniqueName('bad'));
      await codeartifact.send(new CreateDomainCommand({ domain }));
      for (const repository of repositories) await codeartifact.send(new CreateRepositoryCommand({ domain, repository }));
      return domain;
    });
  },
});

// ---------------------------------------------------------------------------------------------
// Expectations on SDK errors
// ---------------------------------------------------------------------------------------------

interface ExpectedError {
  status: number;
  name: string;
  message: RegExp;
  reason?: string;
  resourceType?: string;
  resourceId?: string;
}

const validation = (message: RegExp, reason = 'FIELD_VALIDATION_FAILED'): ExpectedError => ({
  status: 400,
  name: 'ValidationException',
  message,
  reason,
});
const notFound = (resourceType: string, resourceId: string, message: RegExp): ExpectedError => ({
  status: 404,
  name: 'ResourceNotFoundException',
  message,
  resourceType,
  resourceId,
});
const conflict = (resourceType: string, resourceId: string, message: RegExp): ExpectedError => ({
  status: 409,
  name: 'ConflictException',
  message,
  resourceType,
  resourceId,
});
const quota = (resourceType: string, resourceId: string, message: RegExp): ExpectedError => ({
  status: 402,
  name: 'ServiceQuotaExceededException',
  message,
  resourceType,
  resourceId,
});

/** The call must fail with exactly this modeled error, read the way the SDK reads it. */
async function expectError(call: Promise<unknown>, expected: ExpectedError): Promise<void> {
  const outcome = await call.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`Expected ${expected.name} (${expected.status}) but the call succeeded.`);
  const err = outcome.error;
  expect(err, `expected a service error, got ${String(err)}`).toBeInstanceOf(CodeartifactServiceException);
  const e = err as CodeartifactServiceException & Record<string, unknown>;
  const status = e.$metadata.httpStatusCode;
  expect(status, 'no 5xx for a bad request').toBeLessThan(500);
  expect(status).toBe(expected.status);
  expect(e.name).toBe(expected.name);
  const response = (e as { $response?: { headers: Record<string, string | undefined> } }).$response;
  expect(response?.headers['x-amzn-errortype']?.split(':')[0]).toBe(expected.name);
  expect(typeof e.message).toBe('string');
  expect(e.message.length).toBeGreaterThan(10);
  expect(e.message).toMatch(expected.message);
  if (expected.reason !== undefined) expect(e.reason).toBe(expected.reason);
  if (expected.resourceType !== undefined) expect(e.resourceType).toBe(expected.resourceType);
  if (expected.resourceId !== undefined) expect(e.resourceId).toBe(expected.resourceId);
}

const arnOf = (domain: string, repository?: string) =>
  repository === undefined
    ? `arn:aws:codeartifact:${REGION}:${ACCOUNT}:domain/${domain}`
    : `arn:aws:codeartifact:${REGION}:${ACCOUNT}:repository/${domain}/${repository}`;

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'codeartifact:*', Resource: '*' }],
});

// ---------------------------------------------------------------------------------------------
// Raw HTTP: requests the SDK cannot produce, signed (or not) by hand.
// ---------------------------------------------------------------------------------------------

interface Signing {
  accessKeyId?: string;
  secretAccessKey?: string;
  service?: string;
  region?: string;
  signingDate?: Date;
  /** Send (and sign) x-amz-content-sha256, as the AWS SDK does by default. */
  applyChecksum?: boolean;
}

interface RawCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: string;
  /** false: send no Authorization header at all. */
  sign?: Signing | false;
  /** Sent instead of `body` after signing `body` (a tampered request). */
  bodyAfterSigning?: string;
}

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown> | undefined;
}

async function sendRaw(baseUrl: string, call: RawCall): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = { host: url.host };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  let signed: HttpRequest = new HttpRequest({
    method: call.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: call.path,
    query: call.query ?? {},
    headers,
    ...(call.body !== undefined ? { body: call.body } : {}),
  });
  if (call.sign !== false) {
    const s = call.sign ?? {};
    const signer = new SignatureV4({
      credentials: {
        accessKeyId: s.accessKeyId ?? CREDENTIALS.accessKeyId,
        secretAccessKey: s.secretAccessKey ?? CREDENTIALS.secretAccessKey,
      },
      region: s.region ?? REGION,
      service: s.service ?? 'codeartifact',
      sha256: Hash.bind(null, 'sha256'),
      applyChecksum: s.applyChecksum ?? true,
    });
    signed = (await signer.sign(signed, { signingDate: s.signingDate ?? new Date() })) as HttpRequest;
  }
  const qs = new URLSearchParams(call.query ?? {}).toString();
  const res = await request(`${url.origin}${call.path}${qs ? `?${qs}` : ''}`, {
    method: call.method,
    headers: signed.headers,
    body: call.bodyAfterSigning ?? call.body ?? null,
  });
  const text = await res.body.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

/** A raw answer must be exactly this modeled error: status, x-amzn-ErrorType and JSON body. */
function expectRawError(answer: RawAnswer, expected: ExpectedError): void {
  const context = `${answer.status} ${answer.text}`;
  expect(answer.status, context).toBeLessThan(500);
  expect(answer.status, context).toBe(expected.status);
  expect(String(answer.headers['x-amzn-errortype'] ?? '').split(':')[0], context).toBe(expected.name);
  expect(String(answer.headers['content-type'] ?? ''), context).toContain('json');
  expect(answer.json, context).toBeDefined();
  const message = answer.json!.message ?? answer.json!.Message;
  expect(typeof message, context).toBe('string');
  expect((message as string).length, context).toBeGreaterThan(10);
  expect(message as string, context).toMatch(expected.message);
  if (expected.reason !== undefined) expect(answer.json!.reason, context).toBe(expected.reason);
  if (expected.resourceType !== undefined) expect(answer.json!.resourceType, context).toBe(expected.resourceType);
  if (expected.resourceId !== undefined) expect(answer.json!.resourceId, context).toBe(expected.resourceId);
}

// ---------------------------------------------------------------------------------------------
// Names and identifiers
// ---------------------------------------------------------------------------------------------

test.describe('invalid names and ids', () => {
  const badDomains: [string, string, RegExp][] = [
    ['uppercase', 'MyDomain', /Value 'MyDomain' at 'domain'.*regular expression pattern/],
    ['too short', 'a', /at 'domain'.*length greater than or equal to 2/],
    ['too long', 'a'.repeat(51), /at 'domain'.*length less than or equal to 50/],
    ['bad characters', 'my_domain!', /Value 'my_domain!' at 'domain'.*regular expression pattern/],
    ['trailing hyphen', 'my-domain-', /at 'domain'.*regular expression pattern/],
    ['leading digit', '1domain', /at 'domain'.*regular expression pattern/],
  ];
  for (const [title, domain, message] of badDomains) {
    test(`CreateDomain with a bad domain name (${title}) -> 400 ValidationException`, async ({ codeartifact }) => {
      await expectError(codeartifact.send(new CreateDomainCommand({ domain })), validation(message));
      // nothing was created
      await expectError(codeartifact.send(new DescribeDomainCommand({ domain })), validation(/at 'domain'/));
    });
  }

  const badRepositories: [string, string, RegExp][] = [
    ['leading hyphen', '-repo', /Value '-repo' at 'repository'.*regular expression pattern/],
    ['too short', 'r', /at 'repository'.*length greater than or equal to 2/],
    ['too long', `r${'x'.repeat(100)}`, /at 'repository'.*length less than or equal to 100/],
    ['bad characters', 'bad repo!', /Value 'bad repo!' at 'repository'.*regular expression pattern/],
  ];
  for (const [title, repository, message] of badRepositories) {
    test(`CreateRepository with a bad repository name (${title}) -> 400 ValidationException`, async ({ codeartifact, domainWith }) => {
      const domain = await domainWith();
      await expectError(codeartifact.send(new CreateRepositoryCommand({ domain, repository })), validation(message));
      const d = await codeartifact.send(new DescribeDomainCommand({ domain }));
      expect(d.domain?.repositoryCount).toBe(0);
    });
  }

  test('a domainOwner that is not 12 digits -> 400 ValidationException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith();
    await expectError(
      codeartifact.send(new DescribeDomainCommand({ domain, domainOwner: '12345' })),
      validation(/Value '12345' at 'domainOwner'.*length greater than or equal to 12/),
    );
    await expectError(
      codeartifact.send(new CreateRepositoryCommand({ domain, domainOwner: 'abcdefghijkl', repository: 'r1' })),
      validation(/Value 'abcdefghijkl' at 'domainOwner'.*regular expression pattern/),
    );
    await expectError(
      codeartifact.send(new GetAuthorizationTokenCommand({ domain, domainOwner: '0000000000001' })),
      validation(/at 'domainOwner'.*length less than or equal to 12/),
    );
  });

  test('GetRepositoryEndpoint with an unknown package format -> 400 ValidationException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith('r1');
    await expectError(
      codeartifact.send(
        new GetRepositoryEndpointCommand({ domain, repository: 'r1', format: 'npmx' } as unknown as GetRepositoryEndpointCommandInput),
      ),
      validation(/Value 'npmx' at 'format'.*enum value set/),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Missing resources and conflicts
// ---------------------------------------------------------------------------------------------

test.describe('missing resources and conflicts', () => {
  test('DescribeDomain of an unknown domain -> 404 ResourceNotFoundException', async ({ codeartifact }) => {
    const domain = uniqueName('nope');
    await expectError(
      codeartifact.send(new DescribeDomainCommand({ domain })),
      notFound('domain', domain, new RegExp(`Domain not found.*${domain}`)),
    );
  });

  test('a domain owned by another account is not found -> 404 ResourceNotFoundException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith();
    await expectError(
      codeartifact.send(new DescribeDomainCommand({ domain, domainOwner: '111122223333' })),
      notFound('domain', domain, /111122223333/),
    );
  });

  test('CreateRepository in an unknown domain -> 404 ResourceNotFoundException', async ({ codeartifact }) => {
    const domain = uniqueName('nope');
    await expectError(
      codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'r1' })),
      notFound('domain', domain, new RegExp(domain)),
    );
  });

  test('DescribeRepository of an unknown repository -> 404 ResourceNotFoundException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith('present');
    await expectError(
      codeartifact.send(new DescribeRepositoryCommand({ domain, repository: 'absent' })),
      notFound('repository', 'absent', /Repository not found.*absent/),
    );
    await expectError(
      codeartifact.send(new GetRepositoryEndpointCommand({ domain, repository: 'absent', format: 'npm' })),
      notFound('repository', 'absent', /absent/),
    );
  });

  test('CreateDomain of an existing domain -> 409 ConflictException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith();
    await expectError(
      codeartifact.send(new CreateDomainCommand({ domain })),
      conflict('domain', domain, new RegExp(`already exists.*${domain}`)),
    );
  });

  test('CreateRepository of an existing repository -> 409 ConflictException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith('twice');
    await expectError(
      codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'twice', description: 'second' })),
      conflict('repository', 'twice', /already exists.*twice/),
    );
    const r = await codeartifact.send(new DescribeRepositoryCommand({ domain, repository: 'twice' }));
    expect(r.repository?.description).toBeUndefined();
  });

  test('DeleteDomain while it holds repositories -> 409 ConflictException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith('keep-me');
    // AWS's wording (aws-cloudformation-resource-providers-codeartifact pull request 63).
    await expectError(
      codeartifact.send(new DeleteDomainCommand({ domain })),
      conflict('domain', domain, /^Domain must contain 0 repositories before deletion$/),
    );
    const d = await codeartifact.send(new DescribeDomainCommand({ domain }));
    expect(d.domain?.repositoryCount).toBe(1);
  });

  // DeleteRepository of another repository's upstream succeeds on AWS (the graph dangles):
  // tests/emulator/aws-parity.spec.ts shows it.

  test('TagResource / ListTagsForResource / UntagResource on a non-existent ARN -> 404 ResourceNotFoundException', async ({
    codeartifact,
    domainWith,
  }) => {
    const missingDomainArn = arnOf(uniqueName('nope'));
    await expectError(
      codeartifact.send(new TagResourceCommand({ resourceArn: missingDomainArn, tags: [{ key: 'k', value: 'v' }] })),
      notFound('domain', missingDomainArn, /not found/i),
    );
    const domain = await domainWith();
    const missingRepoArn = arnOf(domain, 'ghost');
    await expectError(
      codeartifact.send(new ListTagsForResourceCommand({ resourceArn: missingRepoArn })),
      notFound('repository', missingRepoArn, /not found/i),
    );
    await expectError(
      codeartifact.send(new UntagResourceCommand({ resourceArn: missingRepoArn, tagKeys: ['k'] })),
      notFound('repository', missingRepoArn, /not found/i),
    );
  });

  test('GetDomainPermissionsPolicy with no policy set -> 404 ResourceNotFoundException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith();
    await expectError(codeartifact.send(new GetDomainPermissionsPolicyCommand({ domain })), notFound('domain', domain, /polic/i));
  });

  test('DisassociateExternalConnection that is not associated -> 404 ResourceNotFoundException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith('lonely');
    await expectError(
      codeartifact.send(new DisassociateExternalConnectionCommand({ domain, repository: 'lonely', externalConnection: 'public:npmjs' })),
      notFound('repository', 'lonely', /public:npmjs/),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Missing parameters and out-of-range values
// ---------------------------------------------------------------------------------------------

test.describe('missing parameters and out-of-range values', () => {
  test('CreateDomain without a domain -> 400 ValidationException (must not be null)', async ({ codeartifact }) => {
    await expectError(
      codeartifact.send(new CreateDomainCommand({} as CreateDomainCommandInput)),
      validation(/Value null at 'domain' failed to satisfy constraint: Member must not be null/),
    );
  });

  test('PutDomainPermissionsPolicy without a policyDocument -> 400 ValidationException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith();
    await expectError(
      codeartifact.send(new PutDomainPermissionsPolicyCommand({ domain } as PutDomainPermissionsPolicyCommandInput)),
      validation(/at 'policyDocument'.*must not be null/),
    );
  });

  test('TagResource without tags -> 400 ValidationException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith();
    await expectError(
      codeartifact.send(new TagResourceCommand({ resourceArn: arnOf(domain) } as TagResourceCommandInput)),
      validation(/at 'tags'.*must not be null/),
    );
  });

  for (const maxResults of [0, 1001]) {
    test(`ListDomains / ListRepositories / ListRepositoriesInDomain with maxResults ${maxResults} -> 400 ValidationException`, async ({
      codeartifact,
      domainWith,
    }) => {
      const bound = maxResults === 0 ? /at 'maxResults'.*greater than or equal to 1/ : /at 'maxResults'.*less than or equal to 1000/;
      await expectError(codeartifact.send(new ListDomainsCommand({ maxResults })), validation(bound));
      await expectError(codeartifact.send(new ListRepositoriesCommand({ maxResults })), validation(bound));
      const domain = await domainWith();
      await expectError(codeartifact.send(new ListRepositoriesInDomainCommand({ domain, maxResults })), validation(bound));
    });
  }

  for (const durationSeconds of [10, 50000]) {
    test(`GetAuthorizationToken with durationSeconds ${durationSeconds} -> 400 ValidationException`, async ({
      codeartifact,
      domainWith,
    }) => {
      const domain = await domainWith();
      await expectError(
        codeartifact.send(new GetAuthorizationTokenCommand({ domain, durationSeconds })),
        validation(durationSeconds === 10 ? /durationSeconds|duration/ : /at 'durationSeconds'.*less than or equal to 43200/),
      );
    });
  }

  test('a nextToken that no list operation issued -> 400 ValidationException', async ({ codeartifact, domainWith }) => {
    await expectError(codeartifact.send(new ListDomainsCommand({ nextToken: 'not-a-real-token' })), validation(/nextToken/));
    await expectError(codeartifact.send(new ListRepositoriesCommand({ nextToken: 'bm9wZQ' })), validation(/nextToken/));
    const domain = await domainWith();
    await expectError(
      codeartifact.send(new ListRepositoriesInDomainCommand({ domain, nextToken: 'eyJvIjotMX0' })),
      validation(/nextToken/),
    );
  });

  test('a description over 1000 characters -> 400 ValidationException, nothing changes', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith('described');
    const description = 'd'.repeat(1001);
    await expectError(
      codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'long', description })),
      validation(/at 'description'.*length less than or equal to 1000/),
    );
    await expectError(
      codeartifact.send(new UpdateRepositoryCommand({ domain, repository: 'described', description })),
      validation(/at 'description'.*length less than or equal to 1000/),
    );
    const r = await codeartifact.send(new DescribeRepositoryCommand({ domain, repository: 'described' }));
    expect(r.repository?.description).toBeUndefined();
    const d = await codeartifact.send(new DescribeDomainCommand({ domain }));
    expect(d.domain?.repositoryCount).toBe(1);
  });

  test('a tag value over 256 characters -> 400 ValidationException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith();
    await expectError(
      codeartifact.send(new TagResourceCommand({ resourceArn: arnOf(domain), tags: [{ key: 'k', value: 'v'.repeat(257) }] })),
      validation(/at 'tags\.0\.value'.*length less than or equal to 256/),
    );
    const tags = await codeartifact.send(new ListTagsForResourceCommand({ resourceArn: arnOf(domain) }));
    expect(tags.tags).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// External connections and upstreams
// ---------------------------------------------------------------------------------------------

test.describe('external connections and upstreams', () => {
  test('AssociateExternalConnection with an unknown connection name -> 400 ValidationException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith('r1');
    await expectError(
      codeartifact.send(new AssociateExternalConnectionCommand({ domain, repository: 'r1', externalConnection: 'public:nope' })),
      validation(/public:nope/),
    );
    const r = await codeartifact.send(new DescribeRepositoryCommand({ domain, repository: 'r1' }));
    expect(r.repository?.externalConnections).toEqual([]);
  });

  // AWS's answer (awsdocs/aws-cloudformation-user-guide pull request 1127): 400,
  // "ExternalConnections for repositories are currently limited to 1".
  test('a second external connection on a repository -> 400 ValidationException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith('r1');
    await codeartifact.send(new AssociateExternalConnectionCommand({ domain, repository: 'r1', externalConnection: 'public:npmjs' }));
    await expectError(
      codeartifact.send(new AssociateExternalConnectionCommand({ domain, repository: 'r1', externalConnection: 'public:pypi' })),
      validation(/^ExternalConnections for repositories are currently limited to 1$/),
    );
    const r = await codeartifact.send(new DescribeRepositoryCommand({ domain, repository: 'r1' }));
    expect(r.repository?.externalConnections?.map((c) => c.externalConnectionName)).toEqual(['public:npmjs']);
  });

  test('an upstream that does not exist -> 404 ResourceNotFoundException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith('r1');
    await expectError(
      codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'r2', upstreams: [{ repositoryName: 'ghost' }] })),
      notFound('repository', 'ghost', /ghost/),
    );
    await expectError(
      codeartifact.send(new UpdateRepositoryCommand({ domain, repository: 'r1', upstreams: [{ repositoryName: 'ghost' }] })),
      notFound('repository', 'ghost', /ghost/),
    );
    const d = await codeartifact.send(new DescribeDomainCommand({ domain }));
    expect(d.domain?.repositoryCount).toBe(1);
  });

  test('a repository as its own upstream -> 400 ValidationException, nothing changes', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith('other', 'self');
    await codeartifact.send(new UpdateRepositoryCommand({ domain, repository: 'self', upstreams: [{ repositoryName: 'other' }] }));
    await expectError(
      codeartifact.send(
        new UpdateRepositoryCommand({ domain, repository: 'self', upstreams: [{ repositoryName: 'self' }], description: 'changed' }),
      ),
      validation(/self/),
    );
    const r = await codeartifact.send(new DescribeRepositoryCommand({ domain, repository: 'self' }));
    expect(r.repository?.upstreams).toEqual([{ repositoryName: 'other' }]);
    expect(r.repository?.description).toBeUndefined();
  });

  test('more than 10 upstreams -> 402 ServiceQuotaExceededException', async ({ codeartifact, domainWith }) => {
    const upstreamNames = Array.from({ length: 11 }, (_, i) => `up-${i}`);
    const domain = await domainWith(...upstreamNames, 'many');
    const upstreams = upstreamNames.map((repositoryName) => ({ repositoryName }));
    await expectError(
      codeartifact.send(new UpdateRepositoryCommand({ domain, repository: 'many', upstreams })),
      quota('repository', 'many', /10/),
    );
    await expectError(
      codeartifact.send(new CreateRepositoryCommand({ domain, repository: 'many-2', upstreams })),
      quota('repository', 'many-2', /10/),
    );
    const r = await codeartifact.send(new DescribeRepositoryCommand({ domain, repository: 'many' }));
    expect(r.repository?.upstreams).toEqual([]);
    // ten is allowed
    const ten = await codeartifact.send(new UpdateRepositoryCommand({ domain, repository: 'many', upstreams: upstreams.slice(0, 10) }));
    expect(ten.repository?.upstreams).toHaveLength(10);
  });
});

// ---------------------------------------------------------------------------------------------
// Policies and ARNs
// ---------------------------------------------------------------------------------------------

test.describe('policies and ARNs', () => {
  test('a policy document that is not JSON -> 400 ValidationException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith('r1');
    await expectError(
      codeartifact.send(new PutDomainPermissionsPolicyCommand({ domain, policyDocument: '{"Version": "2012-10-17", Statement' })),
      validation(/JSON/, 'CANNOT_PARSE'),
    );
    await expectError(
      codeartifact.send(new PutRepositoryPermissionsPolicyCommand({ domain, repository: 'r1', policyDocument: 'not json at all' })),
      validation(/JSON/, 'CANNOT_PARSE'),
    );
    await expectError(codeartifact.send(new GetDomainPermissionsPolicyCommand({ domain })), notFound('domain', domain, /polic/i));
  });

  test('a wrong policy revision -> 409 ConflictException', async ({ codeartifact, domainWith }) => {
    const domain = await domainWith('r1');
    const put = await codeartifact.send(new PutDomainPermissionsPolicyCommand({ domain, policyDocument: POLICY }));
    await expectError(
      codeartifact.send(new PutDomainPermissionsPolicyCommand({ domain, policyDocument: POLICY, policyRevision: 'stale-revision' })),
      conflict('domain', domain, /revision/),
    );
    const current = await codeartifact.send(new GetDomainPermissionsPolicyCommand({ domain }));
    expect(current.policy?.revision).toBe(put.policy?.revision);

    await codeartifact.send(new PutRepositoryPermissionsPolicyCommand({ domain, repository: 'r1', policyDocument: POLICY }));
    await expectError(
      codeartifact.send(new DeleteRepositoryPermissionsPolicyCommand({ domain, repository: 'r1', policyRevision: 'stale-revision' })),
      conflict('repository', 'r1', /revision/),
    );
  });

  test('a malformed ARN -> 400 ValidationException', async ({ codeartifact }) => {
    await expectError(codeartifact.send(new ListTagsForResourceCommand({ resourceArn: 'not-an-arn' })), validation(/not-an-arn/));
    await expectError(
      codeartifact.send(new TagResourceCommand({ resourceArn: 'arn:aws:s3:::my-bucket', tags: [{ key: 'k', value: 'v' }] })),
      validation(/arn:aws:s3:::my-bucket/),
    );
    await expectError(
      codeartifact.send(new UntagResourceCommand({ resourceArn: 'arn with spaces', tagKeys: ['k'] })),
      validation(/at 'resourceArn'/),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Raw HTTP: bodies, routes and signatures
// ---------------------------------------------------------------------------------------------

test.describe('raw HTTP', () => {
  test('control: a correctly hand-signed request succeeds (with and without x-amz-content-sha256)', async ({ emulator }) => {
    for (const applyChecksum of [true, false]) {
      const answer = await sendRaw(emulator.url, {
        method: 'POST',
        path: '/v1/domains',
        body: '{"maxResults":5}',
        sign: { applyChecksum },
      });
      expect(answer.status, answer.text).toBe(200);
      expect(Array.isArray(answer.json?.domains)).toBe(true);
    }
  });

  test('a body that is not JSON -> 400 ValidationException', async ({ emulator }) => {
    const answer = await sendRaw(emulator.url, { method: 'POST', path: '/v1/domains', body: '{"maxResults": 5' });
    expectRawError(answer, validation(/JSON/, 'CANNOT_PARSE'));
  });

  test('a body that is a JSON array -> 400 ValidationException', async ({ emulator }) => {
    const answer = await sendRaw(emulator.url, { method: 'POST', path: '/v1/domains', body: '[{"maxResults": 5}]' });
    expectRawError(answer, validation(/JSON object/, 'CANNOT_PARSE'));
  });

  test('an unknown route (POST /v1/nope) -> 400 ValidationException UNKNOWN_OPERATION', async ({ emulator }) => {
    const answer = await sendRaw(emulator.url, { method: 'POST', path: '/v1/nope', body: '{}' });
    expectRawError(answer, validation(/\/v1\/nope/, 'UNKNOWN_OPERATION'));
  });

  test('a package-group route without its domain (POST /v1/package-group) -> 400 ValidationException', async ({ emulator }) => {
    const answer = await sendRaw(emulator.url, { method: 'POST', path: '/v1/package-group', body: '{"packageGroup": "/npm/*"}' });
    expectRawError(answer, validation(/Value null at 'domain' failed to satisfy constraint: Member must not be null/));
  });

  test('a required query parameter left out (POST /v1/domain without domain) -> 400 ValidationException', async ({ emulator }) => {
    const answer = await sendRaw(emulator.url, { method: 'POST', path: '/v1/domain', body: '{}' });
    expectRawError(answer, validation(/Value null at 'domain' failed to satisfy constraint: Member must not be null/));
  });

  test('maxResults that is not a number in the query string -> 400 ValidationException', async ({ emulator }) => {
    const answer = await sendRaw(emulator.url, { method: 'POST', path: '/v1/repositories', query: { 'max-results': 'ten' } });
    expectRawError(answer, validation(/at 'maxResults'/));
  });

  test('an unsigned request -> 403 MissingAuthenticationTokenException', async ({ emulator }) => {
    const answer = await sendRaw(emulator.url, { method: 'POST', path: '/v1/domains', body: '{}', sign: false });
    expectRawError(answer, { status: 403, name: 'MissingAuthenticationTokenException', message: /Missing Authentication Token/ });
  });

  test('a request signed with the wrong secret -> 403 InvalidSignatureException', async ({ emulator }) => {
    const answer = await sendRaw(emulator.url, {
      method: 'POST',
      path: '/v1/domains',
      body: '{}',
      sign: { secretAccessKey: 'not-the-secret' },
    });
    expectRawError(answer, { status: 403, name: 'InvalidSignatureException', message: /signature.*does not match/i });
  });

  test('an unknown access key -> 403 UnrecognizedClientException', async ({ emulator }) => {
    const answer = await sendRaw(emulator.url, {
      method: 'POST',
      path: '/v1/domains',
      body: '{}',
      sign: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'whatever' },
    });
    expectRawError(answer, { status: 403, name: 'UnrecognizedClientException', message: /security token.*invalid/i });
  });

  test('a signature scoped to another service -> 403 InvalidSignatureException', async ({ emulator }) => {
    const answer = await sendRaw(emulator.url, { method: 'POST', path: '/v1/domains', body: '{}', sign: { service: 'codecommit' } });
    expectRawError(answer, { status: 403, name: 'InvalidSignatureException', message: /codeartifact/ });
  });

  test('a body tampered with after signing (x-amz-content-sha256 signed, as the SDK sends it) -> 403 InvalidSignatureException', async ({
    emulator,
  }) => {
    const answer = await sendRaw(emulator.url, {
      method: 'POST',
      path: '/v1/domains',
      body: '{"maxResults":1}',
      bodyAfterSigning: '{"maxResults":2}',
      sign: { applyChecksum: true },
    });
    expectRawError(answer, { status: 403, name: 'InvalidSignatureException', message: /signature/i });
  });

  test('a body tampered with after signing (no x-amz-content-sha256) -> 403 InvalidSignatureException', async ({ emulator }) => {
    const answer = await sendRaw(emulator.url, {
      method: 'POST',
      path: '/v1/domains',
      body: '{"maxResults":1}',
      bodyAfterSigning: '{"maxResults":2}',
      sign: { applyChecksum: false },
    });
    expectRawError(answer, { status: 403, name: 'InvalidSignatureException', message: /signature/i });
  });

  test('an x-amz-date 20 minutes old -> 403 InvalidSignatureException (signature expired)', async ({ emulator }) => {
    const answer = await sendRaw(emulator.url, {
      method: 'POST',
      path: '/v1/domains',
      body: '{}',
      sign: { signingDate: new Date(Date.now() - 20 * 60 * 1000) },
    });
    expectRawError(answer, { status: 403, name: 'InvalidSignatureException', message: /Signature expired/ });
  });

  test('an Authorization header that is not SigV4 -> 403 IncompleteSignatureException', async ({ emulator }) => {
    const url = new URL(emulator.url);
    const res = await request(`${url.origin}/v1/domains`, {
      method: 'POST',
      headers: { authorization: 'Bearer abc', 'x-amz-date': '20240101T000000Z', 'content-type': 'application/json' },
      body: '{}',
    });
    const text = await res.body.text();
    expectRawError(
      { status: res.statusCode, headers: res.headers, text, json: JSON.parse(text) as Record<string, unknown> },
      { status: 403, name: 'IncompleteSignatureException', message: /Authorization/ },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// After all of that, the emulator still serves.
// ---------------------------------------------------------------------------------------------

async function expectStillServing(url: string, stderr: string): Promise<void> {
  const client = codeartifactClient({ endpointUrl: url, region: REGION, credentials: CREDENTIALS }, {}, ANSWERS_AS_GIVEN);
  try {
    const domain = uniqueName('alive');
    await client.send(new CreateDomainCommand({ domain }));
    try {
      const described = await client.send(new DescribeDomainCommand({ domain }));
      expect(described.domain?.status).toBe('Active');
      const listed = await client.send(new ListDomainsCommand({}));
      expect(listed.$metadata.httpStatusCode).toBe(200);
      expect(listed.domains?.map((d) => d.name)).toContain(domain);
    } finally {
      await client.send(new DeleteDomainCommand({ domain }));
    }
  } finally {
    client.destroy();
  }
  expect(stderr, 'the emulator logged an unexpected failure').not.toContain('unexpected failure');
}

test('the emulator still serves after every bad request, and logged no internal failure', async ({ emulator }) => {
  await expectStillServing(emulator.url, emulator.stderr());
});

// If the tests above ran in several workers, each worker's emulator is checked too.
test.afterAll(async ({ emulator }) => {
  await expectStillServing(emulator.url, emulator.stderr());
});
