// The local runtime's bindings for the workflows' Lambda tasks and service integrations, derived from the same
// tables the stacks deploy from (stacks/steps.ts), so the local twin calls what AWS would.

import { handler as acquireLease } from '../functions/acquire-lease';
import { handler as announceDeployment } from '../functions/announce-deployment';
import { handler as announceFailure } from '../functions/announce-failure';
import { handler as assumeDeployRole } from '../functions/assume-deploy-role';
import { handler as awaitBake } from '../functions/await-bake';
import { handler as awaitRollout } from '../functions/await-rollout';
import { handler as checkHealth } from '../functions/check-health';
import { handler as checkImageReplica } from '../functions/check-image-replica';
import { handler as checkPackagedTemplate } from '../functions/check-packaged-template';
import { handler as checkPipelineRequest } from '../functions/check-pipeline-request';
import { handler as checkRollout } from '../functions/check-rollout';
import { handler as checkStack } from '../functions/check-stack';
import { handler as checkStackChangeSet } from '../functions/check-stack-change-set';
import { handler as checkStackHealth } from '../functions/check-stack-health';
import { handler as createStackChangeSet } from '../functions/create-stack-change-set';
import { handler as deleteStack } from '../functions/delete-stack';
import { handler as evaluateWave } from '../functions/evaluate-wave';
import { handler as executeStackChangeSet } from '../functions/execute-stack-change-set';
import { handler as explainFailure } from '../functions/explain-failure';
import { handler as findBuiltImage } from '../functions/find-built-image';
import { handler as findInstanceChange } from '../functions/find-instance-change';
import { handler as findServiceInstance } from '../functions/find-service-instance';
import { handler as markImageDeployed } from '../functions/mark-image-deployed';
import { handler as openEcr } from '../functions/open-ecr';
import { handler as recordDeployment } from '../functions/record-deployment';
import { handler as recordStackDeployment } from '../functions/record-stack-deployment';
import { handler as registerTaskDefinition } from '../functions/register-task-definition';
import { handler as releaseLease } from '../functions/release-lease';
import { handler as requestApproval } from '../functions/request-approval';
import { handler as restoreDeploymentConfiguration } from '../functions/restore-deployment-configuration';
import { handler as rollBackService } from '../functions/roll-back-service';
import { handler as updateService } from '../functions/update-service';
import { BUILDSPEC, PACKAGE_BUILDSPEC } from '../stacks/images';
import { functionVariable, STEP_FUNCTIONS, type StepFunction } from '../stacks/steps';
import { localCodeBuild } from './codebuild';
import type { LocalFunction } from './step-functions';

/**
 * Each step's handler by its file under functions/, every file STEP_FUNCTIONS names and no other: the type
 * check fails when a step is added there and not here.
 */
const HANDLERS = {
  'acquire-lease': acquireLease,
  'announce-deployment': announceDeployment,
  'announce-failure': announceFailure,
  'assume-deploy-role': assumeDeployRole,
  'await-bake': awaitBake,
  'await-rollout': awaitRollout,
  'check-health': checkHealth,
  'check-image-replica': checkImageReplica,
  'check-packaged-template': checkPackagedTemplate,
  'check-pipeline-request': checkPipelineRequest,
  'check-rollout': checkRollout,
  'check-stack': checkStack,
  'check-stack-change-set': checkStackChangeSet,
  'check-stack-health': checkStackHealth,
  'create-stack-change-set': createStackChangeSet,
  'delete-stack': deleteStack,
  'evaluate-wave': evaluateWave,
  'execute-stack-change-set': executeStackChangeSet,
  'explain-failure': explainFailure,
  'find-built-image': findBuiltImage,
  'find-instance-change': findInstanceChange,
  'find-service-instance': findServiceInstance,
  'mark-image-deployed': markImageDeployed,
  'open-ecr': openEcr,
  'record-deployment': recordDeployment,
  'record-stack-deployment': recordStackDeployment,
  'register-task-definition': registerTaskDefinition,
  'release-lease': releaseLease,
  'request-approval': requestApproval,
  'restore-deployment-configuration': restoreDeploymentConfiguration,
  'roll-back-service': rollBackService,
  'update-service': updateService,
} satisfies Record<StepFunction['file'], LocalFunction>;

/** Every Lambda handler the workflows call, by the substitution variable that names it in the ASL files and in `stacks/`. */
export const localFunctions: Record<string, LocalFunction> = Object.fromEntries(
  STEP_FUNCTIONS.map((spec) => [functionVariable(spec), HANDLERS[spec.file]]),
);

/** Service integrations the workflows use, answered locally. */
export const localIntegrations = {
  'arn:aws:states:::codebuild:startBuild.sync': localCodeBuild,
};

/** Substitutions that name resources rather than functions or state machines. */
export const localValues = {
  BuildProjectPrefix: 'crossdeploy-local-build-',
  BuildSpec: BUILDSPEC,
  PackageSpec: PACKAGE_BUILDSPEC,
};

export const stateMachineDefinitions = new URL('../state-machines/', import.meta.url);
