/**
 * The tutorial's my-repo -> npm-store -> public:npmjs, made with the SDK: for tests that need
 * the repositories in place, not under test. Shared by the emulator's contract tests and the
 * harness's tests (which may not import tests/emulator).
 */
import {
  AssociateExternalConnectionCommand,
  CreateDomainCommand,
  CreateRepositoryCommand,
  GetRepositoryEndpointCommand,
  UpdateRepositoryCommand,
  type CodeartifactClient,
} from '@aws-sdk/client-codeartifact';

/** The emulator's default account, which owns every domain the test credentials create. */
export const EMULATOR_ACCOUNT = '000000000000';

/** Creates the domain and the tutorial's two repositories in it; returns my-repo's npm endpoint. */
export async function tutorialRepositories(
  codeartifact: CodeartifactClient,
  domain: string,
  domainOwner = EMULATOR_ACCOUNT,
): Promise<string> {
  await codeartifact.send(new CreateDomainCommand({ domain }));
  for (const repository of ['my-repo', 'npm-store'])
    await codeartifact.send(new CreateRepositoryCommand({ domain, domainOwner, repository }));
  await codeartifact.send(
    new AssociateExternalConnectionCommand({ domain, domainOwner, repository: 'npm-store', externalConnection: 'public:npmjs' }),
  );
  await codeartifact.send(
    new UpdateRepositoryCommand({ domain, domainOwner, repository: 'my-repo', upstreams: [{ repositoryName: 'npm-store' }] }),
  );
  const { repositoryEndpoint } = await codeartifact.send(
    new GetRepositoryEndpointCommand({ domain, domainOwner, repository: 'my-repo', format: 'npm' }),
  );
  if (!repositoryEndpoint) throw new Error('GetRepositoryEndpoint returned no repositoryEndpoint');
  return repositoryEndpoint;
}
