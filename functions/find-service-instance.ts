// deploy-target's look before the image deploy, for a service the map gives a template: is its instance as the map
// says? Missing (no ECS service yet: the first deploy to the target), or on another template version than the map
// pins (`crossdeploy template upgrade`): then what deploy-stack is given to create or update the service template's
// stack, with this deployment's image.

import { findService } from '../aws/ecs-service';
import { describeStack } from '../aws/stacks';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { type TargetDeployment, type TargetStackDeployment, targetDeployment } from '../core/contracts';
import { stackRevisionOf } from '../core/stacks/revision';
import { serviceInstanceDeployment } from '../core/stacks/service-instance';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

export type ServiceInstanceLookup =
  | { current: true }
  | { current: false; stack: TargetStackDeployment; why: 'missing' | 'upgrade' };

export async function findServiceInstance(
  input: TargetDeployment,
  clients: TargetClientFactory = targetClientFactory(),
): Promise<ServiceInstanceLookup> {
  const { deployment, target } = input;
  const stack = serviceInstanceDeployment(deployment, target);
  // The workflow asks only for a service with a template; without one, the image deploy says ServiceNotFound.
  if (stack === null) return { current: true };
  const { ecs, cloudformation } = clients(target, deployment.deployRole);
  const lookup = await findService(ecs, target);
  const where = { account: target.account, region: target.region, cluster: target.cluster, service: target.service };
  if (!lookup.found) {
    logger.info('service instance missing: its stack creates it', {
      ...where,
      reason: lookup.reason,
      stack: stack.target.stackName,
    });
    return { current: false, stack, why: 'missing' };
  }
  // A service its team created before the map gave it a template has no instance stack: it stays theirs.
  const existing = await describeStack(cloudformation, stack.target);
  const running = existing ? stackRevisionOf(existing).template?.version : undefined;
  const pinned = stack.deployment.template.version;
  if (running === undefined || running === pinned) {
    logger.info('service instance exists', { ...where, version: running ?? 'not from a template' });
    return { current: true };
  }
  logger.info('service instance moves to the version the map pins', { ...where, from: running, to: pinned });
  return { current: false, stack, why: 'upgrade' };
}

export const handler = lambdaStep('find-service-instance', targetDeployment, (input) => findServiceInstance(input));
