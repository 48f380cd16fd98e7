// Turns an application stack of the map (`kind: stack`) into the input of one environment's stack deployment: the
// template at the pushed commit, to the stack `crossdeploy-app-<service>-<environment>` in every account and
// region of the environment's waves, with the environment's alarms and bake.

import type { StackEnvironmentPlan, StackTarget } from '../contracts';
import { applicationStackName, environmentStackName, STACK_ROLLOUT } from '../stacks/names';
import { bakeLoop, environmentOf } from './plan';
import type { ApplicationStack, DeploymentMap } from './schema';

export interface ApplicationDeploymentRequest {
  deploymentId: string;
  /** The pushed commit: the template's version. */
  commit: string;
}

export function planApplicationStack(
  map: DeploymentMap,
  serviceName: string,
  environment: string,
  request: ApplicationDeploymentRequest,
): StackEnvironmentPlan {
  const application = applicationNamed(map, serviceName);
  const env = environmentOf(map, serviceName, environment);
  const { name: roleName, externalId } = map.deployRole;
  const { alarms, probe } = env.health;
  const stackName = applicationStackName(serviceName, environment);
  return {
    targetKind: 'cloudformation-stack',
    deployment: {
      deploymentId: request.deploymentId,
      serviceName,
      environment,
      commit: request.commit,
      orchestrator: { account: map.orchestrator.account, region: map.orchestrator.region },
      deployRole: externalId === undefined ? { name: roleName } : { name: roleName, externalId },
      template: { kind: 'applications', name: serviceName, version: request.commit },
      // CloudFormation takes every parameter value as text.
      inputs: Object.fromEntries(Object.entries(application.stack.parameters).map(([k, v]) => [k, String(v)])),
      // An environment provisioned from a template feeds the parameters the application declares from its outputs.
      environmentStack: env.template ? environmentStackName(environment) : null,
      deploymentParameters: {},
      health: { alarms: [...alarms], ...(probe === undefined ? {} : { probeUrl: probe }) },
      rollout: { ...STACK_ROLLOUT },
      bake: bakeLoop(env.bake),
    },
    waves: env.waves.map((wave) => ({
      maxConcurrency: wave.maxConcurrency,
      failureTolerance: wave.failureTolerance,
      targets: wave.targets.flatMap((target): StackTarget[] =>
        target.regions.map((region) => ({ account: target.account, region, stackName })),
      ),
    })),
  };
}

export function applicationNamed(map: DeploymentMap, serviceName: string): ApplicationStack {
  const application = map.applications[serviceName];
  if (!application) {
    throw new Error(
      `service "${serviceName}" is not an application stack (kind: stack) in the map` +
        ` (application stacks: ${Object.keys(map.applications).join(', ') || 'none'})`,
    );
  }
  return application;
}
