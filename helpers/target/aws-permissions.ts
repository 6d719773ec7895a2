/**
 * What the harness needs from IAM on the `aws` target, and how to tell when it lacks it.
 *
 * A role scoped by hand that misses one action fails at step 1 or step 6, or in the harness's
 * own bookkeeping (tagging, clean-up), and without this the report would blame the tutorial. So:
 * - every SDK command and aws CLI command the harness sends maps to the IAM actions it needs
 *   (`SDK_COMMAND_ACTIONS`, `CLI_COMMAND_ACTIONS`); `aws/iam-policy.json` grants exactly those,
 *   and tests/harness/aws-realities.spec.ts fails when the code sends a command that is in
 *   neither table or that the policy does not allow;
 * - `accessDeniedOf` recognises an access-denied SDK error by its structured name and HTTP
 *   status (never by its message) and names the action the call needed and the fix;
 * - `PERMISSION_PROBES` are the cheap calls a preflight can make to find a missing action before
 *   anything is created: reads, and GetAuthorizationToken on a domain that does not exist (which
 *   still needs codeartifact:GetAuthorizationToken and sts:GetServiceBearerToken).
 */
import {
  DescribeDomainCommand,
  DescribeRepositoryCommand,
  GetAuthorizationTokenCommand,
  GetRepositoryEndpointCommand,
  ListDomainsCommand,
  ListPackagesCommand,
  ListRepositoriesInDomainCommand,
  ListTagsForResourceCommand,
  type CodeartifactClient,
} from '@aws-sdk/client-codeartifact';
import { commandOf } from '../run/conflicts.ts';
import { codeartifactArn } from './partition.ts';

/** The policy file in this repository that grants everything below. */
export const POLICY_FILE = 'aws/iam-policy.json';

const GET_TOKEN = ['codeartifact:GetAuthorizationToken', 'sts:GetServiceBearerToken'] as const;

/**
 * IAM actions per AWS SDK command class (AWS's "Actions, resources, and condition keys for AWS
 * CodeArtifact"; GetAuthorizationToken's API reference: it "requires the
 * codeartifact:GetAuthorizationToken and sts:GetServiceBearerToken permissions").
 */
export const SDK_COMMAND_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  AssociateExternalConnectionCommand: ['codeartifact:AssociateExternalConnection'],
  CreateDomainCommand: ['codeartifact:CreateDomain'],
  CreateRepositoryCommand: ['codeartifact:CreateRepository'],
  DeleteDomainCommand: ['codeartifact:DeleteDomain'],
  DeleteRepositoryCommand: ['codeartifact:DeleteRepository'],
  DescribeDomainCommand: ['codeartifact:DescribeDomain'],
  DescribeRepositoryCommand: ['codeartifact:DescribeRepository'],
  GetAuthorizationTokenCommand: GET_TOKEN,
  GetRepositoryEndpointCommand: ['codeartifact:GetRepositoryEndpoint'],
  ListDomainsCommand: ['codeartifact:ListDomains'],
  ListPackagesCommand: ['codeartifact:ListPackages'],
  ListRepositoriesInDomainCommand: ['codeartifact:ListRepositoriesInDomain'],
  ListTagsForResourceCommand: ['codeartifact:ListTagsForResource'],
  TagResourceCommand: ['codeartifact:TagResource'],
  UpdateRepositoryCommand: ['codeartifact:UpdateRepository'],
  GetCallerIdentityCommand: ['sts:GetCallerIdentity'],
};

/**
 * The resource each action is authorized against, per AWS's service authorization reference
 * for CodeArtifact (and STS): `*` where the reference lists no resource type, in which case a
 * policy can only grant it on `*` (CreateDomain and CreateRepository, which take only the
 * aws:RequestTag and aws:TagKeys condition keys; ListDomains; the STS actions).
 */
export const ACTION_RESOURCE: Readonly<Record<string, 'domain' | 'repository' | '*'>> = {
  'codeartifact:CreateDomain': '*',
  'codeartifact:CreateRepository': '*',
  'codeartifact:ListDomains': '*',
  'codeartifact:DescribeDomain': 'domain',
  'codeartifact:DeleteDomain': 'domain',
  'codeartifact:GetAuthorizationToken': 'domain',
  'codeartifact:ListRepositoriesInDomain': 'domain',
  'codeartifact:DescribeRepository': 'repository',
  'codeartifact:UpdateRepository': 'repository',
  'codeartifact:DeleteRepository': 'repository',
  'codeartifact:AssociateExternalConnection': 'repository',
  'codeartifact:GetRepositoryEndpoint': 'repository',
  'codeartifact:ReadFromRepository': 'repository',
  'codeartifact:ListPackages': 'repository',
  // Domain or repository, whichever is tagged; the harness tags both.
  'codeartifact:TagResource': 'domain',
  'codeartifact:ListTagsForResource': 'domain',
  'sts:GetServiceBearerToken': '*',
  'sts:GetCallerIdentity': '*',
};

/** IAM actions per aws CLI command (`<service> <command>`) the tutorial runs. */
export const CLI_COMMAND_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  'sts get-caller-identity': ['sts:GetCallerIdentity'],
  'codeartifact create-domain': ['codeartifact:CreateDomain'],
  'codeartifact create-repository': ['codeartifact:CreateRepository'],
  'codeartifact associate-external-connection': ['codeartifact:AssociateExternalConnection'],
  'codeartifact update-repository': ['codeartifact:UpdateRepository'],
  // login = GetAuthorizationToken + GetRepositoryEndpoint, then `npm config set`.
  'codeartifact login': [...GET_TOKEN, 'codeartifact:GetRepositoryEndpoint'],
  'codeartifact get-authorization-token': GET_TOKEN,
  'codeartifact get-repository-endpoint': ['codeartifact:GetRepositoryEndpoint'],
  'codeartifact list-packages': ['codeartifact:ListPackages'],
  'codeartifact delete-repository': ['codeartifact:DeleteRepository'],
  'codeartifact delete-domain': ['codeartifact:DeleteDomain'],
};

/** A package manager fetching packuments and tarballs from the repository endpoint with a token. */
export const PACKAGE_FETCH_ACTIONS: readonly string[] = ['codeartifact:ReadFromRepository'];

/** The IAM actions of an SDK command (its class name or an instance), or undefined when the table lacks it. */
export function actionsOf(command: string | object): readonly string[] | undefined {
  const name = typeof command === 'string' ? command : command.constructor.name;
  return SDK_COMMAND_ACTIONS[name];
}

// ---------------------------------------------------------------------------------------------
// Access denied

/** The error names AWS gives a call the caller's policies do not allow (CodeArtifact; STS, IAM). */
const ACCESS_DENIED_NAMES = new Set(['AccessDeniedException', 'AccessDenied']);
/** 403s that are about the credentials themselves, not about permissions: the fix is elsewhere. */
const CREDENTIAL_ERROR_NAMES = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
]);

export interface AccessDenied {
  /** The SDK command that was refused, e.g. `TagResourceCommand` (undefined when not told). */
  command?: string;
  /** The IAM actions that command needs (empty when the command is not known). */
  actions: readonly string[];
  /** One line for a report: what was refused. */
  message: string;
  /** What to do about it. */
  fix: string;
}

/**
 * Is `err` (what an AWS SDK client threw) an access denial? Decided by the error's `name` and
 * `$metadata.httpStatusCode`, never by its message. When it is, says which IAM action(s) the
 * `command` needed (by default, the command a harness client sent) and how to grant them;
 * otherwise undefined.
 */
export function accessDeniedOf(err: unknown, command?: string | object): AccessDenied | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { name, $metadata } = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = $metadata?.httpStatusCode;
  const denied =
    (typeof name === 'string' && ACCESS_DENIED_NAMES.has(name)) ||
    (status === 403 && !(typeof name === 'string' && CREDENTIAL_ERROR_NAMES.has(name)));
  if (!denied) return undefined;
  // Without a command: the one a harness client remembered sending (helpers/run/conflicts.ts).
  const commandName = command === undefined ? commandOf(err) : typeof command === 'string' ? command : command.constructor.name;
  const actions = commandName ? (actionsOf(commandName) ?? []) : [];
  const call = commandName ? commandName.replace(/Command$/, '') : 'an AWS call';
  const needed = actions.length ? actions.join(' and ') : 'an action the harness did not expect to need';
  return {
    ...(commandName ? { command: commandName } : {}),
    actions,
    message: `AWS refused ${call} of the harness (${String(name)}, HTTP ${String(status ?? '?')}): the role lacks ${needed}`,
    fix: `Grant the role the policy in ${POLICY_FILE} (it allows ${actions.length ? actions.join(', ') : 'everything the harness calls'} on the harness's cc-* domains); see README, "Running against AWS".`,
  };
}

// ---------------------------------------------------------------------------------------------
// Probes for the preflight

/** A domain name no run uses (runs are `cc-<run id>-<scenario><4 hex>`), inside the policy's `cc-*` scope. */
export const PROBE_DOMAIN = 'cc-preflight-probe';

export interface PermissionProbe {
  /** The SDK command the probe sends (a key of SDK_COMMAND_ACTIONS). */
  command: string;
  /** The IAM actions a refusal means are missing. */
  actions: readonly string[];
  /** Error names that mean the call was allowed (it got past IAM and found no such resource). */
  allowedWhen: readonly string[];
  send(client: CodeartifactClient, where: { region: string; account: string }): Promise<unknown>;
}

const NOT_FOUND = ['ResourceNotFoundException'] as const;

/**
 * Cheap, side-effect-free calls that reach IAM's decision for the actions the tutorial needs
 * before anything is created. Write actions (create, update, tag, delete) cannot be probed
 * without creating something; the policy file covers them and `accessDeniedOf` names them when
 * they are refused.
 */
export const PERMISSION_PROBES: readonly PermissionProbe[] = [
  {
    command: 'ListDomainsCommand',
    actions: SDK_COMMAND_ACTIONS.ListDomainsCommand!,
    allowedWhen: [],
    send: (c) => c.send(new ListDomainsCommand({ maxResults: 1 })),
  },
  {
    command: 'GetAuthorizationTokenCommand',
    actions: GET_TOKEN,
    allowedWhen: NOT_FOUND,
    send: (c, { account }) =>
      c.send(new GetAuthorizationTokenCommand({ domain: PROBE_DOMAIN, domainOwner: account, durationSeconds: 900 })),
  },
  {
    command: 'DescribeDomainCommand',
    actions: SDK_COMMAND_ACTIONS.DescribeDomainCommand!,
    allowedWhen: NOT_FOUND,
    send: (c, { account }) => c.send(new DescribeDomainCommand({ domain: PROBE_DOMAIN, domainOwner: account })),
  },
  {
    command: 'DescribeRepositoryCommand',
    actions: SDK_COMMAND_ACTIONS.DescribeRepositoryCommand!,
    allowedWhen: NOT_FOUND,
    send: (c, { account }) => c.send(new DescribeRepositoryCommand({ domain: PROBE_DOMAIN, domainOwner: account, repository: 'my-repo' })),
  },
  {
    command: 'ListRepositoriesInDomainCommand',
    actions: SDK_COMMAND_ACTIONS.ListRepositoriesInDomainCommand!,
    allowedWhen: NOT_FOUND,
    send: (c, { account }) => c.send(new ListRepositoriesInDomainCommand({ domain: PROBE_DOMAIN, domainOwner: account })),
  },
  {
    command: 'GetRepositoryEndpointCommand',
    actions: SDK_COMMAND_ACTIONS.GetRepositoryEndpointCommand!,
    allowedWhen: NOT_FOUND,
    send: (c, { account }) =>
      c.send(new GetRepositoryEndpointCommand({ domain: PROBE_DOMAIN, domainOwner: account, repository: 'my-repo', format: 'npm' })),
  },
  {
    command: 'ListPackagesCommand',
    actions: SDK_COMMAND_ACTIONS.ListPackagesCommand!,
    allowedWhen: NOT_FOUND,
    send: (c, { account }) =>
      c.send(new ListPackagesCommand({ domain: PROBE_DOMAIN, domainOwner: account, repository: 'my-repo', format: 'npm' })),
  },
  {
    command: 'ListTagsForResourceCommand',
    actions: SDK_COMMAND_ACTIONS.ListTagsForResourceCommand!,
    allowedWhen: NOT_FOUND,
    send: (c, { region, account }) =>
      c.send(new ListTagsForResourceCommand({ resourceArn: codeartifactArn(region, account, { kind: 'domain', domain: PROBE_DOMAIN }) })),
  },
];

export interface ProbeResult {
  /** Commands whose probe got past IAM. */
  allowed: string[];
  /** What IAM refused, with the actions and the fix. */
  missing: AccessDenied[];
}

/**
 * Runs every probe. A refusal is collected (so the preflight names every missing action at
 * once); any other error (unreachable, throttled, ...) is thrown, since it says nothing about
 * permissions.
 */
export async function probePermissions(client: CodeartifactClient, where: { region: string; account: string }): Promise<ProbeResult> {
  const result: ProbeResult = { allowed: [], missing: [] };
  for (const probe of PERMISSION_PROBES) {
    try {
      await probe.send(client, where);
      result.allowed.push(probe.command);
    } catch (err) {
      const denied = accessDeniedOf(err, probe.command);
      if (denied) result.missing.push(denied);
      else if (probe.allowedWhen.includes((err as Error).name)) result.allowed.push(probe.command);
      else throw err;
    }
  }
  return result;
}
