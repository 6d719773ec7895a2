/**
 * Regenerates the docs owners' page (`<reports>/docs/index.html`) from an existing reports
 * folder: `npm run report:docs [-- <reports dir>]` (default $CONFORMANCE_REPORTS_DIR or reports).
 * Regenerating records the run in the history once: its entry is replaced, not repeated.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeDocsReport } from '../helpers/report/docs/write.ts';

const dir = process.argv[2] ?? process.env.CONFORMANCE_REPORTS_DIR ?? 'reports';
if (!existsSync(join(dir, 'summary.json'))) {
  console.error(`There is no ${join(dir, 'summary.json')}: run the suite first (npm run conformance).`);
  process.exit(1);
}
writeDocsReport(dir);
console.log(`Wrote ${join(dir, 'docs', 'index.html')}`);
