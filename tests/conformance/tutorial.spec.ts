import { defineScenario } from '../../helpers/scenario-runner.ts';
import { tutorialScenario } from '../../scenarios/tutorial.ts';

defineScenario(tutorialScenario);
