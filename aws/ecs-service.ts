import {
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  type ECSClient,
  type Service,
} from '@aws-sdk/client-ecs';
import type { TargetRef } from '../core/contracts';
import { ServiceNotFound } from '../core/errors';
import { awsCall } from './transient';

export interface EcsLike {
  send: ECSClient['send'];
}

/** The target's service, or why there is none: DescribeServices' MISSING, a deleted (INACTIVE) one, no cluster. */
export type ServiceLookup = { found: true; service: Service } | { found: false; reason: string; cause?: unknown };

/** One DescribeServices snapshot of the target's service, or why it has none. */
export async function findService(ecs: EcsLike, target: TargetRef): Promise<ServiceLookup> {
  let answer: DescribeServicesCommandOutput;
  try {
    answer = await awsCall(`ecs:DescribeServices ${target.account}/${target.region}`, () =>
      ecs.send(new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] })),
    );
  } catch (error) {
    if ((error as Error).name === 'ClusterNotFoundException') {
      return { found: false, reason: `cluster ${target.cluster} does not exist`, cause: error };
    }
    throw error;
  }
  const service = answer.services?.[0];
  if (!service || service.status === 'INACTIVE') {
    const reason = answer.failures?.[0]?.reason ?? (service ? 'INACTIVE' : 'MISSING');
    return { found: false, reason: `DescribeServices answered ${reason}` };
  }
  return { found: true, service };
}

/** One DescribeServices snapshot of the target's service; a missing or deleted service is terminal. */
export async function describeService(ecs: EcsLike, target: TargetRef): Promise<Service> {
  const lookup = await findService(ecs, target);
  if (!lookup.found) {
    throw new ServiceNotFound(target, lookup.reason, lookup.cause === undefined ? undefined : { cause: lookup.cause });
  }
  return lookup.service;
}
