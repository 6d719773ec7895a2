/**
 * What a person running the emulator by hand reaches for (LocalStack's /_localstack/health,
 * Verdaccio's request log): unauthenticated endpoints under /_emulator/, and a one-line log
 * per request. Nothing here ever shows a token, a key or a secret.
 *
 *   GET  /_emulator/health  {"status":"running","operations":48,...}
 *   POST /_emulator/reset   forget every domain (and so every repository, package and token)
 *   GET  /_emulator/state   domains, repositories, packages and package groups
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from './core/operation.ts';
import type { Store } from './core/store.ts';
import { operations } from './operations.ts';
import { groupsOf } from './packages/groups.ts';

export const ADMIN_PREFIX = '/_emulator/';
const startedAt = Date.now();
const routes = new Map(operations.map((op) => [`${op.method} ${op.path}`, op.name]));
const NPM = /^\/([a-z][a-z0-9-]{0,48}[a-z0-9])-\d{12}\/[a-z0-9-]+\/npm\/([^/]+)\/(.*)$/;

export const isAdminRequest = (pathname: string) => pathname.startsWith(ADMIN_PREFIX);

/** What a request is, for the log: the operation's name, or the npm route. */
export function describeRequest(method: string, target: string): string {
  const pathname = target.split('?')[0]!;
  const op = routes.get(`${method} ${pathname}`);
  if (op) return op;
  const npm = NPM.exec(pathname);
  if (npm) return `npm ${npm[1]}/${npm[2]} ${method} /${npm[3]}`;
  if (method === 'POST' && pathname === '/') return 'sts';
  return `${method} ${pathname}`;
}

/** Writes one line per request when it has been answered: what, status, milliseconds. */
export function logRequests(req: IncomingMessage, res: ServerResponse, log: (line: string) => void): void {
  const started = performance.now();
  res.once('finish', () => {
    const ms = Math.round(performance.now() - started);
    log(`${new Date().toISOString()} ${describeRequest(req.method ?? 'GET', req.url ?? '/')} ${res.statusCode} ${ms}ms`);
  });
}

function reply(res: ServerResponse, status: number, value: unknown): void {
  const json = JSON.stringify(value, null, 2);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** The stored state, as a person would want to read it; no secrets exist in it to leak. */
export function stateOf(store: Store) {
  return {
    regions: [...store.regions]
      .map(([region, state]) => ({
        region,
        domains: [...state.domains.values()].map((d) => ({
          name: d.name,
          owner: d.owner,
          packageGroups: groupsOf(d).map((g) => ({ pattern: g.pattern, restrictions: { ...g.restrictions } })),
          repositories: [...d.repositories.values()].map((r) => ({
            name: r.name,
            upstreams: [...r.upstreams],
            ...(r.danglingUpstreams?.length ? { danglingUpstreams: [...r.danglingUpstreams] } : {}),
            externalConnections: r.externalConnections.map((c) => c.externalConnectionName),
            packages: [...r.packages.values()].map((p) => ({
              format: p.format,
              ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
              name: p.name,
              originConfiguration: { ...p.originConfiguration.restrictions },
              versions: [...p.versions.values()].map((v) => ({ version: v.version, status: v.status, origin: v.origin.originType })),
            })),
          })),
        })),
      }))
      .filter((r) => r.domains.length > 0),
  };
}

export function handleAdmin(services: Services, req: IncomingMessage, res: ServerResponse): void {
  const route = (req.url ?? '/').split('?')[0]!.slice(ADMIN_PREFIX.length);
  const method = req.method ?? 'GET';
  if (route === 'health' && (method === 'GET' || method === 'HEAD')) {
    return reply(res, 200, {
      status: 'running',
      service: 'codeartifact',
      operations: operations.length,
      operationNames: operations.map((op) => op.name),
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    });
  }
  if (route === 'state' && method === 'GET') return reply(res, 200, stateOf(services.store));
  if (route === 'reset' && method === 'POST') {
    const domains = [...services.store.regions.values()].reduce((n, s) => n + s.domains.size, 0);
    services.store.regions.clear();
    // Answered once the empty state is on disk (with --data-dir), like every other write.
    void services.changed().then(
      () => reply(res, 200, { reset: true, domainsRemoved: domains }),
      (err: unknown) => reply(res, 500, { message: `reset did not reach the disk: ${(err as Error).message}` }),
    );
    return;
  }
  const known = ['GET health', 'GET state', 'POST reset'];
  return reply(res, route === 'health' || route === 'state' || route === 'reset' ? 405 : 404, {
    message: `Nothing is served at ${method} ${ADMIN_PREFIX}${route}. The emulator serves ${known.map((k) => k.replace(' ', ` ${ADMIN_PREFIX}`)).join(', ')}.`,
  });
}
