import { handler as assumeDeployRole } from '../functions/assume-deploy-role';
import { handler as checkHealth } from '../functions/check-health';
import { handler as checkRollout } from '../functions/check-rollout';
import { handler as evaluateWave } from '../functions/evaluate-wave';
import { handler as openEcr } from '../functions/open-ecr';
import { handler as registerTaskDefinition } from '../functions/register-task-definition';
import { handler as rollBackService } from '../functions/roll-back-service';
import { handler as updateService } from '../functions/update-service';
import type { LocalFunction } from './step-functions';

/** Every Lambda handler, by the substitution variable that names it in the ASL files and in `stacks/`. */
export const localFunctions: Record<string, LocalFunction> = {
  AssumeDeployRoleFunctionArn: assumeDeployRole,
  OpenEcrFunctionArn: openEcr,
  RegisterTaskDefinitionFunctionArn: registerTaskDefinition,
  UpdateServiceFunctionArn: updateService,
  CheckRolloutFunctionArn: checkRollout,
  CheckHealthFunctionArn: checkHealth,
  RollBackServiceFunctionArn: rollBackService,
  EvaluateWaveFunctionArn: evaluateWave,
};

export const stateMachineDefinitions = new URL('../state-machines/', import.meta.url);
