/**
 * `npx tsx scripts/fixture-registry.ts`
 *
 * Starts the fixture npm registry (tests/support/fixture-registry.ts) with `tutorialPackages` on a
 * free port of 127.0.0.1 and prints its URL; stops on SIGINT or SIGTERM (exit 0).
 */
import { startFixtureRegistry, tutorialPackages } from '../tests/support/fixture-registry.ts';

const registry = await startFixtureRegistry(tutorialPackages);
console.log(`Fixture npm registry listening on ${registry.url}`);

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  registry
    .close()
    .then(() => {
      console.log(`Fixture npm registry stopped (${signal}); ${registry.requests.length} request(s) served.`);
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
