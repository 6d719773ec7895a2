/**
 * `npm run emulator -- [--port <n>] [--host 127.0.0.1] [--account-id <12 digits>]`
 * Prints one line when ready, serves until SIGINT/SIGTERM, and prints one line when it stops.
 * Without --port it listens on DEFAULT_PORT, so that a config file can name it once.
 */
import { parseArgs } from 'node:util';
import { Faults, FAULTS } from './core/faults.ts';
import { DEFAULT_QUOTAS, parseQuota } from './core/quotas.ts';
import type { Limits } from './core/limits.ts';
import { startEmulator } from './server.ts';

/** Next to LocalStack's 4566, so that both can run side by side. */
const DEFAULT_PORT = 4567;

const USAGE = `usage: npm run emulator -- [options]
  --port <n>                 port to listen on (0 picks a free one; default ${DEFAULT_PORT})
  --host <address>           address to bind (default 127.0.0.1)
  --account-id <12 digits>   the account the emulator answers for (default 000000000000)
  --access-key-id <id> --secret-access-key <secret>
                             the credentials requests must be signed with (default test/test)
  --npmjs-url <url>          registry behind public:npmjs (default: npm config get registry)
  --upstream-ttl <ms>        how long upstream packuments are cached (default 300000)
  --ingestion-delay <ms|min-max>
                             delay before externally ingested versions are listed (default 0)
  --data-dir <dir>           keep state and tarballs in <dir> across restarts (default: memory);
                             a write is answered only once it is on disk
  --request-timeout <ms>     a request must arrive completely within this time; stalled
                             connections are closed after it (default 120000)
  --max-body-size <bytes>    largest control-plane request body, larger ones get 413 (default 2097152)
  --max-publish-size <bytes> largest npm publish body or package asset (default 33554432)
  --fault <name[=arg]>       switch a fault on (repeatable): ${Object.keys(FAULTS).join(', ')}
  --fault-admin              serve GET/PUT/DELETE /-/emulator/faults to switch faults at run time
  --quota <name=n>           change one of AWS's default quotas (repeatable): ${Object.entries(DEFAULT_QUOTAS)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}
  --log-requests             one line per request on stderr: operation or npm route, status, milliseconds
  --exit-with-stdin          stop when standard input closes (for a parent that starts it in its own
                             process group, so a terminal's Ctrl-C reaches the parent, not the emulator)
  --check                    check the other options and exit: 0 when they are valid, 2 and the problem
                             when not (nothing is started)`;

/** A wrong option: what is wrong on one line (the whole of it with --check), exit code 2. */
function fail(message: string): never {
  const checking = process.argv.includes('--check');
  process.stderr.write(checking ? `${message}\n` : `emulator: ${message}\nThe options: npm run emulator -- --help\n`);
  process.exit(2);
}

let values: Record<string, string | boolean | string[] | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: String(DEFAULT_PORT) },
      host: { type: 'string', default: '127.0.0.1' },
      'account-id': { type: 'string' },
      'access-key-id': { type: 'string' },
      'secret-access-key': { type: 'string' },
      'npmjs-url': { type: 'string' },
      'upstream-ttl': { type: 'string' },
      'ingestion-delay': { type: 'string' },
      'data-dir': { type: 'string' },
      'request-timeout': { type: 'string' },
      'max-body-size': { type: 'string' },
      'max-publish-size': { type: 'string' },
      fault: { type: 'string', multiple: true },
      'fault-admin': { type: 'boolean' },
      quota: { type: 'string', multiple: true },
      'log-requests': { type: 'boolean' },
      'exit-with-stdin': { type: 'boolean' },
      check: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (err) {
  fail((err as Error).message);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port '${values.port}' is not a port number (0-65535; 0 picks a free port).`);
const accountId = values['account-id'] as string | undefined;
if (accountId !== undefined && !/^\d{12}$/.test(accountId)) fail(`--account-id '${accountId}' is not a 12-digit AWS account id.`);
if ((values['access-key-id'] === undefined) !== (values['secret-access-key'] === undefined)) {
  fail('--access-key-id and --secret-access-key go together.');
}

function parseDelay(spec: string | undefined): { min: number; max: number } | undefined {
  if (spec === undefined) return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec);
  if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) {
    fail(`--ingestion-delay '${spec}' is not <ms> or <min>-<max> (milliseconds, min <= max).`);
  }
  return { min: Number(m[1]), max: Number(m[2] ?? m[1]) };
}
const faults = (values.fault as string[] | undefined) ?? [];
for (const spec of faults) {
  try {
    Faults.parse(spec);
  } catch (err) {
    fail(`--fault: ${(err as Error).message}`);
  }
}
const quotas = (values.quota as string[] | undefined) ?? [];
for (const spec of quotas) {
  try {
    parseQuota(spec);
  } catch (err) {
    fail(`--quota: ${(err as Error).message}`);
  }
}
const npmjsUrl = values['npmjs-url'] as string | undefined;
if (npmjsUrl !== undefined && !/^https?:\/\/[^/]+/.test(npmjsUrl)) fail(`--npmjs-url '${npmjsUrl}' is not an http(s) URL.`);
const ttl = values['upstream-ttl'] as string | undefined;
if (ttl !== undefined && !/^\d+$/.test(ttl)) fail(`--upstream-ttl '${ttl}' is not a number of milliseconds.`);
const ingestionDelayMs = parseDelay(values['ingestion-delay'] as string | undefined);

const LIMIT_FLAGS = {
  'request-timeout': 'requestTimeoutMs',
  'max-body-size': 'controlBodyBytes',
  'max-publish-size': 'publishBodyBytes',
} as const;
const limits: Partial<Limits> = {};
for (const [flag, member] of Object.entries(LIMIT_FLAGS)) {
  const value = values[flag] as string | undefined;
  if (value === undefined) continue;
  if (!/^[1-9]\d*$/.test(value)) fail(`--${flag} '${value}' is not a positive whole number.`);
  limits[member] = Number(value);
}

if (values.check) {
  process.stdout.write('emulator: the options are valid\n');
  process.exit(0);
}

try {
  const emulator = await startEmulator({
    ...(npmjsUrl !== undefined ? { npmjsUrl } : {}),
    ...(ttl !== undefined ? { upstreamTtlMs: Number(ttl) } : {}),
    ...(ingestionDelayMs ? { ingestionDelayMs } : {}),
    ...(values['data-dir'] !== undefined ? { dataDir: String(values['data-dir']) } : {}),
    faults,
    limits,
    faultAdmin: values['fault-admin'] === true,
    quotas,
    logRequests: values['log-requests'] === true,
    port,
    host: String(values.host),
    ...(values['account-id'] !== undefined ? { accountId: String(values['account-id']) } : {}),
    ...(values['access-key-id'] !== undefined
      ? { credentials: [{ accessKeyId: String(values['access-key-id']), secretAccessKey: String(values['secret-access-key']) }] }
      : {}),
  });
  process.stdout.write(`CodeArtifact emulator listening on ${emulator.url}\n`);
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    const stopped = () => {
      process.stdout.write(`CodeArtifact emulator on ${emulator.url} stopped (${why})\n`);
      process.exit(0);
    };
    emulator.close().then(stopped, stopped);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (values['exit-with-stdin']) {
    process.stdin
      .on('end', () => stop('standard input closed'))
      .on('close', () => stop('standard input closed'))
      .resume();
  }
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') fail(`port ${port} on ${values.host} is already in use. Pick another --port, or 0 for a free one.`);
  if (e.code === 'EADDRNOTAVAIL') fail(`cannot listen on ${values.host}: no such local address. Use 127.0.0.1.`);
  fail(e.message);
}
