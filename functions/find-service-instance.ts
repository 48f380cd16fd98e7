// deploy-target's look before the image deploy, for a service the map gives a template: is its ECS service in
// the target? If not, what deploy-stack is given to create it, the service template's stack (its instance).

import { findService } from '../aws/ecs-service';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { type TargetDeployment, type TargetStackDeployment, targetDeployment } from '../core/contracts';
import { serviceInstanceDeployment } from '../core/stacks/service-instance';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

export type ServiceInstanceLookup = { exists: true } | { exists: false; stack: TargetStackDeployment };

export async function findServiceInstance(
  input: TargetDeployment,
  clients: TargetClientFactory = targetClientFactory(),
): Promise<ServiceInstanceLookup> {
  const { deployment, target } = input;
  const stack = serviceInstanceDeployment(deployment, target);
  // The workflow asks only for a service with a template; without one, the image deploy says ServiceNotFound.
  if (stack === null) return { exists: true };
  const { ecs } = clients(target, deployment.deployRole);
  const lookup = await findService(ecs, target);
  const where = { account: target.account, region: target.region, cluster: target.cluster, service: target.service };
  if (lookup.found) {
    logger.info('service instance exists', where);
    return { exists: true };
  }
  logger.info('service instance missing: its stack creates it', {
    ...where,
    reason: lookup.reason,
    stack: stack.target.stackName,
  });
  return { exists: false, stack };
}

export const handler = lambdaStep('find-service-instance', targetDeployment, (input) => findServiceInstance(input));
