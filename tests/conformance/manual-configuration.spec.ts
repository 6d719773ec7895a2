import { defineScenario } from '../../helpers/scenario-runner.ts';
import { manualConfigurationScenario } from '../../scenarios/tutorial.ts';

defineScenario(manualConfigurationScenario);
