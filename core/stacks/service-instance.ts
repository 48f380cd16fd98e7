// A service's first deploy to a target creates its instance, the service template's stack, before the image
// deploy: what deploy-stack is given for it. The template takes what the deployment knows of the target where it
// declares the parameter, so the service it creates runs where the map looks for it, with the image the pipeline
// built (a service has to start with some image).

import { type DeploymentSpec, type DeployTarget, stackRevision, type TargetStackDeployment } from '../contracts';
import { imageIn } from '../images';
import { type AnyLedgerRecord, isStackRecord, type LedgerResult } from '../ledger';

/**
 * The parameters a service template may declare to take them from the deployment, and what each one is. A service's
 * inputs cannot set them (core/map/load.ts refuses it, core/templates/wiring.ts too).
 */
export const DEPLOYMENT_PARAMETERS = {
  Image: 'the image each deploy ships, pinned by digest',
  ClusterName: 'the cluster the map deploys the service to',
  ServiceName: 'the name the map gives the ECS service',
  ContainerName: 'the container whose image each deploy replaces',
} as const;
export type DeploymentParameter = keyof typeof DEPLOYMENT_PARAMETERS;

/** The values of DEPLOYMENT_PARAMETERS for one target: its image replica, by digest, and the map's names. */
export function deploymentParametersOf(
  deployment: Pick<DeploymentSpec, 'image'>,
  target: DeployTarget,
): Record<DeploymentParameter, string> {
  return {
    // The replica in the target's own region, as the revisions that follow name it.
    Image: imageIn(deployment.image, target.region).uri,
    ClusterName: target.cluster,
    ServiceName: target.service,
    ContainerName: target.container,
  };
}

/** deploy-stack's input that creates the service's instance in `target`; null for a service without a template. */
export function serviceInstanceDeployment(
  deployment: DeploymentSpec,
  target: DeployTarget,
): TargetStackDeployment | null {
  const instance = deployment.serviceInstance;
  if (instance === null) return null;
  return {
    deployment: {
      // Its own id: the ledger keeps the stack's record beside the service's, under the same service, environment
      // and target, told apart by the deployment id.
      deploymentId: instanceDeploymentId(deployment.deploymentId),
      serviceName: deployment.serviceName,
      environment: deployment.environment,
      commit: deployment.commit,
      orchestrator: deployment.orchestrator,
      deployRole: deployment.deployRole,
      template: instance.template,
      inputs: instance.inputs,
      environmentStack: instance.environmentStack,
      deploymentParameters: deploymentParametersOf(deployment, target),
      // The stack is judged by CloudFormation alone: the image deploy that follows bakes with the alarms.
      health: { alarms: [] },
      rollout: instance.rollout,
      bake: { intervalSeconds: 0, checks: 0 },
      context: deployment.context,
    },
    target: { account: target.account, region: target.region, stackName: instance.stackName },
  };
}

/** The id of the instance stack's deployment that a service's deployment makes: the ledger keeps it beside the service's. */
export function instanceDeploymentId(deploymentId: string): string {
  return `${deploymentId}-instance`;
}

/** What a service's rollback puts back of its instance stack: the stack, and what it ran before (JSON text). */
export interface InstanceToPutBack {
  stackName: string;
  previous: string;
}

/** Results after which the instance stack runs what it ran before, or never changed. */
const UNDONE = new Set<LedgerResult>(['failed', 'rolled-back']);

/**
 * The instance stack a service's deployment updated to another template version, from the ledger's record of that
 * stack deployment (instanceDeploymentId), or null. One the deployment created stays: the service's rollback takes
 * it back to the revision its template registered, and the service it holds is the one crossdeploy deploys to.
 */
export function instanceToPutBack(record: AnyLedgerRecord | undefined): InstanceToPutBack | null {
  if (!record || !isStackRecord(record) || !record.previousRevision || UNDONE.has(record.result)) return null;
  const before = stackRevision.safeParse(JSON.parse(record.previousRevision));
  if (!before.success || before.data.template === null) return null;
  return { stackName: record.stackName, previous: record.previousRevision };
}
