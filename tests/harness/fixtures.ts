/**
 * Fixtures for the harness's own tests.
 *
 * `scratch`: the folders a test writes outside the project (a nested run's reports, a user's
 * home, a state folder). They go when the test passes; when it fails they stay for a look, and
 * the test says where (an annotation in every report, and a line in its output).
 */
import { test as base, type TestInfo } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class Scratch {
  private readonly dirs: string[] = [];
  private failed = false;

  /** A new empty folder under the system's temp folder, named `<prefix>XXXXXX`. */
  dir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** Notes a test's outcome; a folder shared by several tests is kept if any of them failed. */
  noteOutcome(testInfo: TestInfo): void {
    if (testInfo.status !== testInfo.expectedStatus) this.failed = true;
  }

  /** Removes the folders, or (after a failure) keeps them and says where. */
  finish(testInfo?: TestInfo): void {
    if (testInfo) this.noteOutcome(testInfo);
    const dirs = this.dirs.splice(0);
    if (dirs.length === 0) return;
    if (!this.failed) {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      return;
    }
    const where = dirs.join('\n');
    testInfo?.annotations.push({ type: 'kept for inspection', description: where });
    process.stderr.write(`Kept for inspection (a test failed):\n${where}\n`);
  }
}

export const test = base.extend<{ scratch: Scratch }>({
  scratch: async ({}, use, testInfo) => {
    const scratch = new Scratch();
    await use(scratch);
    scratch.finish(testInfo);
  },
});

export { expect } from '@playwright/test';
