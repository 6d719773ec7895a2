import { CreateDomainCommand, DeleteDomainCommand, DescribeDomainCommand } from '@aws-sdk/client-codeartifact';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ACCOUNT, expect, test, uniqueName } from './fixtures.ts';

test('the SDK creates, describes and deletes a domain and finds the account through STS', async ({ codeartifact, sts }) => {
  const name = uniqueName('smoke');
  const created = await codeartifact.send(new CreateDomainCommand({ domain: name }));
  expect(created.domain?.name).toBe(name);
  expect(created.domain?.createdTime).toBeInstanceOf(Date);
  const described = await codeartifact.send(new DescribeDomainCommand({ domain: name, domainOwner: ACCOUNT }));
  expect(described.domain?.status).toBe('Active');
  await codeartifact.send(new DeleteDomainCommand({ domain: name }));
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  expect(identity.Account).toBe(ACCOUNT);
});
