/**
 * Fault-proxy rules (tests/support/fault-proxy.ts) that make the emulator behave as AWS has been
 * documented or reported to behave where a correct harness must cope (issue 13):
 *  - the external connection's status is `AVAILABLE` (AWS's transcripts; the API model says Available);
 *  - deletes are eventually consistent: a deleted domain is still described (as Deleted) and
 *    listed (first as it was, then as Deleted) for a while; a deleted repository is still described;
 *  - a delete right after another one is answered 409 ConflictException once;
 *  - packuments' tarball URLs carry an explicit default port (`https://host:443/...` on AWS);
 *  - IAM refuses an action (403 AccessDeniedException);
 *  - a domain is older than it is (for the sweep's TTL).
 * Each rule keeps its state in the proxy's state map and counts its hits there, so that a test
 * can show the reality was really played.
 */
import type { Client, FaultRule, ProxiedRequest } from './fault-proxy.ts';

type State = Map<string, unknown>;

/** How many times a rule changed something (beyond matching a request). */
export function played(state: State, name: string): number {
  return (state.get(`played:${name}`) as number | undefined) ?? 0;
}
function play(state: State, name: string): void {
  state.set(`played:${name}`, played(state, name) + 1);
}

export function externalConnectionAvailable(): FaultRule {
  return {
    name: 'external-connection-AVAILABLE',
    operation: ['AssociateExternalConnection', 'DescribeRepository'],
    action: {
      json: (body: { repository?: { externalConnections?: { status?: string }[] } }, _request, state) => {
        for (const c of body.repository?.externalConnections ?? []) {
          c.status = 'AVAILABLE';
          play(state, 'external-connection-AVAILABLE');
        }
        return body;
      },
    },
  };
}

/** The first `operation` a client sends is answered 409 ConflictException, as AWS may while it catches up. */
export function conflictOnce(operation: string, client?: Client): FaultRule {
  return {
    name: `409-once-${operation}${client ? `-${client}` : ''}`,
    operation,
    ...(client ? { client } : {}),
    times: 1,
    action: {
      status: 409,
      shortCircuit: true,
      headers: { 'x-amzn-errortype': 'ConflictException' },
      json: () => ({ message: 'The operation conflicts with another one in progress: try again' }),
    },
  };
}

/** IAM refuses `operation` (from `client`, by default the harness's SDK calls). */
export function accessDenied(operation: string, client: Client = 'sdk', when?: FaultRule['when']): FaultRule {
  return {
    name: `403-${operation}`,
    operation,
    client,
    ...(when ? { when } : {}),
    action: {
      status: 403,
      shortCircuit: true,
      headers: { 'x-amzn-errortype': 'AccessDeniedException' },
      json: () => ({ message: `User is not authorized to perform: codeartifact:${operation}` }),
    },
  };
}

interface Deleted<T> {
  value: T;
  at: number;
}

export interface StillShownOptions {
  /** How long ListDomains lists a deleted domain as it was (Active), as a stale replica would. */
  staleMs: number;
  /** How long ListDomains lists it at all (as Deleted after staleMs). */
  listedMs: number;
  /** How long DescribeDomain answers it, with status Deleted. */
  describedMs: number;
  /** How long DescribeRepository still answers a deleted repository. */
  repositoryDescribedMs: number;
}

/**
 * A deleted domain and repository stay visible for a while: remembered from the delete's own
 * answer (DeleteDomain answers with the domain, status Deleted; DeleteRepository with the
 * repository), then described and listed again within the windows given.
 */
export function stillShownAfterDelete(o: StillShownOptions): FaultRule[] {
  const domains = (state: State) =>
    (state.get('deleted-domains') as Map<string, Deleted<Record<string, unknown>>> | undefined) ?? new Map();
  const repositories = (state: State) =>
    (state.get('deleted-repositories') as Map<string, Deleted<Record<string, unknown>>> | undefined) ?? new Map();
  const within = (d: Deleted<unknown> | undefined, ms: number) => d !== undefined && Date.now() - d.at < ms;
  const repoKey = (r: ProxiedRequest) => `${r.query.get('domain')}/${r.query.get('repository')}`;
  return [
    {
      name: 'remember-deleted-domain',
      operation: 'DeleteDomain',
      action: {
        json: (body: { domain?: Record<string, unknown> }, request, state) => {
          if (body.domain)
            state.set('deleted-domains', domains(state).set(String(request.query.get('domain')), { value: body.domain, at: Date.now() }));
          return body;
        },
      },
    },
    {
      name: 'remember-deleted-repository',
      operation: 'DeleteRepository',
      action: {
        json: (body: { repository?: Record<string, unknown> }, request, state) => {
          if (body.repository)
            state.set('deleted-repositories', repositories(state).set(repoKey(request), { value: body.repository, at: Date.now() }));
          return body;
        },
      },
    },
    {
      name: 'domain-described-after-delete',
      operation: 'DescribeDomain',
      when: (r, state) => within(domains(state).get(String(r.query.get('domain'))), o.describedMs),
      action: {
        status: 200,
        shortCircuit: true,
        json: (_body, r, state) => {
          play(state, 'domain-described-after-delete');
          return { domain: { ...domains(state).get(String(r.query.get('domain')))!.value, status: 'Deleted' } };
        },
      },
    },
    {
      name: 'repository-described-after-delete',
      operation: 'DescribeRepository',
      when: (r, state) => within(repositories(state).get(repoKey(r)), o.repositoryDescribedMs),
      action: {
        status: 200,
        shortCircuit: true,
        json: (_body, r, state) => {
          play(state, 'repository-described-after-delete');
          return { repository: repositories(state).get(repoKey(r))!.value };
        },
      },
    },
    {
      name: 'domain-listed-after-delete',
      operation: 'ListDomains',
      when: (_r, state) => [...domains(state).values()].some((d) => within(d, o.listedMs)),
      action: {
        json: (body: { domains?: Record<string, unknown>[] }, _r, state) => {
          const listed = [...(body.domains ?? [])];
          for (const [name, d] of domains(state)) {
            if (!within(d, o.listedMs) || listed.some((x) => x.name === name)) continue;
            const { name: _n, owner, arn, createdTime, encryptionKey } = d.value;
            listed.push({ name, owner, arn, createdTime, encryptionKey, status: within(d, o.staleMs) ? 'Active' : 'Deleted' });
            play(state, within(d, o.staleMs) ? 'domain-listed-after-delete-as-Active' : 'domain-listed-after-delete-as-Deleted');
          }
          return { ...body, domains: listed };
        },
      },
    },
  ];
}

/** Tarball URLs in packuments carry the scheme's default port, as AWS's have been reported to (`https://host:443/...`). */
export function tarballsWithDefaultPort(): FaultRule {
  return {
    name: 'tarball-urls-with-default-port',
    operation: 'npm:packument',
    action: {
      json: (body: { versions?: Record<string, { dist?: { tarball?: string } }> }, _r, state) => {
        for (const version of Object.values(body.versions ?? {})) {
          const tarball = version.dist?.tarball;
          if (!tarball) continue;
          const url = new URL(tarball);
          if (url.port !== '') continue;
          version.dist!.tarball = tarball.replace(url.host, `${url.hostname}:${url.protocol === 'https:' ? 443 : 80}`);
          play(state, 'tarball-urls-with-default-port');
        }
        return body;
      },
    },
  };
}

/** ListDomains gives these domains a creation time `ageMs` ago (the emulator's clock cannot be set back). */
export function createdAgo(ages: Record<string, number>): FaultRule {
  return {
    name: 'created-long-ago',
    operation: ['ListDomains', 'DescribeDomain'],
    action: {
      json: (body: { domains?: { name?: string; createdTime?: number }[]; domain?: { name?: string; createdTime?: number } }) => {
        for (const d of [...(body.domains ?? []), ...(body.domain ? [body.domain] : [])]) {
          const age = d.name ? ages[d.name] : undefined;
          if (age !== undefined) d.createdTime = (Date.now() - age) / 1000;
        }
        return body;
      },
    },
  };
}

/** A free 127.x.y.z address whose port 80 this process may bind: a proxy there has URLs without a port, as AWS's https URLs. */
export function loopbackHost(seed: number = process.pid): string {
  return `127.${13 + (seed % 200)}.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;
}
