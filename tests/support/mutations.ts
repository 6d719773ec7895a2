/**
 * Mutation testing of the suite: plausible service regressions, each a set of fault-proxy
 * rules, and where a reader of the tutorial would notice it. Run by `npm run mutation`
 * (scripts/mutation.ts): each mutation runs the tutorial on the `endpoint` target through its
 * own proxy in front of one emulator; the suite must fail at the step where the mutation
 * lives, with a message that names what is wrong. Mutations a reader would not notice must
 * not fail it.
 */
import { rmSync } from 'node:fs';
import { startNestedRun, readSummary } from '../harness/nested-run.ts';
import { startEmulatorProcess } from '../../helpers/target/emulator-process.ts';
import { startFaultProxy, type Client, type FaultAction, type FaultRule, type ProxiedRequest } from './fault-proxy.ts';
import { startFixtureRegistry, tutorialPackages } from './fixture-registry.ts';

export interface Mutation {
  id: string;
  /** The regression, in words. */
  what: string;
  /** The step where it lives; undefined for one a reader would not notice (the run must pass). */
  failsAt?: string;
  /** What the failure message must name (a field, a value). */
  names?: string[];
  rules: FaultRule[];
}

const q = (r: ProxiedRequest, name: string) => r.query.get(name) ?? '';
const forRepo = (repository: string) => (r: ProxiedRequest) => q(r, 'repository') === repository;
const arnOf = (r: ProxiedRequest, resource: string) =>
  `arn:aws:codeartifact:${r.region ?? 'us-east-1'}:${q(r, 'domain-owner')}:${resource}`;

/** Changes one field of an answer. */
function setField(path: string[], value: unknown) {
  return (body: any) => {
    let cur = body;
    for (const key of path.slice(0, -1)) cur = cur?.[key];
    if (cur && typeof cur === 'object') {
      if (value === undefined) delete cur[path[path.length - 1]!];
      else cur[path[path.length - 1]!] = value;
    }
    return body;
  };
}

/** One rule: the JSON answer to `operation`, for `client` (every client when absent), rewritten by `json`. */
function answer(
  operation: string,
  client: Client | undefined,
  json: NonNullable<FaultAction['json']>,
  only: Pick<FaultRule, 'when' | 'times'> = {},
): FaultRule[] {
  return [{ name: 'm', operation, ...(client ? { client } : {}), ...only, action: { json } }];
}
/** What the aws CLI prints for `operation` (the service's state is right). */
const printed = (operation: string, json: NonNullable<FaultAction['json']>, only?: Pick<FaultRule, 'when' | 'times'>) =>
  answer(operation, 'cli', json, only);
/** What the harness reads through the SDK (the printed output is right). */
const read = (operation: string, json: NonNullable<FaultAction['json']>, only?: Pick<FaultRule, 'when' | 'times'>) =>
  answer(operation, 'sdk', json, only);

const lodash = (change: (p: any) => void) => (body: any) => {
  for (const p of body.packages ?? []) if (p.package === 'lodash') change(p);
  return body;
};

export const mutations: Mutation[] = [
  // What a command prints (the aws CLI's answer only; the service's state is right).
  {
    id: 'caller-identity-other-account',
    what: 'get-caller-identity names another account',
    failsAt: 'prerequisite-caller-identity',
    names: ['999999999999'],
    rules: [
      {
        name: 'm',
        operation: 'sts:GetCallerIdentity',
        client: 'cli',
        action: {
          raw: (b) =>
            Buffer.from(
              b
                .toString()
                .replace(/<Account>\d+<\/Account>/, '<Account>999999999999</Account>')
                .replace(/"Account":\s*"\d+"/, '"Account":"999999999999"'),
            ),
        },
      },
    ],
  },
  {
    id: 'create-domain-prints-nothing',
    what: 'create-domain prints {}',
    failsAt: 'create-domain',
    names: ['domain', 'missing'],
    rules: printed('CreateDomain', () => ({})),
  },
  {
    id: 'create-domain-status-pending',
    what: "create-domain says the domain's status is Pending",
    failsAt: 'create-domain',
    names: ['domain.status', 'Pending', 'Active'],
    rules: printed('CreateDomain', setField(['domain', 'status'], 'Pending')),
  },
  {
    id: 'create-domain-no-arn',
    what: 'create-domain prints no ARN',
    failsAt: 'create-domain',
    names: ['domain.arn'],
    rules: printed('CreateDomain', setField(['domain', 'arn'], undefined)),
  },
  {
    id: 'create-repository-wrong-name',
    what: 'create-repository prints another repository name',
    failsAt: 'create-repository-my-repo',
    names: ['repository.name', 'my-rep0'],
    rules: printed('CreateRepository', setField(['repository', 'name'], 'my-rep0'), { when: forRepo('my-repo') }),
  },
  {
    id: 'create-repository-no-domain-owner',
    what: "create-repository's answer lacks domainOwner",
    failsAt: 'create-repository-npm-store',
    names: ['repository.domainOwner'],
    rules: printed('CreateRepository', setField(['repository', 'domainOwner'], undefined), { when: forRepo('npm-store') }),
  },
  {
    id: 'associate-prints-no-connection',
    what: 'associate-external-connection prints no external connection',
    failsAt: 'associate-external-connection',
    names: ['repository.externalConnections'],
    rules: printed('AssociateExternalConnection', setField(['repository', 'externalConnections'], [])),
  },
  {
    id: 'associate-status-unavailable',
    what: 'associate-external-connection says the connection is UNAVAILABLE',
    failsAt: 'associate-external-connection',
    names: ['status', 'UNAVAILABLE'],
    rules: printed('AssociateExternalConnection', (b: any) => {
      for (const c of b.repository?.externalConnections ?? []) c.status = 'UNAVAILABLE';
      return b;
    }),
  },
  {
    id: 'update-repository-prints-no-upstream',
    what: 'update-repository prints no upstreams',
    failsAt: 'update-repository-upstreams',
    names: ['repository.upstreams'],
    rules: printed('UpdateRepository', setField(['repository', 'upstreams'], [])),
  },
  {
    id: 'list-packages-prints-nothing',
    what: 'list-packages prints {}',
    failsAt: 'list-packages',
    names: ['packages', 'missing'],
    rules: printed('ListPackages', () => ({})),
  },
  {
    id: 'delete-domain-prints-active',
    what: 'delete-domain says the domain is still Active',
    failsAt: 'cleanup-delete-domain',
    names: ['domain.status', 'Active', 'Deleted'],
    rules: printed('DeleteDomain', setField(['domain', 'status'], 'Active')),
  },
  {
    id: 'delete-repository-prints-other-arn',
    what: "delete-repository prints another repository's ARN",
    failsAt: 'cleanup-delete-my-repo',
    names: ['repository.arn', 'other-repo'],
    rules: printed(
      'DeleteRepository',
      (b: any) => {
        if (b.repository) b.repository.arn = String(b.repository.arn).replace(/my-repo$/, 'other-repo');
        return b;
      },
      { when: forRepo('my-repo') },
    ),
  },
  // lodash as listed (every client: the service's answer itself is wrong).
  {
    id: 'list-packages-lodash-maven',
    what: 'ListPackages lists lodash as a maven package',
    failsAt: 'list-packages',
    names: ['format', 'maven', 'npm'],
    rules: answer(
      'ListPackages',
      undefined,
      lodash((p) => (p.format = 'maven')),
    ),
  },
  {
    id: 'list-packages-lodash-namespace',
    what: 'ListPackages gives lodash a namespace',
    failsAt: 'list-packages',
    names: ['namespace', 'lodash'],
    rules: answer(
      'ListPackages',
      undefined,
      lodash((p) => (p.namespace = 'lodash')),
    ),
  },
  {
    id: 'list-packages-lodash-published',
    what: 'ListPackages says lodash was published, not ingested (origin ALLOW publish, BLOCK upstream)',
    failsAt: 'list-packages',
    names: ['originConfiguration', 'publish'],
    rules: answer(
      'ListPackages',
      undefined,
      lodash((p) => (p.originConfiguration = { restrictions: { publish: 'ALLOW', upstream: 'BLOCK' } })),
    ),
  },
  // State that silently differs (the SDK's reads; the printed output is right).
  {
    id: 'domain-not-active',
    what: 'DescribeDomain says the new domain is Deleted',
    failsAt: 'create-domain',
    names: ['status', 'Deleted'],
    rules: read('DescribeDomain', setField(['domain', 'status'], 'Deleted')),
  },
  {
    id: 'my-repo-not-created',
    what: 'my-repo is not there after create-repository',
    failsAt: 'create-repository-my-repo',
    names: ['my-repo', 'not found'],
    rules: [
      {
        name: 'm',
        operation: 'DescribeRepository',
        client: 'sdk',
        when: forRepo('my-repo'),
        times: 1,
        action: {
          status: 404,
          shortCircuit: true,
          headers: { 'x-amzn-errortype': 'ResourceNotFoundException' },
          json: () => ({ message: 'Repository my-repo not found' }),
        },
      },
    ],
  },
  {
    id: 'external-connection-not-kept',
    what: 'npm-store has no external connection afterwards',
    failsAt: 'associate-external-connection',
    names: ['external connections'],
    rules: read('DescribeRepository', setField(['repository', 'externalConnections'], []), { when: forRepo('npm-store') }),
  },
  {
    id: 'upstream-not-kept',
    what: 'my-repo has no upstream afterwards',
    failsAt: 'update-repository-upstreams',
    names: ['upstreams'],
    rules: read('DescribeRepository', setField(['repository', 'upstreams'], []), { when: forRepo('my-repo') }),
  },
  // The npm data plane.
  {
    id: 'login-endpoint-of-npm-store',
    what: "login is handed npm-store's endpoint instead of my-repo's",
    failsAt: 'login',
    names: ['npm-store'],
    rules: printed('GetRepositoryEndpoint', (b: any) => ({
      repositoryEndpoint: String(b.repositoryEndpoint).replace(/\/npm\/my-repo\/$/, '/npm/npm-store/'),
    })),
  },
  {
    id: 'token-expires-in-an-hour',
    what: 'the authorization token expires in 1 hour, not 12',
    failsAt: 'login',
    names: ['expiresIn', '"1 hour"', '"12 hours"'],
    rules: printed('GetAuthorizationToken', (b: any) => ({ ...b, expiration: Math.floor(Date.now() / 1000) + 3600 })),
  },
  {
    id: 'packument-not-found',
    what: "my-repo's npm endpoint answers 404 for lodash",
    failsAt: 'npm-install',
    names: ['E404'],
    rules: [{ name: 'm', operation: 'npm:packument', action: { status: 404, json: () => ({ error: 'not found' }) } }],
  },
  {
    id: 'tarball-corrupted',
    what: "lodash's tarball comes back with other bytes",
    failsAt: 'npm-install',
    names: ['EINTEGRITY'],
    rules: [{ name: 'm', operation: 'npm:tarball', action: { raw: (b) => Buffer.concat([b, Buffer.from('tampered')]) } }],
  },
  // Clean-up that does nothing: the answer says done, nothing was deleted.
  {
    id: 'delete-repository-does-nothing',
    what: 'delete-repository answers as if done, but my-repo stays',
    failsAt: 'cleanup-delete-my-repo',
    names: ['still exists'],
    rules: [
      {
        name: 'm',
        operation: 'DeleteRepository',
        client: 'cli',
        when: forRepo('my-repo'),
        action: {
          shortCircuit: true,
          status: 200,
          json: (_b, r) => ({
            repository: {
              name: q(r, 'repository'),
              administratorAccount: q(r, 'domain-owner'),
              domainName: q(r, 'domain'),
              domainOwner: q(r, 'domain-owner'),
              arn: arnOf(r, `repository/${q(r, 'domain')}/${q(r, 'repository')}`),
              upstreams: [{ repositoryName: 'npm-store' }],
              externalConnections: [],
            },
          }),
        },
      },
    ],
  },
  {
    id: 'delete-domain-does-nothing',
    what: 'delete-domain answers as if done, but the domain stays',
    failsAt: 'cleanup-delete-domain',
    names: ['still exists'],
    rules: [
      {
        name: 'm',
        operation: 'DeleteDomain',
        client: 'cli',
        times: 1,
        action: {
          shortCircuit: true,
          status: 200,
          json: (_b, r) => ({
            domain: {
              name: q(r, 'domain'),
              owner: q(r, 'domain-owner'),
              arn: arnOf(r, `domain/${q(r, 'domain')}`),
              status: 'Deleted',
              createdTime: Date.now() / 1000,
              encryptionKey: `arn:aws:kms:${r.region ?? 'us-east-1'}:${q(r, 'domain-owner')}:key/00000000-0000-0000-0000-000000000000`,
              repositoryCount: 0,
              assetSizeBytes: 0,
            },
          }),
        },
      },
    ],
  },
  // Not noticed by a reader: the suite must still pass.
  {
    id: 'undocumented-extra-field',
    what: 'create-domain prints a field AWS does not document',
    rules: printed('CreateDomain', (b: any) => ({ ...b, domain: { ...b.domain, newField: 'x' } })),
  },
  {
    id: 'control-plane-slow',
    what: 'every control-plane answer takes 300 ms longer',
    rules: [{ name: 'm', client: ['cli', 'sdk'], action: { delayMs: 300 } }],
  },
];

export interface MutationResult {
  id: string;
  what: string;
  expected: string;
  /** The suite failed. */
  detected: boolean;
  failedAt?: string;
  message?: string;
  /** Detected at the right step with a message naming it (or, for one not noticed, the run passed). */
  caught: boolean;
  /** How many requests the mutation changed. */
  hits: number;
  durationMs: number;
  leftovers: string[];
  /** The end of the nested run's output, when it was not what the mutation expects. */
  outputTail?: string;
}

export interface MutationReport {
  caught: number;
  total: number;
  cleanRuns: { passed: boolean; failedAt?: string; message?: string; durationMs: number; outputTail?: string }[];
  results: MutationResult[];
}

async function runThroughProxy(targetUrl: string, rules: FaultRule[], env: Record<string, string>) {
  const proxy = await startFaultProxy(targetUrl, rules);
  const started = Date.now();
  try {
    const childEnv: Record<string, string> = {
      ...env,
      CONFORMANCE_TARGET: 'endpoint',
      CONFORMANCE_ENDPOINT_URL: proxy.url,
      CONFORMANCE_VISIBILITY_LIMIT_MS: '20000',
    };
    // Each nested run picks its own run id (the domain's name), so parallel runs do not meet.
    delete childEnv.CONFORMANCE_RUN_ID;
    delete childEnv.CONFORMANCE_RECORD;
    const { process: child, reportsDir } = startNestedRun(childEnv);
    const result = await child;
    const summary = readSummary(reportsDir);
    rmSync(reportsDir, { recursive: true, force: true });
    const failed = summary?.steps.find((s) => s.kind === 'conformance-failure' || s.kind === 'infrastructure-problem');
    return {
      exitCode: result.exitCode ?? 1,
      summary,
      failed,
      hits: [...proxy.hits.values()].reduce((a, b) => a + b, 0),
      durationMs: Date.now() - started,
      output: String(result.all ?? ''),
    };
  } finally {
    await proxy.close();
  }
}

/** Runs the clean runs and the mutations, `parallel` at a time, against one emulator behind per-run proxies. */
export async function runMutations(
  options: { only?: string[]; cleanRuns?: number; parallel?: number; log?: (line: string) => void } = {},
): Promise<MutationReport> {
  const log = options.log ?? (() => {});
  const selected = mutations.filter((m) => !options.only?.length || options.only.includes(m.id));
  const registry = await startFixtureRegistry(tutorialPackages);
  const emulator = await startEmulatorProcess(['--npmjs-url', registry.url]);
  const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const report: MutationReport = { caught: 0, total: selected.length, cleanRuns: [], results: [] };
  try {
    type Job = () => Promise<void>;
    const jobs: Job[] = [];
    for (let i = 0; i < (options.cleanRuns ?? 3); i++) {
      jobs.push(async () => {
        const r = await runThroughProxy(emulator.url, [], env);
        const passed = r.exitCode === 0 && r.summary?.verdict === 'passed';
        report.cleanRuns.push({
          passed,
          ...(r.failed ? { failedAt: r.failed.id, message: r.failed.observed ?? '' } : {}),
          durationMs: r.durationMs,
          ...(passed ? {} : { outputTail: r.output.slice(-4000) }),
        });
        log(
          `clean run ${report.cleanRuns.length}: ${passed ? 'passed' : `FAILED at ${r.failed?.id ?? '(no step)'}`} (${Math.round(r.durationMs / 1000)} s)`,
        );
      });
    }
    for (const m of selected) {
      jobs.push(async () => {
        const r = await runThroughProxy(emulator.url, m.rules, env);
        const detected = r.exitCode !== 0;
        const message = r.failed?.observed;
        const caught = m.failsAt
          ? detected && r.failed?.id === m.failsAt && (m.names ?? []).every((n) => (message ?? '').includes(n))
          : !detected;
        const result: MutationResult = {
          id: m.id,
          what: m.what,
          expected: m.failsAt ? `fails at ${m.failsAt}` : 'passes (a reader would not notice)',
          detected,
          ...(r.failed ? { failedAt: r.failed.id } : {}),
          ...(message ? { message } : {}),
          caught,
          hits: r.hits,
          durationMs: r.durationMs,
          leftovers: r.summary?.leftovers ?? [],
          ...(caught ? {} : { outputTail: r.output.slice(-4000) }),
        };
        report.results.push(result);
        log(
          `${caught ? 'caught ' : 'MISSED '} ${m.id}: ${detected ? `failed at ${r.failed?.id ?? '(no step)'}` : 'passed'} (${Math.round(r.durationMs / 1000)} s, ${r.hits} answers changed)`,
        );
      });
    }
    let next = 0;
    const workers = Array.from({ length: Math.max(1, options.parallel ?? 2) }, async () => {
      while (next < jobs.length) await jobs[next++]!();
    });
    await Promise.all(workers);
  } finally {
    await emulator.stop();
    await registry.close();
  }
  report.results.sort((a, b) => mutations.findIndex((m) => m.id === a.id) - mutations.findIndex((m) => m.id === b.id));
  report.caught = report.results.filter((r) => r.caught).length;
  return report;
}
