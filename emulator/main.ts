/**
 * `npm run emulator -- --port <n> [--host 127.0.0.1] [--account-id <12 digits>]`
 * Prints one line when ready and serves until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startEmulator } from './server.ts';

const USAGE =
  'usage: npm run emulator -- [--port <n>] [--host <address>] [--account-id <12 digits>] [--access-key-id <id> --secret-access-key <secret>]';

function fail(message: string): never {
  process.stderr.write(`emulator: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'account-id': { type: 'string' },
      'access-key-id': { type: 'string' },
      'secret-access-key': { type: 'string' },
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
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port '${values.port}' is not a port number (0-65535; 0 picks a free port).`);
if ((values['access-key-id'] === undefined) !== (values['secret-access-key'] === undefined)) {
  fail('--access-key-id and --secret-access-key go together.');
}

try {
  const emulator = await startEmulator({
    port,
    host: String(values.host),
    ...(values['account-id'] !== undefined ? { accountId: String(values['account-id']) } : {}),
    ...(values['access-key-id'] !== undefined
      ? { credentials: [{ accessKeyId: String(values['access-key-id']), secretAccessKey: String(values['secret-access-key']) }] }
      : {}),
  });
  process.stdout.write(`CodeArtifact emulator listening on ${emulator.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') fail(`port ${port} on ${values.host} is already in use. Pick another --port, or 0 for a free one.`);
  if (e.code === 'EADDRNOTAVAIL') fail(`cannot listen on ${values.host}: no such local address. Use 127.0.0.1.`);
  fail(e.message);
}
