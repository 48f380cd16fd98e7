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

/** One DescribeServices snapshot of the target's service; a missing or deleted service is terminal. */
export async function describeService(ecs: EcsLike, target: TargetRef): Promise<Service> {
  let answer: DescribeServicesCommandOutput;
  try {
    answer = await awsCall(`ecs:DescribeServices ${target.account}/${target.region}`, () =>
      ecs.send(new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] })),
    );
  } catch (error) {
    if ((error as Error).name === 'ClusterNotFoundException') {
      throw new ServiceNotFound(target, `cluster ${target.cluster} does not exist`, { cause: error });
    }
    throw error;
  }
  const service = answer.services?.[0];
  if (!service || service.status === 'INACTIVE') {
    const reason = answer.failures?.[0]?.reason ?? (service ? 'INACTIVE' : 'MISSING');
    throw new ServiceNotFound(target, `DescribeServices answered ${reason}`);
  }
  return service;
}
