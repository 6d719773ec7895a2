/** The bare script's commands (scripts/bench-conformance.ts), each a Playwright test: nothing else. */
import { test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { TUTORIAL_COMMANDS, TUTORIAL_SHELL_VARIABLES } from '../bench-conformance-script.ts';

test.describe.configure({ mode: 'serial' });

for (const [i, line] of TUTORIAL_COMMANDS.entries()) {
  test(`${i + 1}. ${line.split(' $E')[0]}`, () => {
    execFileSync('bash', ['-c', `set -euo pipefail\n${TUTORIAL_SHELL_VARIABLES}\n${line}`], { stdio: 'pipe' });
  });
}
