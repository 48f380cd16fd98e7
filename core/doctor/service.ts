// Check 2, service: whether the target's cluster and ECS service exist and can be deployed to, and which map key
// to correct when they do not.

import { controllerFix, controllerProblem, DEPLOYABLE_CONTROLLER } from '../deployment-controller';
import type { Outcome } from './checks';
import { type DoctorTarget, where } from './targets';

/** What DescribeServices said about the target's service. */
export type ServiceLookup =
  | { kind: 'found'; status: string; taskDefinition?: string; deploymentController?: string }
  | { kind: 'no-cluster' }
  | { kind: 'missing'; reason: string };

export function serviceOutcome(target: DoctorTarget, lookup: ServiceLookup): Outcome {
  const { cluster, ecsService } = target;
  const clusterKey = target.clusterOverridden
    ? `the cluster of this target in environments.${target.environment}`
    : `services.${target.service}.cluster`;
  const serviceKey = target.serviceOverridden
    ? `the service of this target in environments.${target.environment}`
    : `services.${target.service}.service`;
  const createService = `create ECS service "${ecsService}" in cluster "${cluster}" (${where(target)}), or correct ${serviceKey}`;
  switch (lookup.kind) {
    case 'no-cluster':
      return {
        result: 'FAIL',
        detail: `cluster ${cluster} does not exist in ${where(target)}`,
        fix: `create ECS cluster "${cluster}" and its service "${ecsService}" in ${where(target)}, or correct ${clusterKey}`,
      };
    case 'missing':
      return {
        result: 'FAIL',
        detail: `service ${ecsService} is not in cluster ${cluster} (DescribeServices: ${lookup.reason})`,
        fix: createService,
      };
    case 'found':
      if (lookup.status === 'INACTIVE') {
        return {
          result: 'FAIL',
          detail: `service ${ecsService} in cluster ${cluster} is INACTIVE (deleted)`,
          fix: createService,
        };
      }
      if (lookup.status === 'DRAINING') {
        return {
          result: 'WARN',
          detail: `service ${ecsService} in cluster ${cluster} is DRAINING (being deleted)`,
          fix: createService,
        };
      }
      if ((lookup.deploymentController ?? DEPLOYABLE_CONTROLLER) !== DEPLOYABLE_CONTROLLER) {
        const controller = lookup.deploymentController as string;
        return {
          result: 'FAIL',
          detail: controllerProblem(controller, `${cluster}/${ecsService}`),
          fix: controllerFix(controller),
        };
      }
      return {
        result: 'ok',
        detail: `${cluster}/${ecsService} is ${lookup.status}, on ${lookup.taskDefinition ?? 'no task definition'}`,
      };
  }
}
