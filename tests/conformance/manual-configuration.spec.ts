import { defineScenario } from '../../helpers/run/scenario-runner.ts';
import { manualConfigurationScenario } from '../../scenarios/tutorial.ts';

defineScenario(manualConfigurationScenario);
