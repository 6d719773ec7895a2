/**
 * `npm run sweep [-- --ttl-hours 6] [--dry-run]`
 * Deletes harness-tagged domains older than the TTL on the configured target
 * (CONFORMANCE_TARGET=aws or endpoint) and nothing else; on the emulator target, the emulator
 * containers of runs that died.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../helpers/run/config.ts';
import { InfrastructureError } from '../helpers/run/errors.ts';
import { sweep } from '../helpers/run/sweep.ts';
import { openTarget } from '../helpers/target/targets.ts';
import { sweepEmulatorContainers } from '../helpers/target/emulator-container.ts';

function fail(message: string, code = 2): never {
  process.stderr.write(`sweep: ${message}\n`);
  process.exit(code);
}

let values: { 'ttl-hours'?: string; 'dry-run'?: boolean };
try {
  ({ values } = parseArgs({ options: { 'ttl-hours': { type: 'string', default: '6' }, 'dry-run': { type: 'boolean' } } }));
} catch (err) {
  fail(`${(err as Error).message}\nusage: npm run sweep -- [--ttl-hours <hours>] [--dry-run]`);
}
const hours = Number(values['ttl-hours']);
if (!Number.isFinite(hours) || hours < 0) fail(`--ttl-hours '${values['ttl-hours']}' is not a number of hours (0 or more).`);

try {
  const config = loadConfig();
  if (config.target === 'emulator') {
    // The emulator starts empty for every run, so its leftovers are only containers of runs that died (SIGKILL).
    const c = await sweepEmulatorContainers({ dryRun: values['dry-run'] === true });
    const verb = values['dry-run'] ? 'would be removed' : 'removed';
    if (c.skipped) process.stdout.write(`sweep: emulator containers not looked at: ${c.skipped}\n`);
    for (const id of c.removed) process.stdout.write(`  emulator container ${id} ${verb}\n`);
    for (const k of c.kept) process.stdout.write(`  kept emulator container ${k.id}: ${k.why}\n`);
    for (const f of c.failed) process.stdout.write(`  FAILED emulator container ${f.id}: ${f.error}\n`);
    process.stdout.write(`emulator containers: ${c.removed.length} ${verb}, ${c.kept.length} kept, ${c.failed.length} failed (domains: the embedded emulator starts empty for every run; set CONFORMANCE_TARGET=aws or endpoint to sweep those)\n`);
    process.exit(c.failed.length > 0 ? 1 : 0);
  }
  const target = await openTarget(config);
  const client = target.codeartifact();
  const result = await sweep(client, hours * 3_600_000, { dryRun: values['dry-run'] === true });
  client.destroy();
  await target.stop();
  const verb = values['dry-run'] ? 'would delete' : 'deleted';
  process.stdout.write(`sweep on ${target.description}, TTL ${hours} h\n`);
  for (const d of result.deleted) process.stdout.write(`  ${verb} ${d}\n`);
  for (const k of result.kept) process.stdout.write(`  kept ${k.domain}: ${k.why}\n`);
  for (const f of result.failed) process.stdout.write(`  FAILED ${f.domain}: ${f.error}\n`);
  process.stdout.write(`${result.deleted.length} ${verb}, ${result.kept.length} kept, ${result.failed.length} failed\n`);
  process.exit(result.failed.length > 0 ? 1 : 0);
} catch (err) {
  if (err instanceof ConfigError || err instanceof InfrastructureError) fail(err.message);
  throw err;
}
