/**
 * The harness's own SDK calls survive a server that closes a kept-alive socket just as the
 * client reuses it (the race behind the `socket hang up` flake), while what the service
 * answers, 4xx or 5xx, stays final. A real HTTP server on 127.0.0.1, no mocks.
 */
import { CodeartifactClient, ListDomainsCommand } from '@aws-sdk/client-codeartifact';
import { expect, test } from '@playwright/test';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { codeartifactClient, DEFAULT_MAX_ATTEMPTS, isConnectionError } from '../../helpers/run/sdk.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

interface Counting {
  url: string;
  requests: number;
  resets: number;
  connections: number;
  close(): Promise<void>;
}

/** A ListDomains server; `answer` may reset the socket (return 'reset') or answer itself. */
async function serve(answer: (req: IncomingMessage, res: ServerResponse, servedOnSocket: number) => 'reset' | void): Promise<Counting> {
  const served = new WeakMap<Socket, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    state.requests++;
    const n = served.get(req.socket) ?? 0;
    served.set(req.socket, n + 1);
    req.resume();
    req.on('end', () => {
      if (answer(req, res, n) === 'reset') {
        state.resets++;
        req.socket.destroy();
      }
    });
  });
  // Never close idle sockets on our own: the test decides when a socket dies.
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => {
    state.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const state: Counting = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: 0,
    resets: 0,
    connections: 0,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  return state;
}

const ok = (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ domains: [] }));
};

/** What a server that closes idle kept-alive sockets does to the unlucky request: drop it unanswered. */
const resetOnReuse = (_req: IncomingMessage, res: ServerResponse, servedOnSocket: number) => (servedOnSocket > 0 ? 'reset' : ok(res));

test('a kept-alive socket reset at the moment of reuse: the harness client retries on a new connection; the client it replaced failed', async () => {
  const server = await serve(resetOnReuse);
  // How the harness built its client before (targets.ts, off AWS): the flake.
  const before = new CodeartifactClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  const harness = codeartifactClient({ region: 'us-east-1', credentials, endpointUrl: server.url });
  try {
    await before.send(new ListDomainsCommand({}));
    const failure = await before.send(new ListDomainsCommand({})).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure, 'the reused socket was reset under the old client').toBeDefined();
    expect((failure as { code?: string }).code).toBe('ECONNRESET');
    expect(isConnectionError(failure), 'classified as a connection error by its code').toBe(true);
    expect(server.resets).toBe(1);

    for (let i = 0; i < 5; i++) {
      const out = await harness.send(new ListDomainsCommand({}));
      expect(out.domains).toEqual([]);
      // Every call after the first meets a reused socket that is reset, and succeeds on the second attempt.
      expect(out.$metadata.attempts).toBe(i === 0 ? 1 : 2);
    }
    expect(server.resets).toBe(1 + 4);
  } finally {
    before.destroy();
    harness.destroy();
    await server.close();
  }
});

test('a server that resets every request: the retry is bounded and the connection error comes through', async () => {
  const server = await serve(() => 'reset');
  const harness = codeartifactClient({ region: 'us-east-1', credentials, endpointUrl: server.url });
  try {
    const started = Date.now();
    const failure = (await harness.send(new ListDomainsCommand({})).catch((e: unknown) => e)) as {
      code?: string;
      $metadata?: { attempts?: number };
    };
    expect(failure.code).toBe('ECONNRESET');
    expect(failure.$metadata?.attempts).toBe(DEFAULT_MAX_ATTEMPTS);
    expect(server.requests).toBe(DEFAULT_MAX_ATTEMPTS);
    // Backoff 100, 200, 400 ms at most (jittered down to half): bounded, not minutes.
    expect(Date.now() - started).toBeLessThan(5_000);
  } finally {
    harness.destroy();
    await server.close();
  }
});

for (const [status, type] of [
  [500, 'InternalServerException'],
  [503, 'ServiceUnavailableException'],
  [429, 'ThrottlingException'],
  [404, 'ResourceNotFoundException'],
] as const) {
  test(`a service answer ${status} ${type} fails at once: one request`, async () => {
    const server = await serve((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
      res.end(JSON.stringify({ message: `the service says ${type}` }));
    });
    const harness = codeartifactClient({ region: 'us-east-1', credentials, endpointUrl: server.url });
    try {
      const failure = (await harness.send(new ListDomainsCommand({})).catch((e: unknown) => e)) as Error & {
        $metadata?: { httpStatusCode?: number; attempts?: number };
      };
      expect(failure.name).toBe(type);
      expect(failure.$metadata?.httpStatusCode).toBe(status);
      expect(failure.$metadata?.attempts).toBe(1);
      expect(server.requests).toBe(1);
      expect(isConnectionError(failure)).toBe(false);
    } finally {
      harness.destroy();
      await server.close();
    }
  });
}

test('a refused connection: at once on a local endpoint ("unreachable"), retried only where refusals pass (AWS)', async () => {
  // A port that was just listening and is now closed.
  const gone = await serve(resetOnReuse);
  await gone.close();
  const local = codeartifactClient({ region: 'us-east-1', credentials, endpointUrl: gone.url });
  const likeAws = codeartifactClient({ region: 'us-east-1', credentials, endpointUrl: gone.url }, { retryRefused: true, baseDelayMs: 10 });
  try {
    const started = Date.now();
    const a = (await local.send(new ListDomainsCommand({})).catch((e: unknown) => e)) as {
      code?: string;
      $metadata?: { attempts?: number };
    };
    expect(a.code).toBe('ECONNREFUSED');
    expect(a.$metadata?.attempts).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
    const b = (await likeAws.send(new ListDomainsCommand({})).catch((e: unknown) => e)) as {
      code?: string;
      $metadata?: { attempts?: number };
    };
    expect(b.code).toBe('ECONNREFUSED');
    expect(b.$metadata?.attempts).toBe(DEFAULT_MAX_ATTEMPTS);
  } finally {
    local.destroy();
    likeAws.destroy();
  }
});
