/**
 * `npm run crash:durability [-- --kills 20 --burst 24 --kill-after 300-3000]`
 * kill -9 of a --data-dir emulator during bursts of concurrent writes (CreateRepository,
 * TagResource, npm publish), restarted each time; every write it acknowledged must survive.
 * Exit 0 when nothing acknowledged was lost and every restart succeeded.
 */
import { parseArgs } from 'node:util';
import { crashDurability } from '../tests/emulator/robustness/crash.ts';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    burst: { type: 'string', default: '24' },
    'kill-after': { type: 'string', default: '300-3000' },
  },
});
const kills = Number(values.kills);
const burst = Number(values.burst);
const m = /^(\d+)-(\d+)$/.exec(String(values['kill-after']));
if (!Number.isInteger(kills) || kills < 1 || !Number.isInteger(burst) || burst < 1 || !m) {
  process.stderr.write('usage: npm run crash:durability -- [--kills N] [--burst N] [--kill-after MIN-MAX ms]\n');
  process.exit(2);
}
const started = Date.now();
const report = await crashDurability({
  kills,
  burst,
  killAfterMs: { min: Number(m[1]), max: Number(m[2]) },
  log: (line) => process.stdout.write(`${line}\n`),
});
const acknowledged = report.acknowledged.repositories + report.acknowledged.tags + report.acknowledged.publishes;
process.stdout.write(
  [
    '',
    `kills: ${report.kills}, restarts: ${report.restarts}/${report.kills}`,
    `acknowledged writes: ${acknowledged} (${report.acknowledged.repositories} CreateRepository, ${report.acknowledged.tags} TagResource, ${report.acknowledged.publishes} npm publish)`,
    `in flight at a kill (no answer, may go either way): ${report.unanswered}`,
    `acknowledged writes lost: ${report.lost.length}`,
    ...report.lost.slice(0, 20).map((l) => `  lost: ${l}`),
    ...report.failures.map((f) => `  failure: ${f}`),
    `took ${((Date.now() - started) / 1000).toFixed(0)} s`,
    '',
  ].join('\n'),
);
process.exit(report.lost.length === 0 && report.failures.length === 0 && report.restarts === report.kills ? 0 : 1);
