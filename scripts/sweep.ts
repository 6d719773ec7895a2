/**
 * `npm run sweep [-- --ttl-hours 6] [--dry-run]`
 * Removes what harness runs left behind, one line per resource with the reason:
 *  - on this machine: the sandboxes (with their tokens) and the clean-up ledgers of runs
 *    whose process is gone; a dead run's ledger is undone on the configured target;
 *  - on the configured target (CONFORMANCE_TARGET=aws or endpoint): domains named exactly as a
 *    run names them and older than the TTL, harness-tagged or untagged (a run killed before it
 *    could tag its domain); an error on one domain is reported and the others are still swept;
 *  - on this machine's container engine: emulator containers of runs that died.
 * Nothing the harness did not create is touched: no other name, no one else's tags. `--dry-run`
 * removes nothing and prints what it would do, and why. Exit 0: all done; 1: something could not
 * be removed (see the FAILED lines); 2: configuration or target problem.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../helpers/run/config.ts';
import { InfrastructureError } from '../helpers/run/errors.ts';
import { stateDir } from '../helpers/run/owner.ts';
import { deadRunLedgers, deadRunSandboxes, harnessDomains, type SweepLine, type SweepTarget } from '../helpers/run/sweep.ts';
import { openTarget, type Target } from '../helpers/target/targets.ts';
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
const dryRun = values['dry-run'] === true;

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) fail(err.message);
  throw err;
}

const lines: SweepLine[] = [];
const print = (l: SweepLine) => {
  const action = l.action === 'failed' ? 'FAILED' : l.action;
  process.stdout.write(`  ${action} ${l.resource}: ${l.why}\n`);
};

// The target: the embedded emulator starts empty for every run and stops with it, so there
// is nothing on it to sweep; aws and endpoint are reached as a run reaches them.
let target: Target | undefined;
let targetProblem: string | undefined;
if (config.target !== 'emulator') {
  try {
    target = await openTarget(config);
  } catch (err) {
    if (!(err instanceof InfrastructureError)) throw err;
    targetProblem = err.message;
  }
}
process.stdout.write(
  `sweep${dryRun ? ' (dry run)' : ''}: runs' state in ${stateDir()}; ${target ? `${target.description}, TTL ${hours} h` : `no target (${targetProblem ? 'unreachable' : 'CONFORMANCE_TARGET=emulator'})`}\n`,
);
const client = target?.codeartifact();
const sweepTarget: SweepTarget | undefined =
  target && client
    ? {
        client,
        identity: {
          kind: target.kind,
          ...(target.endpointUrl !== undefined ? { endpointUrl: target.endpointUrl } : {}),
          account: target.account,
          region: target.region,
        },
      }
    : undefined;

async function containerLines(dry: boolean): Promise<SweepLine[]> {
  const c = await sweepEmulatorContainers({ dryRun: dry });
  if (c.skipped) return [{ action: 'kept', resource: 'emulator containers', why: `not looked at: ${c.skipped}` }];
  return [
    ...c.removed.map(
      (id): SweepLine => ({ action: dry ? 'would remove' : 'removed', resource: `emulator container ${id}`, why: 'its run is gone' }),
    ),
    ...c.kept.map((k): SweepLine => ({ action: 'kept', resource: `emulator container ${k.id}`, why: k.why })),
    ...c.failed.map((f): SweepLine => ({ action: 'failed', resource: `emulator container ${f.id}`, why: f.error })),
  ];
}

const rules: { name: string; run: () => Promise<SweepLine[]> | SweepLine[] }[] = [
  { name: "dead runs' ledgers", run: () => deadRunLedgers(sweepTarget, { dryRun }) },
  { name: "dead runs' sandboxes", run: () => deadRunSandboxes({ dryRun }) },
  // Emulator containers of runs that died (SIGKILL): their own run stops them on every other exit.
  { name: "dead runs' emulator containers", run: () => containerLines(dryRun) },
  ...(client ? [{ name: "the harness's domains past the TTL", run: () => harnessDomains(client, hours * 3_600_000, { dryRun }) }] : []),
];
for (const rule of rules) {
  try {
    const found = await rule.run();
    found.forEach(print);
    lines.push(...found);
  } catch (err) {
    // A rule that cannot even list what it sweeps (e.g. the target stopped answering).
    const line: SweepLine = { action: 'failed', resource: rule.name, why: `${(err as Error).name}: ${(err as Error).message}` };
    print(line);
    lines.push(line);
  }
}
client?.destroy();
await target?.stop();

const count = (a: SweepLine['action']) => lines.filter((l) => l.action === a).length;
process.stdout.write(
  `${count(dryRun ? 'would remove' : 'removed')} ${dryRun ? 'would be removed' : 'removed'}, ${count('kept')} kept, ${count('failed')} failed\n`,
);
if (targetProblem) fail(`the target could not be swept: ${targetProblem}`);
process.exit(count('failed') > 0 ? 1 : 0);
