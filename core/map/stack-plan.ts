// Turns the map's environment template into the input of one environment's stack deployment: the environment's
// stack (VPC, cluster, roles) in every account and region of its waves, from the template version the map names.

import type { StackEnvironmentPlan, StackTarget, TemplateRef } from '../contracts';
import { DEPLOYMENT_ID_MAX } from '../pipeline-plan';
import { shortHash } from '../push';
import { environmentStackName, STACK_ROLLOUT } from '../stacks/names';
import { environmentNamed } from './plan';
import type { DeploymentMap } from './schema';

/**
 * What the ledger and the lease call an environment's own stack: not a service name (those have no underscore), so
 * provisioning an environment never shares a lease or a ledger record with a service deployed to it.
 */
export const ENVIRONMENT_STACK_SUBJECT = '_environment';

export interface StackDeploymentRequest {
  /** What the stacks are deployed from, as the ledger shows it (the templates repository's commit, or a label). */
  commit: string;
  /** Tells two deployments of the same version apart. */
  requestId: string;
}

export function planEnvironmentStack(
  map: DeploymentMap,
  environment: string,
  request: StackDeploymentRequest,
): StackEnvironmentPlan & { deployment: { template: TemplateRef } } {
  const env = environmentNamed(map, environment);
  if (!env.template) {
    throw new Error(
      `environment "${environment}" names no template: add template: { name, version, inputs } to it in the map`,
    );
  }
  const { name, version, inputs } = env.template;
  const stackName = environmentStackName(environment);
  const deploymentId = environmentDeploymentId(environment, version, request.requestId);
  const { name: roleName, externalId } = map.deployRole;
  return {
    targetKind: 'cloudformation-stack',
    deployment: {
      deploymentId,
      serviceName: ENVIRONMENT_STACK_SUBJECT,
      environment,
      commit: request.commit,
      orchestrator: { account: map.orchestrator.account, region: map.orchestrator.region },
      deployRole: externalId === undefined ? { name: roleName } : { name: roleName, externalId },
      template: { kind: 'environments', name, version },
      inputs: structuredClone(inputs),
      environmentStack: null,
      deploymentParameters: {},
      health: { alarms: [...env.health.alarms] },
      rollout: { ...STACK_ROLLOUT },
      bake: { intervalSeconds: 0, checks: 0 },
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

/** The deployment of an environment's own stacks at `version`, told apart from another of it by its request. */
export function environmentDeploymentId(environment: string, version: string, requestId: string): string {
  const tail = `-${version.replace('.', '-')}-${shortHash(`${environment}\n${version}\n${requestId}`)}`;
  return `env-${environment}`.slice(0, DEPLOYMENT_ID_MAX - tail.length).replace(/-+$/, '') + tail;
}
