/**
 * Every matrix cell's tutorial run. Each cell's Playwright project (playwright.config.ts)
 * selects its own tests by the `@<cell id>` tag, so cells run in parallel, isolated.
 */
import { defineScenario } from '../../helpers/run/scenario-runner.ts';
import { cellScenario, matrix } from '../../scenarios/matrix.ts';

for (const cell of matrix) defineScenario(cellScenario(cell), cell);
