/**
 * `npm run emulator:image [-- --dockerfile] [--node running|registry] [--tag <name>]`
 * Builds the emulator's image without any image registry (see helpers/target/emulator-container.ts):
 *  - default: FROM scratch, Node and its libraries, the emulator with its production
 *    dependencies; the image the harness runs (codeartifact-emulator:conformance);
 *  - --dockerfile: emulator/Dockerfile, the file registry users build on node:20-slim, here
 *    on a local Node 20 base made FROM scratch (codeartifact-emulator:dockerfile).
 * Prints the image, its size and the build time. Exit 0 built, 2 could not build.
 */
import { parseArgs } from 'node:util';
import { InfrastructureError } from '../helpers/run/errors.ts';
import { buildEmulatorImage, containerEngine } from '../helpers/target/emulator-container.ts';

const USAGE = 'usage: npm run emulator:image -- [--dockerfile] [--node running|registry] [--tag <image name>]';

function fail(message: string): never {
  process.stderr.write(`emulator:image: ${message}\n`);
  process.exit(2);
}

let values: { dockerfile?: boolean; node?: string; tag?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: { dockerfile: { type: 'boolean' }, node: { type: 'string' }, tag: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  }));
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (values.node !== undefined && values.node !== 'running' && values.node !== 'registry') {
  fail(`--node '${values.node}' is not running or registry.\n${USAGE}`);
}

const engine = await containerEngine();
if (!engine.ok) {
  fail(
    `no container engine answers (${engine.reason}).\nStart one (as root: dockerd --bridge=none --iptables=false &), then run this again.`,
  );
}
try {
  const result = await buildEmulatorImage({
    variant: values.dockerfile ? 'dockerfile' : 'scratch',
    ...(values.node ? { node: values.node as 'running' | 'registry' } : {}),
    ...(values.tag ? { tag: values.tag } : {}),
    log: (line) => process.stdout.write(`  ${line}\n`),
  });
  process.stdout.write(`built ${result.image}: ${(result.sizeBytes / 1e6).toFixed(1)} MB in ${(result.buildMs / 1000).toFixed(1)} s\n`);
} catch (err) {
  if (err instanceof InfrastructureError) fail(err.message);
  fail((err as Error).stack ?? String(err));
}
