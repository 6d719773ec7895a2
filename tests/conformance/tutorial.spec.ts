import { defineScenario } from '../../helpers/run/scenario-runner.ts';
import { tutorialScenario } from '../../scenarios/tutorial.ts';

defineScenario(tutorialScenario);
